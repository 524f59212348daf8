"""The language to write to a customer in: the one they chose on the phone, else the one they write."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa.language import detect_language
from tickets.conversations.call_links import CallLink
from tickets.conversations.models import Direction, Message

LANGUAGES = ("en", "zh")
RECENT_MESSAGES = 5


def _chosen_on_the_phone(session: Session, conversation_id: int | None, call_id: str | None) -> str | None:
    if call_id is not None:
        link = session.scalar(select(CallLink).where(CallLink.call_id == call_id))
    elif conversation_id is not None:
        link = session.scalar(select(CallLink).where(CallLink.conversation_id == conversation_id))
    else:
        return None
    chosen = (link.language or "").lower()[:2] if link is not None else ""
    return chosen if chosen in LANGUAGES else None


def customer_language(
    session: Session, conversation_id: int | None, *, call_id: str | None = None, fallback_text: str = ""
) -> str:
    """``"zh"`` or ``"en"``: the IVR language of the call (``call_id``, else the conversation's own),
    else that of the customer's latest messages on the conversation, else that of ``fallback_text``."""
    chosen = _chosen_on_the_phone(session, conversation_id, call_id)
    if chosen is not None:
        return chosen
    text = ""
    if conversation_id is not None:
        bodies = session.scalars(
            select(Message.body)
            .where(Message.conversation_id == conversation_id, Message.direction == Direction.INBOUND.value)
            .order_by(Message.id.desc())
            .limit(RECENT_MESSAGES)
        ).all()
        text = " ".join(bodies)
    return detect_language(text or fallback_text)
