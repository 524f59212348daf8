"""The small interface every channel adapter implements, and what flows through it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from sqlalchemy.orm import Session

from tickets.conversations.models import Channel, Conversation, Message


@dataclass(frozen=True)
class InboundMessage:
    """A customer's message as the channel delivered it, before we store it."""

    sender: str  # phone number, address, openid or visitor id, in the channel's own form
    body: str
    external_id: str | None = None
    subject: str = ""
    sender_name: str = ""
    thread_ids: tuple[str, ...] = ()  # ids this message replies to (e-mail In-Reply-To/References)
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundMessage:
    """An agent's reply to send on the conversation's channel."""

    conversation_id: int
    body: str
    agent_id: int | None = None
    agent_name: str = ""


class ChannelAdapter(Protocol):
    """Receives a customer's message into a conversation and sends an agent's reply back."""

    channel: Channel

    def receive(self, session: Session, inbound: InboundMessage) -> Message:
        """Recognise the customer, thread the message and store it."""
        ...

    def send(self, session: Session, conversation: Conversation, outbound: OutboundMessage) -> Message:
        """Deliver the reply on the channel, then store it."""
        ...
