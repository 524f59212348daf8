"""Tickets opened by other parts of Voxdesk: a call (telephony), a message (channels), a rule."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickets.conversations.models import Conversation, Message
from tickets.conversations.services import get_conversation
from tickets.desk.exceptions import InvalidInputError
from tickets.desk.models import Ticket, TicketPriority, TicketSource
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import TicketChannel, TicketCreate
from tickets.desk.services import Actor, create_ticket


@dataclass(frozen=True)
class CallTicketRequest:
    """What telephony knows when a call ends: who, why, the IVR path taken and a summary."""

    call_id: str
    reason: str
    summary: str = ""
    ivr_path: list[str] = field(default_factory=list)
    transcript_url: str | None = None
    customer_id: int | None = None
    conversation_id: int | None = None
    priority: TicketPriority = TicketPriority.NORMAL
    business_area: str = "general"
    group_id: int | None = None
    assignee_id: int | None = None
    tags: list[str] = field(default_factory=list)


def create_ticket_from_call(session: Session, runtime: DeskRuntime, request: CallTicketRequest) -> Ticket:
    """Open a ticket for a call (subject from the IVR reason, description from the summary).

    The call's conversation is linked when the conversations package recorded one for ``call_id``.
    """
    if not request.call_id.strip() or not request.reason.strip():
        raise InvalidInputError("a call ticket needs the call id and a reason")
    conversation_id = request.conversation_id
    customer_id = request.customer_id
    if conversation_id is None:
        from tickets.conversations.models import Channel
        from tickets.conversations.services import find_by_external_ref

        conversation = find_by_external_ref(session, Channel.VOICE, request.call_id)
        if conversation is not None:
            conversation_id = conversation.id
            customer_id = customer_id or conversation.customer_id
    data = TicketCreate(
        subject=f"Call: {request.reason}"[:300],
        description=request.summary[:20_000],
        priority=request.priority,
        business_area=request.business_area,
        channel=TicketChannel.VOICE,
        customer_id=customer_id,
        conversation_id=conversation_id,
        group_id=request.group_id,
        assignee_id=request.assignee_id,
        tags=request.tags,
    )
    context = {
        "ivr_path": list(request.ivr_path),
        "reason": request.reason,
        "summary": request.summary,
        "transcript_url": request.transcript_url,
    }
    return create_ticket(
        session,
        runtime,
        data,
        Actor("ivr"),
        source=TicketSource.CALL,
        extra={"call_id": request.call_id[:128], "call_context": context},
    )


def create_ticket_from_message(
    session: Session,
    runtime: DeskRuntime,
    conversation_id: int,
    actor: Actor,
    *,
    subject: str | None = None,
    priority: TicketPriority = TicketPriority.NORMAL,
    group_id: int | None = None,
    business_area: str = "general",
    tags: Sequence[str] = (),
    message_id: int | None = None,
) -> Ticket:
    """Open a ticket for a conversation (chat, e-mail, SMS...), for its customer and channel.

    The description is message ``message_id`` (the one that opened the ticket), else the
    conversation's first message.
    """
    conversation: Conversation = get_conversation(session, conversation_id)
    query = select(Message).where(Message.conversation_id == conversation.id)
    if message_id is not None:
        query = query.where(Message.id == message_id)
    opening = session.scalar(query.order_by(Message.id).limit(1))
    body = opening.body if opening else ""
    channel = conversation.channel if conversation.channel in TicketChannel.__members__.values() else "api"
    data = TicketCreate(
        subject=(subject or conversation.subject or body.strip().split("\n")[0] or "Message")[:300],
        description=body[:20_000],
        priority=priority,
        business_area=business_area,
        channel=TicketChannel(channel),
        customer_id=conversation.customer_id,
        conversation_id=conversation.id,
        group_id=group_id,
        tags=list(tags),
    )
    return create_ticket(session, runtime, data, actor, source=TicketSource.MESSAGE)
