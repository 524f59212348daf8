"""What an agent is shown for a text conversation: top articles and suggested actions."""

from __future__ import annotations

from pydantic import BaseModel


class SuggestionPublic(BaseModel):
    article_key: str
    article_id: int | None
    title: str
    snippet: str
    source: str
    rank: int
    score: float


class ActionPublic(BaseModel):
    intent: str
    label: str
    action: str


class ConversationAssistPublic(BaseModel):
    conversation_id: int
    message_id: int | None  # the latest customer message the suggestions answer
    language: str | None
    suggestions: list[SuggestionPublic]
    actions: list[ActionPublic]
