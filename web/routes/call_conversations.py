"""A call as a conversation: read it (call, transcript, tickets) and set the agent's disposition.

The disposition is the agent's wrap-up code (``follow_up``, ``resolved``...): the ticket rules that
name it open or update the call's ticket. Only the agent who took the call, or a supervisor, sets it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path
from sqlalchemy.orm import Session

from config.errors import ForbiddenError, NotFoundError
from config.models import Role
from telephony.agent_profiles.repository import agent_identity
from tickets.conversations.call_links import CallLink
from tickets.conversations.call_schemas import CallLinkPublic, CallSummary, DispositionBody, DispositionPublic
from tickets.conversations.call_tickets import call_summary, set_call_disposition
from tickets.conversations.services import get_conversation
from tickets.conversations.voice import find_call_link
from tickets.rules import rule_book
from web.auth import Principal, require_roles
from web.deps import SessionDep, SettingsDep
from web.routes.desk_support import RuntimeDep

router = APIRouter(prefix="/api/calls", tags=["calls"])
Reader = Annotated[Principal, require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)]
Dispositioner = Annotated[Principal, require_roles(Role.AGENT, Role.SUPERVISOR)]
CallId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


def _call_link_for(session: Session, call_id: str, principal: Principal) -> CallLink:
    """The call's link, if ``principal`` may see it: an agent only the calls they answered."""
    link = find_call_link(session, call_id)
    if link is None:
        raise NotFoundError(f"no conversation for call {call_id}")
    if principal.role is Role.AGENT:
        identity = agent_identity(session, principal.user_id)
        if identity is None or link.agent_id is None or identity.agent_id != link.agent_id:
            raise ForbiddenError(f"call {call_id} was not answered by you")
    return link


@router.get("/{call_id}/conversation")
def call_conversation(call_id: CallId, session: SessionDep, principal: Reader) -> CallSummary:
    """The call's conversation: the call (IVR path, agent, outcome, recording), transcript, tickets."""
    link = _call_link_for(session, call_id, principal)
    return call_summary(session, get_conversation(session, link.conversation_id))


@router.put("/{call_id}/disposition")
def set_disposition(
    call_id: CallId,
    body: DispositionBody,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    principal: Dispositioner,
) -> DispositionPublic:
    """Set the agent's wrap-up code; a disposition rule that matches opens or updates the ticket."""
    _call_link_for(session, call_id, principal)
    link, ticket = set_call_disposition(
        session, runtime, call_id, body.disposition, principal.user_id, rule_book(settings.data_dir)
    )
    return DispositionPublic(
        call=CallLinkPublic.model_validate(link), ticket_id=ticket.id if ticket else None
    )
