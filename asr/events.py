"""Live transcript events, published through the notifier on ``voxdesk:call:<call_id>``."""

from __future__ import annotations

from typing import Any, ClassVar

from asr.frames import FinalTranscript, PartialTranscript
from config.events import Event, register_event


@register_event
class TranscriptPartial(Event):
    """Words so far in an utterance that is still going on (replace the previous partial)."""

    event_type: ClassVar[str] = "transcript.partial"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id",)

    call_id: str
    leg: str
    text: str
    start: float

    @classmethod
    def from_frame(cls, frame: PartialTranscript) -> TranscriptPartial:
        return cls(call_id=frame.leg.call_id, leg=frame.leg.leg, text=frame.text, start=frame.start)


@register_event
class TranscriptFinal(Event):
    """A settled transcript segment; the same content is stored as a TranscriptSegment row."""

    event_type: ClassVar[str] = "transcript.final"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id",)

    call_id: str
    leg: str
    text: str
    start: float
    end: float
    confidence: float
    words: list[dict[str, Any]]
    engine: str = ""

    @classmethod
    def from_frame(cls, frame: FinalTranscript) -> TranscriptFinal:
        return cls(
            call_id=frame.leg.call_id,
            leg=frame.leg.leg,
            text=frame.text,
            start=frame.start,
            end=frame.end,
            confidence=frame.confidence,
            words=[w.as_dict() for w in frame.words],
            engine=frame.engine,
        )


@register_event
class TranscriptLag(Event):
    """Recognition of a leg is behind real time, or had to drop audio (counted, never silent)."""

    event_type: ClassVar[str] = "transcript.lag"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id",)

    call_id: str
    leg: str
    lag_seconds: float
    dropped_segments: int
    dropped_seconds: float
