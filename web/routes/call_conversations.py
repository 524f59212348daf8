"""A call as a conversation: read it (call, transcript, tickets) and set the agent's disposition.

The disposition is the agent's wrap-up code (``follow_up``, ``resolved``...): the ticket rules that
name it open or update the call's ticket. Whoever may act on the call's conversation sets it (the
agent who took the call, any supervisor: calls are the floor's; see :mod:`tickets.access`).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path

from config.models import Role
from tickets import access
from tickets.conversations.call_schemas import CallLinkPublic, CallSummary, DispositionBody, DispositionPublic
from tickets.conversations.call_tickets import set_call_disposition
from tickets.rules import rule_book
from web.access import ScopeDep
from web.auth import Principal, require_roles
from web.deps import SessionDep, SettingsDep
from web.routes.desk_support import RuntimeDep

router = APIRouter(prefix="/api/calls", tags=["calls"])
Reader = Annotated[Principal, require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)]
Dispositioner = Annotated[Principal, require_roles(Role.AGENT, Role.SUPERVISOR)]
CallId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


@router.get("/{call_id}/conversation")
def call_conversation(call_id: CallId, session: SessionDep, _: Reader, scope: ScopeDep) -> CallSummary:
    """The call's conversation: the call (IVR path, agent, outcome, recording), transcript, tickets.

    Under the conversation rule (:mod:`tickets.access`): an agent reads the calls they answered and
    the call conversations of their groups' tickets, supervisors every call; 404 for the others. The
    ticket ids are those the user may see."""
    link = access.call_link_for(session, scope, call_id)
    return access.call_summary_for(session, scope, link.conversation_id)


@router.put("/{call_id}/disposition")
def set_disposition(
    call_id: CallId,
    body: DispositionBody,
    session: SessionDep,
    settings: SettingsDep,
    runtime: RuntimeDep,
    principal: Dispositioner,
    scope: ScopeDep,
) -> DispositionPublic:
    """Set the agent's wrap-up code; a disposition rule that matches opens or updates the ticket."""
    access.call_link_for(session, scope, call_id, write=True)
    link, ticket = set_call_disposition(
        session, runtime, call_id, body.disposition, principal.user_id, rule_book(settings.data_dir)
    )
    return DispositionPublic(
        call=CallLinkPublic.model_validate(link), ticket_id=ticket.id if ticket else None
    )
