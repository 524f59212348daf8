"""One call's live QA: compliance on every settled utterance, assist on the caller's questions.

The same session serves a live call (fed by the media worker's transcript sinks, ticked for
deadlines) and ``voxdesk analyze`` (fed a recording's segments in time order), so both apply one
engine the same way. Both legs' sink threads call into it: one lock keeps the state consistent.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Sequence

from config.events import Event
from qa.compliance.model import Finding, Utterance
from qa.events import QaAlert, QaRequirementMet, QaSuggestion
from qa.language import detect_language
from qa.live.ports import Assist, Monitor, QaEngines, QaOutlet, SuggestionLike

log = logging.getLogger(__name__)

SPEAKERS = frozenset({"agent", "caller"})


class CallQa:
    """Compliance and assist state of one call; times are seconds from the start of the call."""

    def __init__(
        self,
        call_id: str,
        engines: QaEngines,
        outlet: QaOutlet,
        *,
        agent: str | None = None,
        queue: str | None = None,
    ) -> None:
        self.call_id = call_id
        self.agent = agent
        self._outlet = outlet
        self._engines, self._queue = engines, queue
        self._monitor: Monitor | None = None
        self._assist: Assist | None = None
        self._broken = False
        self._lock = threading.Lock()
        self._agent_heard = False  # deadlines run from the agent's first words, on this worker's legs
        self._finished = False
        self.findings: list[Finding] = []

    def heard(self, speaker: str, text: str, start: float, end: float, segment_id: str | None = None) -> None:
        """A settled utterance of the agent or the caller."""
        if speaker not in SPEAKERS or not text.strip():
            return
        with self._lock:
            monitor = None if self._finished else self._ready()
            if monitor is None:
                return
            if speaker == "agent":
                self._agent_heard = True
            self._report(monitor.hear(Utterance(speaker, text, start, end, segment_id)))
            if speaker == "caller" and self._assist is not None:
                self._suggest(text, self._assist.hear(speaker, text, at=end))

    def agent_joined(self, agent: str | None, queue: str | None) -> None:
        """An agent's leg started: alerts name them; the call's queue (known once it was queued,
        after the caller's leg started) scopes the rules from then on."""
        with self._lock:
            self.agent = agent or self.agent
            # Before the agent's first words the monitor holds no state (deadlines start there), so
            # it is rebuilt with the queue's rules on the next words.
            if queue is not None and queue != self._queue and not self._agent_heard:
                self._queue, self._monitor = queue, None

    def tick(self, now: float) -> None:
        """Raise the missing disclosures whose deadline passed by ``now``."""
        with self._lock:
            if self._agent_heard and not self._finished and self._monitor is not None:
                self._report(self._monitor.due(now))

    def finish(self, end: float) -> None:
        """The call ended: every required disclosure still unsaid is missing. Idempotent."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
            # Only where the agent's leg ran (the caller's half of a call split across workers is silent).
            if self._agent_heard and self._monitor is not None:
                self._report(self._monitor.finish(end))

    def _ready(self) -> Monitor | None:
        """The rules and knowledge base in force, taken on the first words (on a sink thread: loading
        them never holds up the media worker's event loop); None when they cannot be loaded."""
        if self._monitor is None and not self._broken:
            try:
                self._monitor = self._engines.monitor(queue=self._queue)
                self._assist = self._assist or self._engines.assist()
            except Exception:  # the call is still transcribed, without QA
                self._broken = True
                log.exception("call %s: live QA unavailable", self.call_id)
        return self._monitor

    def _report(self, findings: Sequence[Finding]) -> None:
        alerts = [f for f in findings if f.kind != "requirement_met"]
        for finding in findings:
            self._publish(self._event_of(finding))
        self.findings.extend(findings)
        if alerts:
            try:
                self._outlet.store(alerts, call_id=self.call_id, agent=self.agent)
            except Exception:  # the live alert went out; the lost row is logged, never silent
                log.exception("call %s: could not enqueue %d alerts for storage", self.call_id, len(alerts))

    def _event_of(self, finding: Finding) -> Event:
        if finding.kind == "requirement_met":
            return QaRequirementMet(
                call_id=self.call_id, rule=finding.rule_id, leg=finding.speaker, text=finding.text,
                start=round(finding.start, 3), end=round(finding.end, 3), score=round(finding.score, 3),
                agent=self.agent,
            )  # fmt: skip
        return QaAlert(
            call_id=self.call_id, rule=finding.rule_id, kind=finding.kind, severity=str(finding.severity),
            leg=finding.speaker, text=finding.text, start=round(finding.start, 3), end=round(finding.end, 3),
            score=round(finding.score, 3), action=finding.action, agent=self.agent,
        )  # fmt: skip

    def _suggest(self, text: str, suggestions: Sequence[SuggestionLike] | None) -> None:
        if not suggestions:  # None: the top three did not change
            return
        update = self._assist.latest if self._assist is not None else None
        actions = update.actions if update is not None else ()
        self._publish(
            QaSuggestion(
                call_id=self.call_id,
                suggestions=[suggestion_dict(s) for s in suggestions],
                actions=[{"intent": a.intent, "label": a.label, "action": a.action} for a in actions],
                language=update.language if update is not None else detect_language(text),
                for_text=text,
            )
        )

    def _publish(self, event: Event) -> None:
        try:
            self._outlet.publish(event)
        except Exception:  # best effort live; stored alerts still go through the job
            log.exception("call %s: could not publish %s", self.call_id, event.event_type)


def suggestion_dict(s: SuggestionLike) -> dict[str, object]:
    return {"article": s.article_key, "title": s.title, "snippet": s.snippet, "source": s.source,
            "rank": s.rank, "score": round(s.score, 3)}  # fmt: skip


def finding_dict(finding: Finding) -> dict[str, object]:
    """The JSON form the ``qa.store_findings`` job takes (``dataclasses.asdict`` of a finding)."""
    return {k: (str(v) if k in ("kind", "severity", "speaker", "action") else v)
            for k, v in dataclasses.asdict(finding).items()}  # fmt: skip
