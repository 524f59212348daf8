"""``GET /api/calls/{call_id}/transcript``: a call's stored transcript, under the access rule.

Calls are the floor's: supervisors, QA managers and admins read any call's transcript (supervisors
may listen in on any call, and see every call conversation; see :mod:`tickets.access`). An agent
reads the live calls they are on, the calls they took (the call record names them) and the calls
whose conversation the access rule gives them. Anything else answers 404, like a call that does
not exist.
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
from config.errors import NotFoundError
from config.models import Role
from telephony.agent_profiles.repository import agent_identity
from telephony.calls.model import Call
from telephony.calls.store import CallStore
from telephony.records.queries import get_record
from tickets import access
from web.access import scope_of
from web.auth import CurrentPrincipal, Principal, require_roles
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
    conversation_visible: bool
    segments: list[TranscriptSegmentPublic]


def _read_stored(session: Session, call_id: str, principal: Principal) -> _Stored:
    record = get_record(session, call_id)
    identity = agent_identity(session, principal.user_id)
    return _Stored(
        record_agent_id=record.agent_id if record else None,
        has_record=record is not None,
        viewer_agent_id=identity.agent_id if identity else None,
        conversation_visible=access.call_visible(session, scope_of(session, principal), call_id),
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
    stored = await anyio.to_thread.run_sync(_read_stored, session, call_id, principal)
    live = await _live_call(request, call_id)
    if not stored.has_record and live is None and not stored.segments:
        raise NotFoundError(f"no call {call_id}")
    if not _may_read(principal.role, stored, live):
        raise NotFoundError(f"no call {call_id}")
    return CallTranscriptPublic(call_id=call_id, segments=stored.segments)


async def may_read_call(call_id: str, request: Request, principal: Principal, session: Session) -> bool:
    """Whether the signed-in user may read what was said on this call (its transcript, its alerts)."""
    if principal.role in EVERYTHING_ROLES:
        return True
    stored = await anyio.to_thread.run_sync(_read_stored, session, call_id, principal)
    return _may_read(principal.role, stored, await _live_call(request, call_id))


def _may_read(role: Role, stored: _Stored, live: Call | None) -> bool:
    if role in EVERYTHING_ROLES or stored.conversation_visible:
        return True
    me = stored.viewer_agent_id
    on_live = live is not None and me in (live.agent_id, live.offer_agent_id, live.consult_agent_id)
    return me is not None and (on_live or stored.record_agent_id == me)
