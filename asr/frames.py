"""Typed, immutable frames that flow downstream through the speech path.

Audio leaves the media edge as :class:`AudioFrame` (always signed 16-bit little-endian PCM, mono);
the VAD turns it into :class:`SpeechSegment` boundaries and recognizers emit
:class:`PartialTranscript` / :class:`FinalTranscript`. Times are seconds on the leg's own clock
(0.0 = first audio of that leg), so both legs of a call can be merged by time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

PcmArray = npt.NDArray[np.int16]


@dataclass(frozen=True, slots=True)
class LegRef:
    """Which call and which side of it a frame belongs to."""

    call_id: str
    leg: str  # "caller", "agent", or a channel id for extra legs

    def __str__(self) -> str:
        return f"{self.call_id}/{self.leg}"


@dataclass(frozen=True, slots=True)
class AudioFrame:
    """A short run of mono PCM for one leg.

    ``pcm`` is int16 samples (a read-only numpy array); ``timestamp`` is the leg time of the first
    sample in seconds.
    """

    leg: LegRef
    pcm: PcmArray
    sample_rate: int
    timestamp: float

    def __post_init__(self) -> None:
        if self.sample_rate <= 0:
            raise ValueError("sample_rate must be positive")
        arr = self.pcm
        if not isinstance(arr, np.ndarray) or arr.dtype != np.int16 or arr.ndim != 1:
            raise TypeError("pcm must be a 1-D int16 numpy array")
        if arr.flags.writeable:
            arr = arr.copy()
            arr.flags.writeable = False
            object.__setattr__(self, "pcm", arr)

    @classmethod
    def from_bytes(cls, leg: LegRef, data: bytes, sample_rate: int, timestamp: float) -> AudioFrame:
        """Build a frame from little-endian int16 bytes."""
        if len(data) % 2:
            raise ValueError("PCM16 byte string must have an even length")
        return cls(leg, np.frombuffer(data, dtype="<i2").astype(np.int16), sample_rate, timestamp)

    @property
    def duration(self) -> float:
        return len(self.pcm) / self.sample_rate

    @property
    def end(self) -> float:
        return self.timestamp + self.duration

    def to_bytes(self) -> bytes:
        return self.pcm.astype("<i2").tobytes()


@dataclass(frozen=True, slots=True)
class SpeechSegment:
    """A stretch of speech found by the VAD (start and end on the leg clock)."""

    leg: LegRef
    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class WordTiming:
    """One recognised word with its leg-clock times and the engine's confidence (0..1)."""

    word: str
    start: float
    end: float
    confidence: float

    def as_dict(self) -> dict[str, object]:
        return {
            "word": self.word,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "confidence": round(self.confidence, 3),
        }


@dataclass(frozen=True, slots=True)
class PartialTranscript:
    """What the speaker seems to be saying so far; replaced by later partials and the final."""

    leg: LegRef
    text: str
    start: float
    words: tuple[WordTiming, ...] = ()


@dataclass(frozen=True, slots=True)
class FinalTranscript:
    """A settled piece of transcript: it will not change any more."""

    leg: LegRef
    text: str
    start: float
    end: float
    confidence: float
    words: tuple[WordTiming, ...] = field(default=())
    engine: str = ""

    def as_dict(self) -> dict[str, object]:
        return {
            "call_id": self.leg.call_id,
            "leg": self.leg.leg,
            "start": round(self.start, 3),
            "end": round(self.end, 3),
            "text": self.text,
            "confidence": round(self.confidence, 3),
            "words": [w.as_dict() for w in self.words],
            "engine": self.engine,
        }


TranscriptFrame = PartialTranscript | FinalTranscript
