"""Replaying a stored transcript through a compliance monitor, as the live call would have."""

from __future__ import annotations

from dataclasses import dataclass

from qa.scorecards.replay import ComplianceCheck, replay
from qa.scorecards.timeline import Spoken


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
    start: float
    severity: str = "medium"
    speaker: str = "agent"
    text: str = ""
    end: float = 0.0


class DeadlineMonitor:
    """Requires "recorded" from the agent within 10 s; records what it was asked, in order."""

    def __init__(self, log: list[str]) -> None:
        self.log, self.met, self.reported = log, False, False

    def hear(self, u: Heard) -> list[Found]:
        self.log.append(f"hear {u.speaker} {u.start:g}")
        if "recorded" in u.text and not self.met:
            self.met = True
            return [Found("notice", "requirement_met", u.start)]
        return []

    def due(self, now: float) -> list[Found]:
        self.log.append(f"due {now:g}")
        if now > 10 and not self.met and not self.reported:
            self.reported = True
            return [Found("notice", "missing_disclosure", now)]
        return []

    def finish(self, end: float) -> list[Found]:
        self.log.append(f"finish {end:g}")
        return []


@dataclass
class Engine:
    log: list[str]
    asked: tuple[str, str | None] | None = None

    def monitor(self, *, channel: str = "voice", queue: str | None = None) -> DeadlineMonitor:
        self.asked = (channel, queue)
        return DeadlineMonitor(self.log)


def said(side: str, start: float, text: str) -> Spoken:
    return Spoken(side, side, start, start + 1, start, text, ((start, start + 1),), str(int(start)))


def test_a_disclosure_said_after_its_deadline_is_reported_missed_before_it_is_heard() -> None:
    engine = Engine([])
    spoken = [said("agent", 2, "hello"), said("caller", 5, "  "), said("agent", 14, "this call is recorded")]
    findings = replay(ComplianceCheck(engine, Heard), spoken, channel="voice", queue="billing", end=30.0)
    assert [f.kind for f in findings] == ["missing_disclosure", "requirement_met"]
    assert engine.asked == ("voice", "billing")
    # Blank segments are not heard; the monitor finishes at the call's end.
    assert engine.log == ["due 2", "hear agent 2", "due 14", "hear agent 14", "finish 30"]
