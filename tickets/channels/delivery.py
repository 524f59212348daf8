"""Store an agent's reply before delivering it, so a relay or provider outage loses nothing.

The reply is written as ``delivery: pending``, then handed to the channel; the outcome is recorded
as ``sent`` or ``failed`` (with the reason). A failed reply stays in the conversation, visible as
not sent, and the caller still gets a :class:`DeliveryError` to show the agent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from config.events import Notifier
from tickets.channels.base import OutboundMessage
from tickets.channels.exceptions import DeliveryError
from tickets.conversations.models import Conversation, Direction, Message
from tickets.conversations.services import add_message, announce_message


def store_then_deliver(
    session: Session,
    conversation: Conversation,
    outbound: OutboundMessage,
    deliver: Callable[[], str | None],
    notifier: Notifier | None,
    *,
    external_id: str | None = None,
    in_reply_to: str | None = None,
    meta: dict[str, Any] | None = None,
) -> Message:
    """Keep the reply, run ``deliver`` (which returns the channel's id, if any), record the outcome."""
    message = add_message(
        session,
        conversation,
        Direction.OUTBOUND,
        outbound.author_kind,
        outbound.body if outbound.record_body is None else outbound.record_body,
        author_id=outbound.agent_id,
        author_name=outbound.agent_name,
        external_id=external_id,
        in_reply_to=in_reply_to,
        meta={**(meta or {}), "delivery": "pending"},
    )
    try:
        channel_id = deliver()
    except DeliveryError as exc:
        message.meta = {**message.meta, "delivery": "failed", "delivery_error": str(exc)[:500]}
        session.commit()
        raise DeliveryError(f"{exc} (the reply is kept as not sent: message {message.id})") from exc
    message.meta = {**message.meta, "delivery": "sent"}
    if channel_id and message.external_id is None:
        message.external_id = channel_id[:255]
    session.commit()
    if notifier is not None:
        announce_message(notifier, conversation, message)
    return message
