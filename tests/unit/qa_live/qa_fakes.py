"""Fakes at live QA's seams (:mod:`qa.live.ports`): a keyword monitor, an assist that ranks by word,
and an outlet that keeps what it was given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from config.events import Event
from qa.compliance.model import Finding, Utterance


@dataclass
class KeywordMonitor:
    """Forbids "guaranteed" from the agent; requires "recorded" within ``within_s`` of the agent's
    first words."""

    within_s: float = 5.0
    first_agent: float | None = None
    met: bool = False
    reported_missing: bool = False

    def hear(self, utterance: Utterance) -> list[Finding]:
        if utterance.speaker != "agent":
            return []
        if self.first_agent is None:
            self.first_agent = utterance.start
        out = []
        if "guaranteed" in utterance.text:
            out.append(self._finding("no-guarantee", "forbidden", utterance))
        if "recorded" in utterance.text and not self.met:
            self.met = True
            out.append(self._finding("recording-notice", "requirement_met", utterance))
        return out

    def due(self, now: float) -> list[Finding]:
        if self.met or self.reported_missing or self.first_agent is None:
            return []
        if now < self.first_agent + self.within_s:
            return []
        self.reported_missing = True
        return [self._missing(self.first_agent + self.within_s)]

    def finish(self, end: float) -> list[Finding]:
        if self.met or self.reported_missing:
            return []
        self.reported_missing = True
        return [self._missing(end)]

    def _finding(self, rule: str, kind: str, u: Utterance) -> Finding:
        return Finding(rule, kind, "high", u.speaker, u.text, u.start, u.end, 0.9)  # type: ignore[arg-type]

    def _missing(self, at: float) -> Finding:
        return Finding("recording-notice", "missing_disclosure", "medium", "agent", "", at, at, 0.0)


@dataclass(frozen=True)
class Article:
    article_key: str
    title: str
    snippet: str
    source: str
    rank: int
    score: float


@dataclass(frozen=True)
class Action:
    intent: str
    label: str
    action: str


@dataclass(frozen=True)
class Update:
    language: str
    actions: tuple[Action, ...]


@dataclass
class WordAssist:
    """Suggests the article named after a word the caller said ("refund" -> kb refund)."""

    last: tuple[str, ...] = ()
    latest: Update | None = None

    def hear(self, speaker: str, text: str, *, at: float | None = None) -> list[Article] | None:
        keys = tuple(w for w in ("refund", "delivery", "password") if w in text)
        if speaker != "caller" or not keys or keys == self.last:
            return None
        self.last = keys
        actions = (Action("refund", "Open a refund ticket", "ticket.refund"),) if "refund" in text else ()
        self.latest = Update("en", actions)
        return [Article(k, k.title(), f"about {k}", f"kb:{k}", n, 0.8) for n, k in enumerate(keys, 1)]


@dataclass
class FakeEngines:
    monitors: list[KeywordMonitor] = field(default_factory=list)
    queues: list[str | None] = field(default_factory=list)
    within_s: float = 5.0

    def monitor(self, *, queue: str | None = None) -> KeywordMonitor:
        self.queues.append(queue)
        self.monitors.append(KeywordMonitor(self.within_s))
        return self.monitors[-1]

    def assist(self) -> WordAssist:
        return WordAssist()


@dataclass
class KeptOutlet:
    events: list[Event] = field(default_factory=list)
    stored: list[tuple[list[Finding], str, str | None]] = field(default_factory=list)

    def publish(self, event: Event) -> None:
        self.events.append(event)

    def store(self, findings: Sequence[Finding], *, call_id: str, agent: str | None) -> None:
        self.stored.append((list(findings), call_id, agent))

    def of_type(self, event_type: str) -> list[Event]:
        return [e for e in self.events if e.event_type == event_type]
