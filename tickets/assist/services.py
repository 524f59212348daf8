"""Agent assist on a text conversation: suggestions from the customer's latest messages.

The query is the customer's last few messages close together in time (a chat question often comes
in two or three lines), the same rule a call uses for the caller's latest utterances.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from qa.assist.events import QaChatSuggestion
from qa.assist.ranker import KbRanker
from qa.assist.session import AssistUpdate, assist
from tickets.assist.schemas import ActionPublic, ConversationAssistPublic, SuggestionPublic
from tickets.conversations.models import AuthorKind, Direction, Message

CUSTOMER_TURNS = 3
TURN_WINDOW = timedelta(minutes=5)


def latest_customer_turns(session: Session, conversation_id: int) -> tuple[int | None, list[str]]:
    """The newest customer message's id and the customer's latest messages (oldest first)."""
    rows = session.scalars(
        select(Message)
        .where(
            Message.conversation_id == conversation_id,
            Message.direction == Direction.INBOUND.value,
            Message.author_kind == AuthorKind.CUSTOMER.value,
        )
        .order_by(Message.id.desc())
        .limit(CUSTOMER_TURNS)
    ).all()
    if not rows:
        return None, []
    newest = rows[0].sent_at
    recent = [m for m in rows if newest - m.sent_at <= TURN_WINDOW]
    return rows[0].id, [m.body for m in reversed(recent)]


def chat_assist(
    session: Session, conversation_id: int, ranker: KbRanker
) -> tuple[int | None, AssistUpdate | None]:
    """The latest customer message's id and the suggestions for the customer's latest messages."""
    message_id, turns = latest_customer_turns(session, conversation_id)
    return message_id, assist(ranker, turns)


def assist_public(
    conversation_id: int, message_id: int | None, update: AssistUpdate | None, ranker: KbRanker
) -> ConversationAssistPublic:
    ids = {entry.key: entry.article_id for entry in ranker.entries}
    return ConversationAssistPublic(
        conversation_id=conversation_id,
        message_id=message_id,
        language=update.language if update else None,
        suggestions=[
            SuggestionPublic(**asdict(s), article_id=ids.get(s.article_key))
            for s in (update.suggestions if update else ())
        ],
        actions=[ActionPublic(**asdict(a)) for a in (update.actions if update else ())],
    )


def suggestion_event(view: ConversationAssistPublic) -> QaChatSuggestion:
    return QaChatSuggestion(
        chat_assist_id=view.conversation_id,
        conversation_id=view.conversation_id,
        message_id=view.message_id,
        language=view.language or "en",
        suggestions=[s.model_dump() for s in view.suggestions],
        actions=[a.model_dump() for a in view.actions],
    )
