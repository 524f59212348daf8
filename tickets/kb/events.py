"""Live knowledge-base events, all on channel ``voxdesk:kb:all`` that every console subscribes to."""

from __future__ import annotations

from typing import ClassVar

from config.events import Event, register_event

KB_CHANNEL_KEY = "all"


@register_event
class ArticlePublished(Event):
    """A published article changed (new, edited, or taken down): consoles refresh it."""

    event_type: ClassVar[str] = "kb.article_published"
    routing_fields: ClassVar[tuple[str, ...]] = ("kb_id",)

    kb_id: str = KB_CHANNEL_KEY
    article_id: int
    version: int
    title: str
    status: str
    editor: str
