"""Where a pipeline's transcripts go: the notifier (live), storage (Celery/writer) or a list."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from asr.events import TranscriptFinal, TranscriptLag, TranscriptPartial
from asr.frames import FinalTranscript, LegRef, PartialTranscript, TranscriptFrame
from config.errors import EventBusError
from config.events import Notifier

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class LagReport:
    """Recognition is behind on a leg, or dropped audio to stay bounded."""

    leg: LegRef
    lag_seconds: float
    dropped_segments: int
    dropped_seconds: float


class Redactor(Protocol):
    """Masks what no sink may see (card data) in a leg's transcripts, called in order for one leg.

    The speech pipeline cannot be built without one: qa/ provides it (``qa.pci.LegRedactor``)
    through the composition root, since asr/ never imports qa/.
    """

    def __call__(self, frame: TranscriptFrame, /) -> TranscriptFrame: ...


RedactorFactory = Callable[[LegRef], Redactor]
"""A new redactor for each leg (it may remember what was said on that leg)."""


class TranscriptSink(Protocol):
    """Receives one leg's results in order; called off the event loop (may block briefly)."""

    def partial(self, transcript: PartialTranscript) -> None: ...

    def final(self, transcript: FinalTranscript) -> None: ...

    def lag(self, report: LagReport) -> None: ...


@dataclass(frozen=True, slots=True)
class LegStart:
    """A media worker started transcribing a leg: who talks on it, and where its clock starts."""

    leg: LegRef
    speaker: str | None = None  # the agent's id on an agent leg
    elapsed: float = 0.0  # the leg was transcribed elsewhere before (a moved leg continues its clock)
    queue: str | None = None


LegSinkFactory = Callable[[LegStart], Sequence[TranscriptSink]]
"""Sinks the composition root adds to each new leg (the recording pause, live QA)."""


@runtime_checkable
class LegClosedListener(Protocol):
    """A sink that wants to know when its leg ended (after its last words were delivered)."""

    def leg_closed(self, leg: LegRef) -> None: ...


class NotifierSink:
    """Publishes transcript.partial / transcript.final / transcript.lag to ``voxdesk:call:<id>``."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier
        self.failures = 0

    def _publish(self, event: TranscriptPartial | TranscriptFinal | TranscriptLag) -> None:
        try:
            self._notifier.publish(event)
        except EventBusError:
            # Live display is best effort; storage still gets finals through its own sink.
            self.failures += 1
            log.warning("could not publish %s for call %s", event.event_type, event.call_id)

    def partial(self, transcript: PartialTranscript) -> None:
        self._publish(TranscriptPartial.from_frame(transcript))

    def final(self, transcript: FinalTranscript) -> None:
        self._publish(TranscriptFinal.from_frame(transcript))

    def lag(self, report: LagReport) -> None:
        self._publish(
            TranscriptLag(
                call_id=report.leg.call_id,
                leg=report.leg.leg,
                lag_seconds=round(report.lag_seconds, 3),
                dropped_segments=report.dropped_segments,
                dropped_seconds=round(report.dropped_seconds, 3),
            )
        )


@dataclass
class CollectingSink:
    """Keeps everything in memory (``voxdesk analyze``, tests)."""

    partials: list[PartialTranscript] = field(default_factory=list)
    finals: list[FinalTranscript] = field(default_factory=list)
    lags: list[LagReport] = field(default_factory=list)

    def partial(self, transcript: PartialTranscript) -> None:
        self.partials.append(transcript)

    def final(self, transcript: FinalTranscript) -> None:
        self.finals.append(transcript)

    def lag(self, report: LagReport) -> None:
        self.lags.append(report)
