"""Scorecards in the database: compute and store one per call, read them under the access rule.

Scoring is idempotent per call (one row, keyed by the call id) and stops once a QA manager marked
the scorecard reviewed: from then on the reviewed values are the record.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from asr.transcripts.models import TranscriptSegment
from asr.transcripts.repository import TranscriptRepository
from config.models import utcnow
from qa.scorecards.access import Viewer, readable
from qa.scorecards.exceptions import ScorecardNotFoundError
from qa.scorecards.models import CoachingNote, Scorecard
from qa.scorecards.phrases import PhraseBook
from qa.scorecards.replay import ComplianceCheck, replay
from qa.scorecards.schemas import (
    AgentScores,
    CallFacts,
    ItemRate,
    ItemStatus,
    NotePublic,
    ScorecardItemPublic,
    ScorecardPublic,
    ScoreItem,
)
from qa.scorecards.scoring import score_call, weighted_total
from qa.scorecards.timeline import on_call_clock

MAX_LIST = 500


@dataclass(frozen=True)
class ScoreOutcome:
    scorecard_id: int
    scored: bool  # False: reviewed already, left as it is
    segments: int
    newest_segment_at: datetime | None


def _at(stamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(stamp, UTC) if stamp is not None else None


def _aware(value: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes for timezone-aware columns; they were stored in UTC.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def score_and_store(
    session: Session,
    facts: CallFacts,
    compliance: ComplianceCheck | None,
    phrases: PhraseBook,
    redact: Callable[[str], str] = str,
) -> ScoreOutcome:
    """Score the call from its stored transcript and save it (insert or recompute); commits."""
    card = session.scalars(select(Scorecard).where(Scorecard.call_id == facts.call_id)).first()
    newest = _aware(
        session.scalar(
            select(func.max(TranscriptSegment.created_at)).where(TranscriptSegment.call_id == facts.call_id)
        )
    )
    if card is not None and card.reviewed:
        return ScoreOutcome(card.id, False, card.segments_scored, newest)
    segments = TranscriptRepository(session).for_call(facts.call_id)
    if card is not None and card.segments_scored > len(segments):
        # Segments are never deleted: this read is older than the last score (two jobs raced).
        return ScoreOutcome(card.id, False, card.segments_scored, newest)
    spoken = on_call_clock(segments, facts.offsets({s.leg for s in segments}))
    findings = None
    if compliance is not None:
        end = (facts.ended_at - facts.offered_at) if facts.ended_at and facts.offered_at else 0.0
        findings = replay(compliance, spoken, channel=facts.channel, queue=facts.queue_id, end=end)
    sheet = score_call(spoken, facts, findings, phrases, redact)
    values = {
        "agent_id": facts.agent_id,
        "queue_id": facts.queue_id,
        "channel": facts.channel,
        "call_at": _at(facts.answered_at or facts.offered_at or facts.ended_at) or utcnow(),
        "facts": facts.model_dump(mode="json"),
        "auto_items": [item.model_dump(mode="json") for item in sheet.items],
        "auto_total": sheet.total,
        "segments_scored": len(segments),
        "scored_at": utcnow(),
    }
    if card is None:
        card = Scorecard(call_id=facts.call_id, **values)
        try:
            with session.begin_nested():
                session.add(card)
        except IntegrityError:  # another worker scored the same call a moment ago: update theirs
            card = session.scalars(select(Scorecard).where(Scorecard.call_id == facts.call_id)).one()
    if not card.reviewed:
        for key, value in values.items():
            setattr(card, key, value)
        card.effective_total = effective_total(card)
    session.commit()
    return ScoreOutcome(card.id, True, len(segments), newest)


def stored_facts(session: Session, call_id: str) -> CallFacts | None:
    """The facts a call was last scored from (to score it again by its id alone)."""
    card = session.scalars(select(Scorecard).where(Scorecard.call_id == call_id)).first()
    return CallFacts.model_validate(card.facts) if card is not None else None


# ---- reading -------------------------------------------------------------------------------------
def effective_status(card: Scorecard, item: ScoreItem) -> ItemStatus:
    override = card.overrides.get(item.key)
    return ItemStatus(override["status"]) if override else item.status


def effective_total(card: Scorecard) -> float:
    """The reviewer's total, else the automatic weights over the reviewed item results."""
    if card.override_total is not None:
        return card.override_total
    if not card.overrides:
        return card.auto_total
    return weighted_total(auto_items(card), lambda i: effective_status(card, i))


def auto_items(card: Scorecard) -> list[ScoreItem]:
    return [ScoreItem.model_validate(raw) for raw in card.auto_items]


def note_public(note: CoachingNote) -> NotePublic:
    return NotePublic(
        id=note.id,
        scorecard_id=note.scorecard_id,
        author_id=note.author_id,
        author_name=note.author_name,
        text=note.text,
        created_at=_aware(note.created_at) or note.created_at,
    )


def to_public(card: Scorecard, notes: list[CoachingNote] | None = None) -> ScorecardPublic:
    items = []
    for item in auto_items(card):
        override = card.overrides.get(item.key) or {}
        data = item.model_dump()
        data.update(
            status=effective_status(card, item),
            auto_status=item.status,
            override_reason=override.get("reason"),
        )
        items.append(ScorecardItemPublic.model_validate(data))
    return ScorecardPublic(
        id=card.id,
        call_id=card.call_id,
        agent_id=card.agent_id,
        queue_id=card.queue_id,
        call_at=_aware(card.call_at),
        scored_at=_aware(card.scored_at) or card.scored_at,
        total=effective_total(card),
        auto_total=card.auto_total,
        override_total=card.override_total,
        override_reason=card.override_reason,
        reviewed=card.reviewed,
        reviewed_by=card.reviewed_by,
        reviewed_at=_aware(card.reviewed_at),
        items=items,
        notes=[note_public(n) for n in notes or []],
    )


def notes_of(session: Session, scorecard_id: int) -> list[CoachingNote]:
    query = select(CoachingNote).where(CoachingNote.scorecard_id == scorecard_id).order_by(CoachingNote.id)
    return list(session.scalars(query))


def get_scorecard(session: Session, viewer: Viewer, scorecard_id: int) -> ScorecardPublic:
    card = readable(viewer, session.get(Scorecard, scorecard_id), str(scorecard_id))
    return to_public(card, notes_of(session, card.id))


def scorecard_for_call(session: Session, viewer: Viewer, call_id: str) -> ScorecardPublic:
    card = session.scalars(select(Scorecard).where(Scorecard.call_id == call_id)).first()
    card = readable(viewer, card, f"for call {call_id}")
    return to_public(card, notes_of(session, card.id))


@dataclass(frozen=True)
class ScorecardFilter:
    agent: str | None = None
    start: datetime | None = None  # call_at >= start
    end: datetime | None = None  # call_at < end
    reviewed: bool | None = None


def _visible(viewer: Viewer, where: ScorecardFilter) -> Select[Any] | None:
    """The rows the viewer may see under the filter (None: certainly none)."""
    query = select(Scorecard)
    if not viewer.reads_all:
        if viewer.agent_id is None or where.agent not in (None, viewer.agent_id):
            return None
        query = query.where(Scorecard.agent_id == viewer.agent_id)
    if where.agent is not None:
        query = query.where(Scorecard.agent_id == where.agent)
    if where.start is not None:
        query = query.where(Scorecard.call_at >= where.start)
    if where.end is not None:
        query = query.where(Scorecard.call_at < where.end)
    if where.reviewed is not None:
        query = query.where(Scorecard.reviewed.is_(where.reviewed))
    return query


def list_scorecards(
    session: Session, viewer: Viewer, where: ScorecardFilter, limit: int = 100, offset: int = 0
) -> list[ScorecardPublic]:
    query = _visible(viewer, where)
    if query is None:
        return []
    query = (
        query.order_by(Scorecard.call_at.desc(), Scorecard.id.desc())
        .limit(min(limit, MAX_LIST))
        .offset(offset)
    )
    return [to_public(card) for card in session.scalars(query)]


def agent_scores(session: Session, viewer: Viewer, agent: str, where: ScorecardFilter) -> AgentScores:
    """Average total and pass rate per item of one agent's scorecards (reviewed values where given).

    An agent asking about anyone else gets the 404 of an agent with no scorecards they may see."""
    if not viewer.may_read(agent):
        raise ScorecardNotFoundError(f"no scorecards of agent {agent}")
    query = _visible(viewer, ScorecardFilter(agent, where.start, where.end, where.reviewed))
    cards = list(session.scalars(query)) if query is not None else []
    rates: dict[str, list[int]] = {}
    for card in cards:
        for item in auto_items(card):
            status = effective_status(card, item)
            passed_applicable = rates.setdefault(item.key, [0, 0])
            if status is not ItemStatus.NOT_APPLICABLE:
                passed_applicable[1] += 1
                passed_applicable[0] += status is ItemStatus.PASSED
    totals = [effective_total(card) for card in cards]
    return AgentScores(
        agent_id=agent,
        count=len(cards),
        average_total=round(sum(totals) / len(totals), 1) if totals else None,
        items={
            key: ItemRate(passed=p, applicable=a, pass_rate=round(p / a, 3) if a else None)
            for key, (p, a) in rates.items()
        },
    )
