"""Live QA in the media worker: a :class:`CallQa` per call, fed by one transcript sink per leg.

The worker asks :class:`LiveQa` for sinks when it starts a leg (:class:`asr.sinks.LegStart`); each
sink hears of its leg's end after the last words (:class:`asr.sinks.LegClosedListener`).
Each leg's clock starts when its port was allocated (less the ``elapsed`` of a moved leg); the call's
clock starts with its first leg here (the caller's, tapped as the call arrives), so a leg's times
shift by the difference. A ticker thread raises missing disclosures as their deadlines pass; when
the call's last leg ends the call is finished and forgotten.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from asr.frames import FinalTranscript, LegRef, PartialTranscript
from asr.sinks import LagReport, LegStart
from qa.live.ports import QaEngines, QaOutlet
from qa.live.session import CallQa

log = logging.getLogger(__name__)

TICK_SECONDS = 0.5


def party_of(leg: str) -> str | None:
    """Who talks on a leg: the caller, or an agent (``agent``, then ``agent-2``... after transfers)."""
    if leg == "caller":
        return "caller"
    return "agent" if leg == "agent" or leg.startswith("agent-") else None


@dataclass
class _LiveCall:
    qa: CallQa
    origin: float  # wall-clock time of the call's time 0
    legs: set[str] = field(default_factory=set)


class CallQaSink:
    """One leg's finals, on the call's clock, to its :class:`CallQa` (partials and lag unused)."""

    def __init__(
        self, qa: CallQa, speaker: str, offset: float = 0.0, closed: Callable[[LegRef], None] | None = None
    ) -> None:
        self._qa, self._speaker, self._offset, self._closed = qa, speaker, offset, closed

    def leg_closed(self, leg: LegRef) -> None:
        if self._closed is not None:
            self._closed(leg)

    def partial(self, transcript: PartialTranscript) -> None:
        return None

    def final(self, transcript: FinalTranscript) -> None:
        start, end = transcript.start + self._offset, transcript.end + self._offset
        self._qa.heard(self._speaker, transcript.text, start, end)

    def lag(self, report: LagReport) -> None:
        return None


class LiveQa:
    """The media worker's live QA: calls by id, their sinks, the deadline ticker."""

    def __init__(
        self,
        engines: QaEngines,
        outlet: QaOutlet,
        *,
        clock: Callable[[], float] = time.time,
        tick_seconds: float = TICK_SECONDS,
    ) -> None:
        self._engines, self._outlet, self._clock = engines, outlet, clock
        self._tick_seconds = tick_seconds
        self._calls: dict[str, _LiveCall] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def leg_started(self, start: LegStart) -> Sequence[CallQaSink]:
        leg = start.leg
        party = party_of(leg.leg)
        if party is None:
            return []
        leg_origin = self._clock() - start.elapsed
        with self._lock:
            call = self._calls.get(leg.call_id)
            if call is None:
                agent = start.speaker if party == "agent" else None
                qa = CallQa(leg.call_id, self._engines, self._outlet, agent=agent, queue=start.queue)
                call = self._calls[leg.call_id] = _LiveCall(qa, leg_origin)
            elif party == "agent":
                call.qa.agent_joined(start.speaker, start.queue)
            call.legs.add(leg.leg)
        return [CallQaSink(call.qa, party, leg_origin - call.origin, self.leg_ended)]

    def leg_ended(self, leg: LegRef) -> None:
        with self._lock:
            call = self._calls.get(leg.call_id)
            if call is None:
                return
            call.legs.discard(leg.leg)
            if call.legs:
                return
            del self._calls[leg.call_id]
        call.qa.finish(self._clock() - call.origin)

    def active_calls(self) -> list[str]:
        with self._lock:
            return list(self._calls)

    def tick(self) -> None:
        """Check every active call's deadlines once."""
        with self._lock:
            calls = list(self._calls.values())
        now = self._clock()
        for call in calls:
            try:
                call.qa.tick(now - call.origin)
            except Exception:
                log.exception("call %s: checking deadlines failed", call.qa.call_id)

    def start(self) -> LiveQa:
        """Start the deadline ticker (a daemon thread: stopping never waits on it)."""
        self._ticker = threading.Thread(target=self._run_ticker, name="qa-deadlines", daemon=True)
        self._ticker.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run_ticker(self) -> None:
        while not self._stop.wait(self._tick_seconds):
            self.tick()
