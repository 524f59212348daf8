"""Conversation services used by every channel adapter, the console and telephony."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.events import Notifier
from qa.pci import redact_text
from tickets import textsearch
from tickets.conversations.events import MessageAdded, MessagesRead
from tickets.conversations.exceptions import ConversationNotFoundError, InvalidMessageError
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message

MAX_BODY_CHARS = 100_000


def get_conversation(session: Session, conversation_id: int) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None:
        raise ConversationNotFoundError(f"conversation {conversation_id} does not exist")
    return conversation


def find_by_external_ref(session: Session, channel: Channel, external_ref: str) -> Conversation | None:
    return session.scalar(
        select(Conversation).where(
            Conversation.channel == channel.value, Conversation.external_ref == external_ref
        )
    )


def open_conversation(
    session: Session,
    customer_id: int,
    channel: Channel,
    external_ref: str | None = None,
    subject: str = "",
    flags: dict[str, str] | None = None,
) -> Conversation:
    """The conversation with this channel key, or a new one (idempotent for retried webhooks/calls).

    ``flags`` are security markers for agents (see :attr:`Conversation.flags`)."""
    if external_ref is not None:
        existing = find_by_external_ref(session, channel, external_ref)
        if existing is not None:
            return existing
    conversation = Conversation(
        customer_id=customer_id,
        channel=channel.value,
        external_ref=external_ref,
        subject=redact_text(subject)[:300],
        flags=dict(flags or {}),
    )
    try:
        with session.begin_nested():
            session.add(conversation)
    except IntegrityError:
        if external_ref is None:
            raise
        # Another worker opened it a moment ago.
        found = find_by_external_ref(session, channel, external_ref)
        assert found is not None
        return found
    session.commit()
    return conversation


def find_thread(session: Session, channel: Channel, message_ids: Iterable[str]) -> Conversation | None:
    """The conversation holding any of ``message_ids`` (e-mail threading by In-Reply-To/References)."""
    ids = [m for m in message_ids if m][:50]
    if not ids:
        return None
    return session.scalar(
        select(Conversation)
        .join(Message, Message.conversation_id == Conversation.id)
        .where(Conversation.channel == channel.value, Message.external_id.in_(ids))
        .order_by(Message.id.desc())
        .limit(1)
    )


def add_message(
    session: Session,
    conversation: Conversation,
    direction: Direction,
    author_kind: AuthorKind,
    body: str,
    *,
    author_name: str = "",
    author_id: int | None = None,
    external_id: str | None = None,
    in_reply_to: str | None = None,
    meta: dict[str, Any] | None = None,
    speaker: str | None = None,
    offset_ms: int | None = None,
    duration_ms: int | None = None,
    notifier: Notifier | None = None,
) -> Message:
    """Store a message, bump the conversation and tell live consoles.

    Every message of every channel, both ways, is stored here, so card data is masked here (PCI):
    what is kept, announced and handed on (tickets, rules) never holds a card number.
    Tickets are the desk's business: channel adapters hand a customer's stored message to
    ``tickets.desk.inbound.customer_wrote`` (new contact opens a ticket, a reply updates it).
    """
    if len(body) > MAX_BODY_CHARS:
        raise InvalidMessageError(f"message body is longer than {MAX_BODY_CHARS} characters")
    if not body.strip() and not meta:
        raise InvalidMessageError("message body is empty")
    body = redact_text(body)
    if meta and isinstance(meta.get("subject"), str):  # an e-mail's subject is the customer's text too
        meta = {**meta, "subject": redact_text(meta["subject"])}
    now = datetime.now(UTC)
    message = Message(
        conversation_id=conversation.id,
        direction=direction.value,
        author_kind=author_kind.value,
        author_id=author_id,
        author_name=author_name[:200],
        body=body,
        sent_at=now,
        external_id=external_id,
        in_reply_to=in_reply_to,
        meta=meta or {},
        speaker=speaker,
        offset_ms=offset_ms,
        duration_ms=duration_ms,
        search_text=textsearch.search_document(body),
    )
    session.add(message)
    conversation.last_message_at = now
    if conversation.status == "closed" and direction is Direction.INBOUND:
        conversation.status, conversation.closed_at = "open", None
    session.commit()
    if notifier is not None:
        announce_message(notifier, conversation, message)
    return message


def announce_message(notifier: Notifier, conversation: Conversation, message: Message) -> None:
    """Tell live consoles (and the chat widget) about a stored message."""
    notifier.publish(
        MessageAdded(
            conversation_id=conversation.id,
            customer_id=conversation.customer_id,
            message_id=message.id,
            channel=conversation.channel,
            direction=message.direction,
            author_kind=message.author_kind,
            author_name=message.author_name,
            body=message.body,
            sent_at=message.sent_at,
        )
    )


def mark_read(
    session: Session,
    conversation_id: int,
    reader: AuthorKind,
    up_to_message_id: int,
    notifier: Notifier | None = None,
) -> int:
    """Mark the other side's messages up to ``up_to_message_id`` as read; returns how many changed."""
    others = (
        [AuthorKind.CUSTOMER.value]
        if reader is not AuthorKind.CUSTOMER
        else [AuthorKind.AGENT.value, AuthorKind.SYSTEM.value, AuthorKind.BOT.value]
    )
    result = session.execute(
        update(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.id <= up_to_message_id,
            Message.author_kind.in_(others),
            Message.read_at.is_(None),
        )
        .values(read_at=datetime.now(UTC))
    )
    session.commit()
    if notifier is not None:
        notifier.publish(
            MessagesRead(
                conversation_id=conversation_id, reader_kind=reader.value, up_to_message_id=up_to_message_id
            )
        )
    return int(getattr(result, "rowcount", 0) or 0)


def close_conversation(session: Session, conversation: Conversation) -> Conversation:
    conversation.status, conversation.closed_at = "closed", datetime.now(UTC)
    session.commit()
    return conversation


def list_conversations(session: Session, customer_id: int, limit: int = 200) -> list[Conversation]:
    return list(
        session.scalars(
            select(Conversation)
            .where(Conversation.customer_id == customer_id)
            .order_by(Conversation.last_message_at.desc())
            .limit(limit)
        )
    )


def list_messages(
    session: Session, conversation_id: int, after_id: int = 0, limit: int = 500
) -> list[Message]:
    return list(
        session.scalars(
            select(Message)
            .where(Message.conversation_id == conversation_id, Message.id > after_id)
            .order_by(Message.id)
            .limit(limit)
        )
    )
