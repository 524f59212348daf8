"""The Celery job that scores a call once it has ended, and again while late segments arrive.

Call control queues :data:`SCORE_CALL_TASK` (by name) when a call an agent answered ends, with the
call's facts. Its last transcript segments are still being stored by their own jobs then, so the job
scores what is there at once and runs again every :data:`SETTLE_S` seconds while segments keep
arriving (at most :data:`MAX_RESCORES` times). Scoring is idempotent per call and stops once the
scorecard is reviewed.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any

from celery import Task
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from asr.redaction import redact_text
from config.db import make_engine, make_session_factory
from config.jobs import celery_app
from config.settings import Settings, load_settings
from qa.scorecards.phrases import shared_phrase_book
from qa.scorecards.replay import ComplianceCheck
from qa.scorecards.schemas import CallFacts
from qa.scorecards.services import ScoreOutcome, score_and_store

log = logging.getLogger(__name__)

SCORE_CALL_TASK = "voxdesk.qa.score_call"
SETTLE_S = 10.0
MAX_RESCORES = 6


@lru_cache(maxsize=4)
def _sessions(database_url: str) -> sessionmaker[Session]:
    return make_session_factory(make_engine(database_url))


def compliance_check(settings: Settings) -> ComplianceCheck | None:
    """The compliance engine the scorecard replays the transcript through.

    None until ``qa.compliance`` is merged (disclosure and compliance items are then "n/a"); the lead
    wires ``ComplianceCheck(current_engine(settings), Utterance)`` here.
    """
    return None


def score(
    factory: sessionmaker[Session], facts: CallFacts, compliance: ComplianceCheck | None
) -> ScoreOutcome:
    with factory() as session:
        return score_and_store(session, facts, compliance, shared_phrase_book(), redact_text)


def still_settling(outcome: ScoreOutcome, facts: CallFacts, now: float) -> bool:
    """True while the transcript may still grow: the call ended or a segment was stored recently."""
    recent = now - SETTLE_S
    if facts.ended_at is not None and facts.ended_at > recent:
        return True
    return outcome.newest_segment_at is not None and outcome.newest_segment_at.timestamp() > recent


@celery_app.task(
    name=SCORE_CALL_TASK, bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=20
)
def score_call_job(self: Task, facts: dict[str, Any]) -> int | None:
    try:
        parsed = CallFacts.model_validate(facts)
    except ValidationError as exc:  # a bad payload never gets better by retrying
        log.warning("scorecard job refused its facts: %s", exc.errors(include_input=False))
        return None
    settings = load_settings()
    outcome = score(_sessions(settings.effective_database_url), parsed, compliance_check(settings))
    if (
        outcome.scored
        and still_settling(outcome, parsed, time.time())
        and self.request.retries < MAX_RESCORES
    ):
        raise self.retry(countdown=SETTLE_S)
    return outcome.scorecard_id
