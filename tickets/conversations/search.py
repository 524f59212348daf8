"""The QA manager's search: a phrase in call transcripts and text messages, with filters.

A call's transcript segments are messages of the call's conversation, so one query covers both.
The derived ``messages.search_text`` (tickets.textsearch tokens: words, and CJK bigrams) narrows the
rows through an index (GIN over a tsvector on PostgreSQL; a LIKE scan of the tokens on SQLite, as for
tickets), then the phrase itself must appear in the body (case-insensitive ``ILIKE``), so "want a
refund" does not match "a refund I did not want". Rows stored before the column existed have no
tokens and are matched on the body alone (a partial index finds them on PostgreSQL).

Filters: date of the line, agent (SIP user name of a call, or the user a thread is assigned to),
queue, channel, a compliance rule hit on the call or thread, the scorecard total as shown, and the
call's language (the caller's IVR choice; text threads have none). The access rule applies as for
any conversation list (QA managers and admins all; supervisors every call and their team's threads).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from config.models import User
from qa.alerts.models import QaAlert
from qa.scorecards.models import Scorecard
from qa.scorecards.timeline import on_recording_clock
from tickets import textsearch
from tickets.conversations.call_links import CallLink
from tickets.conversations.exceptions import InvalidSearchError
from tickets.conversations.models import AuthorKind, Conversation, Message
from tickets.desk.services import text_condition
from tickets.sla.clock import as_utc

MAX_PAGE = 100
MAX_PHRASE_CHARS = 200
LINE_CHARS = 500  # an e-mail can be long: the hit shows the part around the phrase
RULE_HIT_KINDS = ("forbidden", "missing_disclosure")  # "requirement_met" is a pass, not a hit


@dataclass(frozen=True)
class SearchFilter:
    phrase: str
    since: datetime | None = None
    until: datetime | None = None
    agent: str | None = None
    queue: str | None = None
    channel: str | None = None
    rule: str | None = None
    min_score: float | None = None
    max_score: float | None = None
    language: str | None = None


class SearchHit(BaseModel):
    """One matching line: where it is (call or thread, time in the call) and what the call was."""

    model_config = ConfigDict(frozen=True)

    message_id: int
    conversation_id: int
    call_id: str | None
    channel: str
    speaker: str
    text: str
    sent_at: datetime
    start: float | None  # seconds on the speaker's leg clock (calls)
    recording_at: float | None  # seconds into the call's recording, when the line is in it
    agent: str | None
    queue: str | None
    language: str | None
    score: float | None
    rule_hits: tuple[str, ...]


class SearchPage(BaseModel):
    items: list[SearchHit]
    limit: int
    offset: int
    has_more: bool


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def phrase_of(raw: str) -> str:
    """The phrase as searched: whitespace collapsed; at least one word or CJK character."""
    phrase = " ".join(raw.split())
    if not phrase or len(phrase) > MAX_PHRASE_CHARS or not textsearch.query_tokens(phrase):
        raise InvalidSearchError(
            f"search for a phrase of 1 to {MAX_PHRASE_CHARS} characters with a word in it"
        )
    return phrase


def _text_match(session: Session, phrase: str) -> ColumnElement[bool]:
    dialect = session.get_bind().dialect.name
    tokens = text_condition(Message.search_text, dialect, phrase)
    assert tokens is not None  # phrase_of() made sure there is a token
    in_body = Message.body.ilike(f"%{_escape_like(phrase)}%", escape="\\")
    return and_(or_(tokens, Message.search_text.is_(None)), in_body)


def _rule_hit(rule: str) -> ColumnElement[bool]:
    return exists().where(
        QaAlert.rule_id == rule,
        QaAlert.kind.in_(RULE_HIT_KINDS),
        or_(QaAlert.conversation_id == Conversation.id, and_(QaAlert.call_id.is_not(None),
                                                             QaAlert.call_id == CallLink.call_id)),
    )  # fmt: skip


def _conditions(where: SearchFilter, assignee: Any) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if where.since is not None:
        conditions.append(Message.sent_at >= where.since)
    if where.until is not None:
        conditions.append(Message.sent_at < where.until)
    if where.agent is not None:
        conditions.append(or_(CallLink.agent_id == where.agent, assignee.username == where.agent))
    if where.queue is not None:
        conditions.append(CallLink.queue_id == where.queue)
    if where.channel is not None:
        conditions.append(Conversation.channel == where.channel)
    if where.language is not None:
        conditions.append(CallLink.language == where.language)
    if where.rule is not None:
        conditions.append(_rule_hit(where.rule))
    if where.min_score is not None:
        conditions.append(Scorecard.effective_total >= where.min_score)
    if where.max_score is not None:
        conditions.append(Scorecard.effective_total <= where.max_score)
    return conditions


def _excerpt(body: str, phrase: str) -> str:
    """The line itself, or for a long message the part around the phrase."""
    flat = " ".join(body.split())
    if len(flat) <= LINE_CHARS:
        return flat
    at = max(flat.lower().find(phrase.lower()) - LINE_CHARS // 4, 0)
    return ("…" if at else "") + flat[at : at + LINE_CHARS] + "…"


def search_lines(
    session: Session,
    where: SearchFilter,
    visible: ColumnElement[bool] | None,
    *,
    limit: int = 25,
    offset: int = 0,
) -> tuple[list[SearchHit], bool]:
    """A page of matching lines, newest first, and whether more follow (``visible``: the access rule)."""
    phrase = phrase_of(where.phrase)
    assignee = aliased(User)
    query = (
        select(Message, Conversation.channel, CallLink, Scorecard.effective_total, assignee.username)
        .join(Conversation, Conversation.id == Message.conversation_id)
        .outerjoin(CallLink, CallLink.conversation_id == Conversation.id)
        .outerjoin(Scorecard, Scorecard.call_id == CallLink.call_id)
        .outerjoin(assignee, assignee.id == Conversation.assigned_agent_id)
        .where(Message.author_kind != AuthorKind.SYSTEM.value, _text_match(session, phrase))
        .where(*_conditions(where, assignee))
    )
    if visible is not None:
        query = query.where(visible)
    query = query.order_by(Message.sent_at.desc(), Message.id.desc()).offset(offset).limit(limit + 1)
    rows = session.execute(query).all()
    more = len(rows) > limit
    rows = rows[:limit]
    places = [(row[0].conversation_id, row[2].call_id if row[2] else None) for row in rows]
    hits = _rule_hits(session, places)
    return [_hit(row, phrase, hits) for row in rows], more


def _hit(row: Any, phrase: str, rule_hits: dict[int, set[str]]) -> SearchHit:
    message, channel, link, score, assignee_name = row
    start = message.offset_ms / 1000 if message.offset_ms is not None else None
    recording_at = None
    if link is not None and start is not None and link.answered_at is not None:
        leg = "caller" if message.speaker == "caller" else "agent"
        delay = max((as_utc(link.answered_at) - as_utc(link.started_at)).total_seconds(), 0.0)
        recording_at = on_recording_clock(leg, start, delay)
    return SearchHit(
        message_id=message.id,
        conversation_id=message.conversation_id,
        call_id=link.call_id if link else None,
        channel=channel,
        speaker=message.speaker or message.author_name or message.author_kind,
        text=_excerpt(message.body, phrase),
        sent_at=as_utc(message.sent_at),
        start=start,
        recording_at=recording_at,
        agent=(link.agent_id if link else None) or assignee_name,
        queue=link.queue_id if link else None,
        language=link.language if link else None,
        score=score,
        rule_hits=tuple(sorted(rule_hits.get(message.conversation_id, set()))),
    )


def _rule_hits(session: Session, places: list[tuple[int, str | None]]) -> dict[int, set[str]]:
    """Rule ids hit on each conversation (and its call) of a page of results."""
    if not places:
        return {}
    of_call = {call: conv for conv, call in places if call}
    conversations = sorted({conv for conv, _ in places})
    rows = session.execute(
        select(QaAlert.conversation_id, QaAlert.call_id, QaAlert.rule_id).where(
            QaAlert.kind.in_(RULE_HIT_KINDS),
            or_(QaAlert.conversation_id.in_(conversations), QaAlert.call_id.in_(sorted(of_call))),
        )
    ).all()
    found: dict[int, set[str]] = {}
    for conversation_id, call_id, rule_id in rows:
        conv = conversation_id if conversation_id in conversations else of_call.get(call_id or "")
        if conv is not None:
            found.setdefault(conv, set()).add(rule_id)
    return found
