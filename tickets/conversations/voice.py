"""Calls as conversations: telephony opens one per call, asr appends transcript segments.

Entry points for other packages (they pass a session; no import of web/ or ARI here).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from config.events import Notifier
from tickets.conversations.exceptions import ConversationNotFoundError
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.conversations.services import add_message, find_by_external_ref, open_conversation
from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.models import Customer, IdentityKind
from tickets.customers.services import find_or_create_customer

CUSTOMER_SPEAKERS = {"caller", "customer"}


def record_call_conversation(
    session: Session, call_id: str, caller_number: str, default_region: str, subject: str = ""
) -> Conversation:
    """The conversation for ``call_id``, recognising the caller by their number (idempotent).

    Withheld or internal numbers ("anonymous", "1001") cannot identify anyone, so such a call gets
    a customer of its own that an agent can merge later.
    """
    existing = find_by_external_ref(session, Channel.VOICE, call_id)
    if existing is not None:
        return existing
    try:
        customer = find_or_create_customer(session, IdentityKind.PHONE, caller_number, default_region)
    except InvalidIdentityError:
        customer = Customer(display_name=f"Caller {caller_number[:40] or 'unknown'}")
        session.add(customer)
        session.commit()
    return open_conversation(
        session, customer.id, Channel.VOICE, external_ref=call_id, subject=subject or "Call"
    )


def add_transcript_message(
    session: Session,
    call_id: str,
    speaker: str,
    text: str,
    *,
    offset_ms: int | None = None,
    duration_ms: int | None = None,
    agent_id: int | None = None,
    notifier: Notifier | None = None,
) -> Message:
    """Append one final transcript segment of a call; ``speaker`` is "caller" or "agent"."""
    conversation = find_by_external_ref(session, Channel.VOICE, call_id)
    if conversation is None:
        raise ConversationNotFoundError(f"no conversation for call {call_id}; record the call first")
    from_customer = speaker in CUSTOMER_SPEAKERS
    return add_message(
        session,
        conversation,
        Direction.INBOUND if from_customer else Direction.OUTBOUND,
        AuthorKind.CUSTOMER if from_customer else AuthorKind.AGENT,
        text,
        author_id=None if from_customer else agent_id,
        speaker=speaker,
        offset_ms=offset_ms,
        duration_ms=duration_ms,
        notifier=notifier,
    )
