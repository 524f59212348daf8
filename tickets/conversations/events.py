"""Live events of conversations, routed to channel ``voxdesk:conversation:<id>``."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from config.events import Event, register_event


@register_event
class MessageAdded(Event):
    """A message (or transcript segment) was stored."""

    event_type: ClassVar[str] = "conversation.message"
    routing_fields: ClassVar[tuple[str, ...]] = ("conversation_id", "customer_id")

    conversation_id: int
    customer_id: int
    message_id: int
    channel: str
    direction: str
    author_kind: str
    author_name: str
    body: str
    sent_at: datetime


@register_event
class TypingChanged(Event):
    """Someone started or stopped typing in a chat."""

    event_type: ClassVar[str] = "conversation.typing"
    routing_fields: ClassVar[tuple[str, ...]] = ("conversation_id",)

    conversation_id: int
    author_kind: str
    typing: bool


@register_event
class MessagesRead(Event):
    """One side read the other side's messages up to ``up_to_message_id``."""

    event_type: ClassVar[str] = "conversation.read"
    routing_fields: ClassVar[tuple[str, ...]] = ("conversation_id",)

    conversation_id: int
    reader_kind: str
    up_to_message_id: int
