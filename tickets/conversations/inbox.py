"""The agent's unified inbox: the text conversations (web chat, e-mail, SMS, messaging) they may see.

One query: each conversation with its customer's name, the latest message (a preview) and how many of
the customer's messages the agents have not read, newest activity first. Calls are not threads to
answer here; they reach the agent through call control.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.customers.models import Customer

TEXT_CHANNELS = (Channel.WEBCHAT, Channel.EMAIL, Channel.SMS, Channel.WECHAT)
PREVIEW_CHARS = 140


@dataclass(frozen=True)
class InboxThread:
    id: int
    channel: str
    subject: str
    status: str
    customer_id: int
    customer_name: str
    assigned_agent_id: int | None
    last_message_at: datetime
    preview: str
    preview_author: str
    unread: int


def list_inbox(
    session: Session,
    visible: ColumnElement[bool] | None,
    *,
    channels: tuple[Channel, ...] = TEXT_CHANNELS,
    status: str | None = "open",
    limit: int = 50,
) -> list[InboxThread]:
    """Text conversations passing ``visible`` (None: all), newest activity first."""
    latest = (
        select(Message.conversation_id, func.max(Message.id).label("message_id"))
        .where(Message.direction != Direction.INTERNAL.value)
        .group_by(Message.conversation_id)
        .subquery()
    )
    unread = (
        select(Message.conversation_id, func.count(Message.id).label("unread"))
        .where(Message.author_kind == AuthorKind.CUSTOMER.value, Message.read_at.is_(None))
        .group_by(Message.conversation_id)
        .subquery()
    )
    query = (
        select(Conversation, Customer.display_name, Message.body, Message.author_kind, unread.c.unread)
        .join(Customer, Customer.id == Conversation.customer_id)
        .outerjoin(latest, latest.c.conversation_id == Conversation.id)
        .outerjoin(Message, Message.id == latest.c.message_id)
        .outerjoin(unread, unread.c.conversation_id == Conversation.id)
        .where(Conversation.channel.in_([c.value for c in channels]))
        .order_by(Conversation.last_message_at.desc(), Conversation.id.desc())
        .limit(limit)
    )
    conditions = [c for c in (visible,) if c is not None]
    if status is not None:
        conditions.append(Conversation.status == status)
    if conditions:
        query = query.where(and_(*conditions))
    return [
        InboxThread(
            id=conversation.id,
            channel=conversation.channel,
            subject=conversation.subject,
            status=conversation.status,
            customer_id=conversation.customer_id,
            customer_name=name or "",
            assigned_agent_id=conversation.assigned_agent_id,
            last_message_at=conversation.last_message_at,
            preview=(body or "")[:PREVIEW_CHARS],
            preview_author=author or "",
            unread=count or 0,
        )
        for conversation, name, body, author, count in session.execute(query)
    ]
