"""The QA manager's console API: search what was said and written, and one call's review.

- ``GET /api/qa/search``: a phrase in call transcripts and text messages with filters
  (:mod:`tickets.conversations.search`), rows under the conversation access rule;
  ``GET /api/qa/search.csv`` the same as a spreadsheet (formula-safe cells, audited).
- ``GET /api/qa/calls/{call_id}/review``: what the review page shows in one answer: the call record,
  the transcript lines with their place in the recording, the alerts with their evidence and the
  scorecard with its notes (or none yet).

Both for supervisors, QA managers and admins (agents 403): agents have their own desk. Overrides
and coaching notes go through the scorecard routes (:mod:`web.routes.scorecards`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel

from asr.transcripts.repository import TranscriptRepository
from config.errors import InvalidInputError, NotFoundError
from config.models import Role
from qa.alerts.schemas import QaAlertPublic
from qa.alerts.services import alerts_for
from qa.scorecards import services as scorecards
from qa.scorecards.access import Viewer
from qa.scorecards.exceptions import ScorecardNotFoundError
from qa.scorecards.schemas import ScorecardPublic
from qa.scorecards.timeline import AGENT, CALLER, on_recording_clock, side_of
from telephony.recording.files import recording_file, recordings_dir
from telephony.records.queries import get_record
from tickets import access
from tickets.conversations.models import Channel
from tickets.conversations.search import MAX_PAGE, SearchFilter, SearchPage, search_lines
from tickets.conversations.search_csv import hits_as_csv
from tickets.sla.clock import as_utc
from web.access import ScopeDep
from web.audit import record_read
from web.auth import CurrentPrincipal, require_roles
from web.deps import SessionDep, SettingsDep
from web.routes.calls.schemas import CallRecordPublic
from web.routes.calls.transcripts import CallId

router = APIRouter(tags=["qa"])
QA_READERS = require_roles(Role.SUPERVISOR, Role.QA_MANAGER)
Name = Annotated[str | None, Query(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.@+-]+$")]
Score = Annotated[float | None, Query(ge=0, le=100, allow_inf_nan=False)]
EXPORT_ROWS = 5000


def _utc(value: datetime | None) -> datetime | None:
    return as_utc(value) if value is not None else None


def search_filter(
    q: Annotated[str, Query(min_length=1, max_length=200, description="the phrase, as said or written")],
    start: Annotated[datetime | None, Query(alias="from", description="lines at or after (ISO 8601)")] = None,
    end: Annotated[datetime | None, Query(alias="to", description="lines before (ISO 8601)")] = None,
    agent: Annotated[Name, Query(description="the agent's SIP user name, or the thread's assignee")] = None,
    queue: Name = None,
    channel: Channel | None = None,
    rule: Annotated[Name, Query(description="a compliance rule id the call or thread hit")] = None,
    min_score: Score = None,
    max_score: Score = None,
    language: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$")] = None,
) -> SearchFilter:
    """The search's query parameters, checked (shared by the JSON and the CSV answer)."""
    since, until = _utc(start), _utc(end)
    if since is not None and until is not None and since >= until:
        raise InvalidInputError("from must be before to")
    if min_score is not None and max_score is not None and min_score > max_score:
        raise InvalidInputError("min_score must not be above max_score")
    return SearchFilter(q, since, until, agent, queue, channel.value if channel else None, rule,
                        min_score, max_score, language)  # fmt: skip


SearchDep = Annotated[SearchFilter, Depends(search_filter)]


@router.get("/api/qa/search", dependencies=[QA_READERS])
def search(
    session: SessionDep,
    scope: ScopeDep,
    where: SearchDep,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 25,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
) -> SearchPage:
    """Lines containing the phrase (case-insensitive), newest first, with their call's facts."""
    hits, more = search_lines(session, where, access.visible_conversations(scope), limit=limit, offset=offset)
    return SearchPage(items=hits, limit=limit, offset=offset, has_more=more)


@router.get(
    "/api/qa/search.csv",
    dependencies=[QA_READERS],
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the newest matching lines as CSV"}},
)
def search_export(
    request: Request, principal: CurrentPrincipal, session: SessionDep, scope: ScopeDep, where: SearchDep
) -> Response:
    """The same search as CSV (at most EXPORT_ROWS lines, newest first; ``x-voxdesk-truncated`` says
    whether more matched), audited: an export takes what was said out of Voxdesk."""
    hits, more = search_lines(session, where, access.visible_conversations(scope), limit=EXPORT_ROWS)
    record_read(session, request, principal, f"rows={len(hits)}", 200)
    return Response(
        hits_as_csv(hits),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="voxdesk-qa-search.csv"',
                 "cache-control": "private, no-store", "x-voxdesk-truncated": "true" if more else "false"},
    )  # fmt: skip


class ReviewLine(BaseModel):
    """A transcript line; ``recording_at``: seconds into the recording (None: not in it)."""

    id: int
    leg: str
    speaker: str | None
    start: float
    end: float
    text: str
    recording_at: float | None


class ReviewAlert(QaAlertPublic):
    recording_at: float | None = None


class CallReviewPublic(BaseModel):
    call_id: str
    record: CallRecordPublic | None
    has_recording: bool
    lines: list[ReviewLine]
    alerts: list[ReviewAlert]
    scorecard: ScorecardPublic | None


@router.get("/api/qa/calls/{call_id}/review", dependencies=[QA_READERS])
def call_review(
    call_id: CallId, session: SessionDep, scope: ScopeDep, settings: SettingsDep
) -> CallReviewPublic:
    """The call as its review page shows it (404 when neither a record nor a transcript exists)."""
    record = get_record(session, call_id)
    segments = TranscriptRepository(session).for_call(call_id)
    if record is None and not segments:
        raise NotFoundError(f"no call {call_id}")
    delay = None
    if record is not None and record.answered_at is not None:
        delay = max((as_utc(record.answered_at) - as_utc(record.offered_at)).total_seconds(), 0.0)
    path = recording_file(recordings_dir(settings), record.recording_name) if record is not None else None
    # In the order they were said: agent legs start when the agent joined, ``delay`` after the caller's.
    said = sorted(segments, key=lambda s: s.start + (delay or 0.0 if side_of(s.leg) == AGENT else 0.0))
    lines = [
        ReviewLine(id=s.id, leg=s.leg, speaker=s.speaker, start=s.start, end=s.end, text=s.text,
                   recording_at=on_recording_clock(s.leg, s.start, delay))
        for s in said
    ]  # fmt: skip
    alerts = [
        ReviewAlert.model_validate(row, from_attributes=True).model_copy(
            update={"recording_at": on_recording_clock(CALLER, row.start, delay)}
        )
        for row in alerts_for(session, call_id=call_id)
    ]
    try:
        card = scorecards.scorecard_for_call(
            session, Viewer(scope.user_id, scope.role, scope.agent_id), call_id
        )
    except ScorecardNotFoundError:
        card = None
    public = None
    if record is not None:
        public = CallRecordPublic.model_validate(record).model_copy(
            update={"has_recording": path is not None}
        )
    return CallReviewPublic(call_id=call_id, record=public, has_recording=path is not None, lines=lines,
                            alerts=alerts, scorecard=card)  # fmt: skip
