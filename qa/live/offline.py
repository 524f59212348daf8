"""Live QA over a recording (``voxdesk analyze``): the same :class:`CallQa` as a live call.

The recording's segments are heard in time order; before each, the deadlines that passed by its
start are checked (what the live ticker would have raised by then), and at the end of the
recording every disclosure still unsaid is missing. Each result is one JSON-ready line.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from asr.frames import FinalTranscript
from config.events import Event
from qa.assist.ranker import KbRanker
from qa.assist.session import AssistSession
from qa.compliance.engine import ComplianceEngine, ComplianceMonitor
from qa.compliance.model import Finding
from qa.events import QaAlert, QaRequirementMet, QaSuggestion
from qa.live.ports import QaEngines
from qa.live.session import CallQa


class KeptEvents:
    """An outlet that keeps the events for the caller to take (nothing is stored)."""

    def __init__(self) -> None:
        self._events: list[Event] = []

    def publish(self, event: Event) -> None:
        self._events.append(event)

    def store(self, findings: Sequence[Finding], *, call_id: str, agent: str | None) -> None:
        return None

    def take(self) -> list[Event]:
        taken, self._events = self._events, []
        return taken


def result_lines(event: Event) -> list[dict[str, Any]]:
    """The ``voxdesk analyze`` lines of one live QA event (a suggestion gives one line per article)."""
    if isinstance(event, QaAlert):
        return [{"type": "alert", "rule": event.rule, "kind": event.kind, "severity": event.severity,
                 "leg": event.leg, "text": event.text, "start": event.start, "end": event.end,
                 "score": event.score, "action": event.action}]  # fmt: skip
    if isinstance(event, QaRequirementMet):
        return [{"type": "requirement_met", "rule": event.rule, "leg": event.leg, "text": event.text,
                 "start": event.start, "end": event.end, "score": event.score}]  # fmt: skip
    if isinstance(event, QaSuggestion):
        return [{"type": "suggestion", "article": s["article"], "rank": s["rank"], "score": s["score"],
                 "title": s["title"], "source": s["source"], "language": event.language,
                 "for_text": event.for_text} for s in event.suggestions]  # fmt: skip
    return []


def analyze_lines(
    finals: Sequence[FinalTranscript],
    engines: QaEngines,
    *,
    speakers: Mapping[str, str],
    end: float,
    call_id: str = "recording",
) -> Iterator[dict[str, Any]]:
    """Each segment's line followed by the QA lines it caused; ``speakers`` maps a leg to who talks
    on it (a mono recording's only leg may be the agent's)."""
    outlet = KeptEvents()
    qa = CallQa(call_id, engines, outlet)
    for final in sorted(finals, key=lambda f: (f.start, f.leg.leg)):
        qa.tick(final.start)
        yield from (line for event in outlet.take() for line in result_lines(event))
        speaker = speakers.get(final.leg.leg, final.leg.leg)
        yield {"type": "segment", **final.as_dict(), "speaker": speaker}
        qa.heard(speaker, final.text, final.start, final.end)
        yield from (line for event in outlet.take() for line in result_lines(event))
    qa.finish(end)
    yield from (line for event in outlet.take() for line in result_lines(event))


class RecordingEngines:
    """:class:`QaEngines` for ``voxdesk analyze``: the given rules, and articles when there are any."""

    def __init__(self, compliance: ComplianceEngine, ranker: KbRanker | None) -> None:
        self._compliance, self._ranker = compliance, ranker

    def monitor(self, *, queue: str | None = None) -> ComplianceMonitor:
        return self._compliance.monitor(channel="voice", queue=queue)

    def assist(self) -> AssistSession | None:
        return AssistSession(self._ranker) if self._ranker is not None and len(self._ranker) else None
