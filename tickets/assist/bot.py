"""The FAQ bot on a text conversation: read its history, let qa.faqbot decide, send and record.

The bot's state is the conversation itself: its own messages (author ``bot``, with what they were
in ``meta["faq_bot"]``), the agents' messages and whether an agent took the conversation. So a
retried webhook, a second worker or a restart cannot make it answer twice or start over. A
handover leaves the agent a note (on the conversation and on its open tickets) with the question
and the candidate articles.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.errors import VoxdeskError
from qa.assist.ranker import Suggestion
from qa.faqbot import BotReply, BotTurn, FaqBot
from tickets.channels.base import OutboundMessage
from tickets.conversations.models import AuthorKind, Conversation, Direction, Message
from tickets.conversations.services import add_message
from tickets.desk.inbound import live_ticket_ids
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import NoteCreate
from tickets.desk.services import Actor, add_note

log = logging.getLogger(__name__)
BOT_NAME = "Voxdesk assistant"
BOT_ACTOR = Actor("faq-bot")
HISTORY_LIMIT = 200

SendReply = Callable[[Session, Conversation, OutboundMessage], Message]


def bot_meta(message: Message) -> dict[str, Any]:
    value = (message.meta or {}).get("faq_bot")
    return dict(value) if isinstance(value, dict) else {}


def history_before(session: Session, conversation: Conversation, message_id: int) -> list[BotTurn]:
    """The turns before ``message_id`` as the bot sees them (internal lines left out)."""
    rows = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.id < message_id)
        .order_by(Message.id.desc())
        .limit(HISTORY_LIMIT)
    ).all()
    turns: list[BotTurn] = []
    for row in reversed(rows):
        if row.author_kind == AuthorKind.CUSTOMER.value and row.direction == Direction.INBOUND.value:
            turns.append(BotTurn("customer", row.body))
        elif row.author_kind == AuthorKind.BOT.value:
            meta = bot_meta(row)
            turns.append(BotTurn("bot", row.body, meta.get("kind"), meta.get("article_key")))
        elif row.author_kind == AuthorKind.AGENT.value and row.direction == Direction.OUTBOUND.value:
            turns.append(BotTurn("agent", row.body))
    if conversation.assigned_agent_id is not None:
        turns.append(BotTurn("agent", ""))  # an agent took the chat: the bot keeps out
    return turns


def _answered_already(session: Session, conversation_id: int, message_id: int) -> bool:
    rows = session.scalars(
        select(Message).where(
            Message.conversation_id == conversation_id,
            Message.author_kind == AuthorKind.BOT.value,
            Message.id > message_id,
        )
    ).all()
    return any(bot_meta(row).get("reply_to") == message_id for row in rows)


def _candidates_line(candidates: Sequence[Suggestion]) -> str:
    return ", ".join(f"{s.source} “{s.title}” ({s.score:.2f})" for s in candidates) or "none"


def hand_over(
    session: Session,
    runtime: DeskRuntime,
    conversation: Conversation,
    reply: BotReply,
    candidates: Sequence[Suggestion],
) -> None:
    """Leave the agents the question and the candidates: a line in the conversation (never sent to
    the customer) and an internal note on each of its open tickets."""
    body = (
        f"FAQ bot handed this conversation over: {reply.reason}. "
        f"Customer's question: “{reply.question[:500]}”. Candidate articles: {_candidates_line(candidates)}."
    )
    meta = {
        "faq_bot": {
            "kind": "handover_note",
            "reason": reply.reason,
            "question": reply.question[:500],
            "candidates": [{"key": s.article_key, "title": s.title, "score": s.score} for s in candidates],
        }
    }
    add_message(session, conversation, Direction.INTERNAL, AuthorKind.SYSTEM, body, meta=meta)
    for ticket_id in live_ticket_ids(session, conversation.id):
        try:
            add_note(session, runtime, ticket_id, NoteCreate(body=body, internal=True), BOT_ACTOR)
        except VoxdeskError as exc:
            session.rollback()
            log.warning("ticket %s: handover note not added: %s", ticket_id, exc)


def run_faq_bot(
    session: Session,
    runtime: DeskRuntime,
    message: Message,
    bot: FaqBot,
    send: SendReply,
    fallback_candidates: Sequence[Suggestion] = (),
) -> BotReply | None:
    """Answer (or hand over) the customer's stored ``message``; None when the bot stays silent."""
    conversation = session.scalar(
        select(Conversation).where(Conversation.id == message.conversation_id).with_for_update()
    )
    if conversation is None or _answered_already(session, conversation.id, message.id):
        session.rollback()
        return None
    reply = bot.answer(message.body, history_before(session, conversation, message.id))
    if reply is None:
        session.commit()  # releases the row lock
        return None
    outbound = OutboundMessage(conversation.id, reply.text, agent_name=BOT_NAME, author_kind=AuthorKind.BOT)
    try:
        sent = send(session, conversation, outbound)
    except VoxdeskError as exc:  # a failed SMS or a missing provider: agents take it from here
        log.warning("conversation %s: FAQ bot reply not sent: %s", conversation.id, exc)
        sent = None
    if sent is not None:
        sent.meta = {
            **(sent.meta or {}),
            "faq_bot": {
                "kind": reply.kind,
                "article_key": reply.article_key,
                "reply_to": message.id,
                "reason": reply.reason,
                "score": reply.score,
            },
        }
        session.commit()
    if reply.kind == "handover" or sent is None:
        hand_over(session, runtime, conversation, reply, reply.candidates or tuple(fallback_candidates))
    return reply
