"""Scoring a stored call on a real database (SQLite and PostgreSQL): one scorecard per call,
recomputed while segments arrive, frozen once reviewed, the compliance engine's findings in it."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from scorecard_helpers import make_user, store_segment, stored_call
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from config.models import Role
from qa.scorecards.access import Viewer
from qa.scorecards.models import Scorecard
from qa.scorecards.replay import ComplianceCheck
from qa.scorecards.reviews import review_scorecard
from qa.scorecards.schemas import ItemOverride, ItemStatus, ReviewUpdate
from qa.scorecards.services import scorecard_for_call, stored_facts
from qa.scorecards.tasks import rescore_late, score, still_settling

pytestmark = pytest.mark.integration
QA = Viewer(1, Role.QA_MANAGER)


@dataclass(frozen=True)
class Heard:
    speaker: str
    text: str
    start: float
    end: float
    segment_id: str | None = None


@dataclass(frozen=True)
class Found:
    rule_id: str
    kind: str
    severity: str
    speaker: str
    text: str
    start: float
    end: float


class PromiseWatch:
    """A stand-in compliance monitor: flags "guarantee" from the agent, requires "recorded"."""

    def __init__(self) -> None:
        self.met = False

    def hear(self, u: Heard) -> list[Found]:
        found = []
        if u.speaker == "agent" and "guarantee" in u.text:
            found.append(Found("no-guarantee", "forbidden", "high", "agent", u.text, u.start, u.end))
        if u.speaker == "agent" and "recorded" in u.text and not self.met:
            self.met = True
            found.append(
                Found("recording-notice", "requirement_met", "medium", "agent", u.text, u.start, u.end)
            )
        return found

    def due(self, now: float) -> list[Found]:
        return []

    def finish(self, end: float) -> list[Found]:
        return (
            []
            if self.met
            else [Found("recording-notice", "missing_disclosure", "medium", "agent", "", end, end)]
        )


class Engine:
    def monitor(self, *, channel: str = "voice", queue: str | None = None) -> PromiseWatch:
        return PromiseWatch()


def count(factory: sessionmaker[Session], call_id: str) -> int:
    with factory() as session:
        return (
            session.scalar(select(func.count()).select_from(Scorecard).where(Scorecard.call_id == call_id))
            or 0
        )


def test_a_stored_call_is_scored_from_its_transcript_on_one_clock(factory: sessionmaker[Session]) -> None:
    facts = stored_call(factory, "agent7")
    outcome = score(factory, facts, None)
    assert outcome.scored and outcome.segments == 6
    with factory() as session:
        card = scorecard_for_call(session, QA, facts.call_id)
    items = {i.key: i for i in card.items}
    assert items["greeting"].status is ItemStatus.PASSED and items["greeting"].value == 1.0
    assert items["resolution"].status is ItemStatus.PASSED
    assert items["resolution"].evidence[0].text == "yes it works now, that solves my problem"
    assert items["hold"].value == 8.0
    assert items["disclosure"].status is ItemStatus.NOT_APPLICABLE  # no compliance engine given
    # The agent's leg starts 20 s into the call: "let me restart" (agent 10-14) is call time 30-34.
    assert items["talk_over"].value == 0.0
    assert card.total == card.auto_total and 0 < card.total <= 100
    assert still_settling(outcome, facts, time.time())  # its segments were stored a moment ago
    assert not still_settling(outcome, facts, time.time() + 60)


def test_scoring_again_keeps_one_scorecard_and_takes_in_late_segments(factory: sessionmaker[Session]) -> None:
    facts = stored_call(factory, "agent7")
    score(factory, facts, None)
    store_segment(factory, facts.call_id, "caller", 50.0, 52.0, "one more thing, goodbye")
    again = score(factory, facts, None)
    assert again.segments == 7 and count(factory, facts.call_id) == 1
    assert still_settling(again, facts, time.time())  # a segment was stored just now
    with factory() as session:
        assert stored_facts(session, facts.call_id) == facts


def test_a_reviewed_scorecard_is_not_recomputed(factory: sessionmaker[Session]) -> None:
    facts = stored_call(factory, "agent7")
    first = score(factory, facts, None)
    reviewer = Viewer(make_user(factory, Role.QA_MANAGER), Role.QA_MANAGER)
    with factory() as session:
        update = ReviewUpdate(
            items={"greeting": ItemOverride(status=ItemStatus.FAILED, reason="no name given")}
        )
        reviewed = review_scorecard(session, reviewer, first.scorecard_id, update)
    assert reviewed.reviewed and reviewed.total < reviewed.auto_total
    store_segment(factory, facts.call_id, "agent", 40.0, 41.0, "late words")
    later = score(factory, facts, None)
    assert not later.scored and later.segments == 6


def test_the_compliance_engine_is_replayed_over_the_stored_transcript(factory: sessionmaker[Session]) -> None:
    facts = stored_call(factory, "agent7")
    store_segment(factory, facts.call_id, "agent", 16.0, 18.0, "I guarantee this never happens again")
    score(factory, facts, ComplianceCheck(Engine(), Heard))
    with factory() as session:
        items = {i.key: i for i in scorecard_for_call(session, QA, facts.call_id).items}
    assert items["compliance"].status is ItemStatus.FAILED and items["compliance"].value == 1
    hit = items["compliance"].evidence[0]
    assert (hit.rule_id, hit.leg, hit.start) == ("no-guarantee", "agent", 36.0)  # on the call clock
    assert items["disclosure"].status is ItemStatus.FAILED
    assert items["disclosure"].evidence[0].rule_id == "recording-notice"


def test_a_late_segment_rescores_only_a_call_that_was_scored(factory: sessionmaker[Session]) -> None:
    facts = stored_call(factory, "agent7")
    assert rescore_late(factory, facts.call_id, None) is None  # still going: nothing to score again
    assert count(factory, facts.call_id) == 0
    first = score(factory, facts, None)
    store_segment(factory, facts.call_id, "agent", 40.0, 41.0, "anything else?")
    assert rescore_late(factory, facts.call_id, None) == first.scorecard_id
    with factory() as session:
        assert (
            session.scalars(select(Scorecard.segments_scored).where(Scorecard.id == first.scorecard_id)).one()
            == 7
        )
