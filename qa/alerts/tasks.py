"""The Celery job that stores compliance findings (the live path only enqueues, by name)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.jobs import celery_app
from config.settings import load_settings
from qa.alerts.schemas import FindingPayload
from qa.alerts.services import record_findings

STORE_FINDINGS_TASK = "qa.store_findings"


@lru_cache(maxsize=4)
def _sessions(database_url: str) -> sessionmaker[Session]:
    return make_session_factory(make_engine(database_url))


def store_findings_in(
    database_url: str,
    findings: list[dict[str, Any]],
    call_id: str | None = None,
    conversation_id: int | None = None,
    channel: str = "voice",
    agent: str | None = None,
) -> list[int]:
    """Validate and store the findings; a malformed finding raises ValidationError (nothing stored)."""
    payloads = [FindingPayload.model_validate(f) for f in findings]
    with _sessions(database_url)() as session:
        return record_findings(
            session, payloads, call_id=call_id, conversation_id=conversation_id, channel=channel, agent=agent
        )


@celery_app.task(name=STORE_FINDINGS_TASK, autoretry_for=(OSError,), retry_backoff=True, max_retries=10)
def store_findings(
    findings: list[dict[str, Any]],
    call_id: str | None = None,
    conversation_id: int | None = None,
    channel: str = "voice",
    agent: str | None = None,
) -> list[int]:
    """``findings``: ``dataclasses.asdict(Finding)`` each; returns the stored rows' ids."""
    return store_findings_in(
        load_settings().effective_database_url, findings, call_id, conversation_id, channel, agent
    )
