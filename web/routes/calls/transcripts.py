"""``GET /api/calls/{call_id}/transcript``: a call's stored transcript, under the feed's object rule.

Supervisors, QA managers and admins read any call's transcript; an agent reads the calls they took
(the call record names them) or are on right now (the live call names them).
"""

from __future__ import annotations

from typing import Annotated

import anyio
import redis.asyncio as aredis
from fastapi import APIRouter, Path, Request
from pydantic import BaseModel
from sqlalchemy.orm import Session

from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentPublic
from config.errors import ForbiddenError, NotFoundError
from config.models import Role
from telephony.agent_profiles.repository import agent_identity
from telephony.calls.model import Call
from telephony.calls.store import CallStore
from telephony.records.queries import get_record
from web.auth import CurrentPrincipal, require_roles
from web.deps import SessionDep
from web.routes.calls.feed import EVERYTHING_ROLES

transcript_router = APIRouter(tags=["calls"])
TRANSCRIPT_READERS = require_roles(Role.AGENT, *EVERYTHING_ROLES)
CallId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class CallTranscriptPublic(BaseModel):
    """Every final segment of both legs, in the order they were said."""

    call_id: str
    segments: list[TranscriptSegmentPublic]


class _Stored(BaseModel):
    record_agent_id: str | None
    has_record: bool
    viewer_agent_id: str | None
    segments: list[TranscriptSegmentPublic]


def _read_stored(session: Session, call_id: str, user_id: int) -> _Stored:
    record = get_record(session, call_id)
    identity = agent_identity(session, user_id)
    return _Stored(
        record_agent_id=record.agent_id if record else None,
        has_record=record is not None,
        viewer_agent_id=identity.agent_id if identity else None,
        segments=TranscriptRepository(session).for_call(call_id),
    )


async def _live_call(request: Request, call_id: str) -> Call | None:
    client = aredis.Redis.from_url(request.app.state.redis_url)
    try:
        return await CallStore(client, request.app.state.settings.telephony.key_prefix).find(call_id)
    finally:
        await client.aclose()


@transcript_router.get("/api/calls/{call_id}/transcript", dependencies=[TRANSCRIPT_READERS])
async def call_transcript(
    call_id: CallId, request: Request, principal: CurrentPrincipal, session: SessionDep
) -> CallTranscriptPublic:
    stored = await anyio.to_thread.run_sync(_read_stored, session, call_id, principal.user_id)
    live = await _live_call(request, call_id)
    if not stored.has_record and live is None and not stored.segments:
        raise NotFoundError(f"no call {call_id}")
    if principal.role not in EVERYTHING_ROLES:
        me = stored.viewer_agent_id
        on_live = live is not None and me in (live.agent_id, live.offer_agent_id, live.consult_agent_id)
        if me is None or not (on_live or stored.record_agent_id == me):
            raise ForbiddenError(f"you are not on call {call_id}")
    return CallTranscriptPublic(call_id=call_id, segments=stored.segments)
