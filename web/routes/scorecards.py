"""Post-call QA scorecards: read (the floor all, an agent their own), review (QA managers, admins),
coaching notes (QA managers, supervisors, admins), calibration (QA managers score the same call on
their own; the floor reads the agreement), and per-agent scores for analytics.

Thin: :mod:`qa.scorecards.services` and :mod:`qa.scorecards.reviews` decide. A scorecard the user
may not see answers 404 like a missing one; one they see but may not change answers 403.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query

from config.models import Role
from qa.scorecards import calibration, reviews, services
from qa.scorecards.access import Viewer
from qa.scorecards.schemas import (
    AgentScores,
    CalibrationPublic,
    CalibrationUpdate,
    NoteCreate,
    NotePublic,
    ReviewUpdate,
    ScorecardPublic,
)
from qa.scorecards.services import ScorecardFilter
from web.access import ScopeDep
from web.auth import require_roles
from web.deps import SessionDep
from web.ids import IdPath
from web.routes.calls.transcripts import CallId

router = APIRouter(tags=["qa"])
SIGNED_IN = require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)
FLOOR = require_roles(Role.SUPERVISOR, Role.QA_MANAGER)
AgentId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@+-]+$")]
From = Annotated[
    datetime | None, Query(alias="from", description="calls at or after (ISO 8601, UTC if no zone)")
]
To = Annotated[datetime | None, Query(alias="to", description="calls before (ISO 8601, UTC if no zone)")]


def _viewer(scope: ScopeDep) -> Viewer:
    return Viewer(scope.user_id, scope.role, scope.agent_id)


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.get("/api/qa/scorecards", dependencies=[SIGNED_IN])
def list_scorecards(
    session: SessionDep,
    scope: ScopeDep,
    start: From = None,
    end: To = None,
    agent: Annotated[str | None, Query(max_length=64)] = None,
    reviewed: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=services.MAX_LIST)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[ScorecardPublic]:
    """Newest calls first; an agent sees only their own scorecards (``agent`` naming anyone else: none)."""
    where = ScorecardFilter(agent, _utc(start), _utc(end), reviewed)
    return services.list_scorecards(session, _viewer(scope), where, limit, offset)


@router.get("/api/qa/scorecards/{scorecard_id}", dependencies=[SIGNED_IN])
def get_scorecard(scorecard_id: IdPath, session: SessionDep, scope: ScopeDep) -> ScorecardPublic:
    return services.get_scorecard(session, _viewer(scope), scorecard_id)


@router.get("/api/calls/{call_id}/scorecard", dependencies=[SIGNED_IN])
def call_scorecard(call_id: CallId, session: SessionDep, scope: ScopeDep) -> ScorecardPublic:
    """The call's scorecard with its coaching notes (404 until the call is scored)."""
    return services.scorecard_for_call(session, _viewer(scope), call_id)


@router.put("/api/qa/scorecards/{scorecard_id}/review", dependencies=[SIGNED_IN])
def review_scorecard(
    scorecard_id: IdPath, body: ReviewUpdate, session: SessionDep, scope: ScopeDep
) -> ScorecardPublic:
    """Replace the review: item results and the total overridden with reasons, and the reviewed mark
    (QA managers and admins). The automatic values stay in ``auto_status`` and ``auto_total``."""
    return reviews.review_scorecard(session, _viewer(scope), scorecard_id, body)


@router.post("/api/qa/scorecards/{scorecard_id}/notes", status_code=201, dependencies=[SIGNED_IN])
def add_note(scorecard_id: IdPath, body: NoteCreate, session: SessionDep, scope: ScopeDep) -> NotePublic:
    """A coaching note for the agent (QA managers, supervisors, admins)."""
    return reviews.add_note(session, _viewer(scope), scorecard_id, body)


@router.get("/api/qa/scorecards/{scorecard_id}/calibration", dependencies=[FLOOR])
def get_calibration(scorecard_id: IdPath, session: SessionDep, scope: ScopeDep) -> CalibrationPublic:
    """Every reviewer's own results and their agreement (a QA manager: once theirs are in)."""
    return calibration.calibration_of(session, _viewer(scope), scorecard_id)


@router.put("/api/qa/scorecards/{scorecard_id}/calibration", dependencies=[SIGNED_IN])
def submit_calibration(
    scorecard_id: IdPath, body: CalibrationUpdate, session: SessionDep, scope: ScopeDep
) -> CalibrationPublic:
    """The signed-in QA manager's own result of every item, for calibration (QA managers, admins)."""
    return calibration.submit(session, _viewer(scope), scorecard_id, body)


@router.get("/api/qa/agents/{agent}/scores", dependencies=[SIGNED_IN])
def agent_scores(
    agent: AgentId, session: SessionDep, scope: ScopeDep, start: From = None, end: To = None
) -> AgentScores:
    """Count, average total and pass rate per item of one agent's calls (reviewed values where given)."""
    where = ScorecardFilter(None, _utc(start), _utc(end))
    return services.agent_scores(session, _viewer(scope), agent, where)
