"""The Celery jobs that score a call once it has ended, and again when late segments arrive.

Call control queues :data:`SCORE_CALL_TASK` (by name) when a call an agent answered ends, with the
call's facts. Its last transcript segments are still being stored by their own jobs then, so:

- the job scores what is there at once, and again every :data:`SETTLE_S` seconds while segments
  keep arriving (at most :data:`MAX_RESCORES` times: this closes the race with a segment stored
  while the first score was being written);
- the transcript store tells :data:`SEGMENT_STORED_TASK` of every stored segment; for a call that
  has a scorecard already (it has ended), that segment came late and the call is scored again.

Scoring is idempotent per call and stops once the scorecard is reviewed.
"""

from __future__ import annotations

import logging
import time
from functools import lru_cache
from typing import Any

from celery import Task
from pydantic import ValidationError
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.errors import VoxdeskError
from config.jobs import celery_app
from config.settings import Settings, load_settings
from qa.compliance.model import Utterance
from qa.compliance.store import current_engine
from qa.pci import redact_text
from qa.scorecards.phrases import shared_phrase_book
from qa.scorecards.replay import ComplianceCheck
from qa.scorecards.schemas import CallFacts
from qa.scorecards.services import ScoreOutcome, score_and_store, stored_facts

log = logging.getLogger(__name__)

SCORE_CALL_TASK = "voxdesk.qa.score_call"
SEGMENT_STORED_TASK = "voxdesk.qa.segment_stored"
SETTLE_S = 10.0
MAX_RESCORES = 6


@lru_cache(maxsize=4)
def _sessions(database_url: str) -> sessionmaker[Session]:
    return make_session_factory(make_engine(database_url))


def compliance_check(settings: Settings) -> ComplianceCheck | None:
    """The compliance rules in force (rebuilt when an admin changes them), as live calls use them;
    None when the rules file cannot be read (the call is still scored, its compliance items "n/a")."""
    try:
        return ComplianceCheck(current_engine(settings), Utterance)
    except VoxdeskError as exc:
        log.warning("scorecards without compliance items: %s", exc)
        return None


def score(
    factory: sessionmaker[Session], facts: CallFacts, compliance: ComplianceCheck | None
) -> ScoreOutcome:
    """Score the call with the process's phrase book; evidence text goes through the card-data
    redactor once more (the stored transcript is redacted already: this is the net under it)."""
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


def rescore_late(
    factory: sessionmaker[Session], call_id: str, compliance: ComplianceCheck | None
) -> int | None:
    """Score a scored call again (a segment came after its scorecard); None for a call still going."""
    with factory() as session:
        facts = stored_facts(session, call_id)
    if facts is None:
        return None
    return score(factory, facts, compliance).scorecard_id


@celery_app.task(name=SEGMENT_STORED_TASK, autoretry_for=(OSError,), retry_backoff=True, max_retries=10)
def segment_stored_job(segment: dict[str, Any]) -> int | None:
    call_id = segment.get("call_id") if isinstance(segment, dict) else None
    if not isinstance(call_id, str) or not 0 < len(call_id) <= 64:
        return None
    settings = load_settings()
    return rescore_late(_sessions(settings.effective_database_url), call_id, compliance_check(settings))
