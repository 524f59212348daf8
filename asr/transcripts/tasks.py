"""Celery job that persists transcript segments (the live path only enqueues)."""

from __future__ import annotations

import logging
from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentCreate
from config.db import make_engine, make_session_factory, session_scope
from config.jobs import celery_app
from config.settings import load_settings

log = logging.getLogger(__name__)
STORE_SEGMENT_TASK = "voxdesk.asr.store_segment"
# Jobs told of every stored segment (named, not imported): whoever keeps conversations appends it to
# the call's thread; post-call QA scores a finished call again when a segment comes after its scorecard.
SEGMENT_STORED_TASK = "voxdesk.tickets.call_transcript"
SEGMENT_STORED_TASKS = (SEGMENT_STORED_TASK, "voxdesk.qa.segment_stored")


@lru_cache(maxsize=4)
def _sessions(database_url: str) -> sessionmaker[Session]:
    return make_session_factory(make_engine(database_url))


def store_segment_in(database_url: str, payload: dict[str, Any]) -> int:
    """Validate and store one segment; returns its row id. Bad payloads raise ValidationError."""
    segment = TranscriptSegmentCreate.model_validate(payload)
    with session_scope(_sessions(database_url)) as session:
        return TranscriptRepository(session).add(segment).id


@celery_app.task(name=STORE_SEGMENT_TASK, autoretry_for=(OSError,), retry_backoff=True, max_retries=10)
def store_segment(payload: dict[str, Any]) -> int:
    row_id = store_segment_in(load_settings().effective_database_url, payload)
    # After the row is durable, so the conversation never holds a line the transcript lacks.
    for name in SEGMENT_STORED_TASKS:
        try:
            celery_app.send_task(name, args=[payload])
        except Exception as exc:  # the segment is stored; only what follows from it is missing
            log.warning("segment %s stored, not queued for %s: %s", row_id, name, exc)
    return row_id
