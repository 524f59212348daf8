"""Live agent-assist events for text conversations.

They go to ``voxdesk:chat_assist:<conversation id>``, a channel only the agent side of a chat
subscribes to: the customer's widget listens on the conversation's own channel and must never see
what is suggested to the agent.
"""

from __future__ import annotations

from typing import Any, ClassVar

from config.events import Event, register_event


@register_event
class QaChatSuggestion(Event):
    """New top articles (and suggested actions) after a customer's message."""

    event_type: ClassVar[str] = "qa.chat_suggestion"
    routing_fields: ClassVar[tuple[str, ...]] = ("chat_assist_id",)

    chat_assist_id: int  # the conversation id (the routing key names the agent-only channel)
    conversation_id: int
    message_id: int | None
    language: str
    suggestions: list[dict[str, Any]]
    actions: list[dict[str, str]]
