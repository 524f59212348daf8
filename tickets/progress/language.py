"""The language to write to a customer in: the one they chose on the phone, else the one they write."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa.language import detect_language
from tickets.conversations.models import Direction, Message
from tickets.conversations.voice import find_call_link
from tickets.desk.models import Ticket

LANGUAGES = ("en", "zh")
RECENT_MESSAGES = 5


def customer_language(session: Session, ticket: Ticket) -> str:
    """``"zh"`` or ``"en"``: the IVR language of the ticket's call, else that of the customer's latest
    messages on the ticket's conversation, else that of the ticket's own words."""
    if ticket.call_id:
        link = find_call_link(session, ticket.call_id)
        chosen = (link.language or "").lower()[:2] if link is not None else ""
        if chosen in LANGUAGES:
            return chosen
    text = ""
    if ticket.conversation_id is not None:
        bodies = session.scalars(
            select(Message.body)
            .where(
                Message.conversation_id == ticket.conversation_id,
                Message.direction == Direction.INBOUND.value,
            )
            .order_by(Message.id.desc())
            .limit(RECENT_MESSAGES)
        ).all()
        text = " ".join(bodies)
    return detect_language(text or f"{ticket.subject} {ticket.description}")
