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
# Whoever keeps conversations appends the stored segment to the call's thread (named, not imported).
SEGMENT_STORED_TASK = "voxdesk.tickets.call_transcript"


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
    try:
        celery_app.send_task(SEGMENT_STORED_TASK, args=[payload])
    except Exception as exc:  # the segment is stored; only its line in the conversation is missing
        log.warning("segment %s stored, not queued for its conversation: %s", row_id, exc)
    return row_id
