"""The recogniser interface every engine implements.

An engine (:class:`SpeechRecognizer`) is shared by every leg in a process (it holds the model); it
opens one :class:`RecognizerSession` per leg. Sessions are synchronous and used by one thread at a
time; :class:`asr.engines.stream.RecognizeStream` runs a session on its own thread and offers the
async-iterator API (``push_frame``, ``flush``, ``aclose``, ``async for``).
"""

from __future__ import annotations

import bisect
from abc import ABC, abstractmethod

from asr.frames import AudioFrame, FinalTranscript, LegRef, PcmArray, TranscriptFrame

SAMPLE_RATE = 16000


class RecognizerSession(ABC):
    """One leg's recogniser state. Audio arrives per speech segment (the VAD gates it)."""

    engine_name: str = ""

    @abstractmethod
    def accept(self, frame: AudioFrame) -> list[TranscriptFrame]:
        """Feed 16 kHz speech; returns partials and any finals the engine settled on."""

    @abstractmethod
    def end_segment(self) -> list[FinalTranscript]:
        """The speaker paused (or hung up): settle everything heard so far."""

    def set_phrases(self, phrases: list[str] | None) -> None:  # noqa: B027 - optional hook
        """Restrict recognition to ``phrases`` (None: free speech); engines without grammars ignore it."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release per-leg resources."""


class SpeechRecognizer(ABC):
    """A loaded engine; cheap to share, one per process."""

    name: str = ""
    sample_rate: int = SAMPLE_RATE
    #: True when the engine emits partial results while the speaker talks.
    streams_partials: bool = False

    @abstractmethod
    def session(self, leg: LegRef, *, phrases: list[str] | None = None) -> RecognizerSession:
        """A new per-leg session; ``phrases`` restricts it to a phrase list (IVR speech menus)."""

    def describe(self) -> str:
        return self.name

    @property
    def wants_warm_up(self) -> bool:
        """True when :meth:`prewarm` on speech would help (worth synthesising warm-up speech for)."""
        return False

    def prewarm(self, count: int, speech: PcmArray) -> int:
        """Get ``count`` sessions' worth of engine state ready on ``speech`` before live legs need it;
        returns how many were warmed (engines without start-up cost warm none)."""
        return 0


class Timeline:
    """Maps an engine's clock (seconds of audio it was fed) to the leg clock.

    The VAD only passes speech, so the engine's clock skips the silences between segments; each
    contiguous run of fed audio is one piece with its own offset.
    """

    def __init__(self, engine_clock: float = 0.0) -> None:
        # A recycled recogniser's clock goes on from where its previous leg left it.
        self.fed_seconds = engine_clock
        self._engine_starts: list[float] = []
        self._leg_starts: list[float] = []
        self._expected_leg_time: float | None = None

    def feed(self, frame: AudioFrame) -> None:
        if self._expected_leg_time is None or abs(frame.timestamp - self._expected_leg_time) > 1e-3:
            self._engine_starts.append(self.fed_seconds)
            self._leg_starts.append(frame.timestamp)
        self.fed_seconds += frame.duration
        self._expected_leg_time = frame.end

    def to_leg(self, engine_time: float) -> float:
        if not self._engine_starts:
            return engine_time
        index = max(0, bisect.bisect_right(self._engine_starts, engine_time + 1e-6) - 1)
        return self._leg_starts[index] + (engine_time - self._engine_starts[index])

    @property
    def leg_now(self) -> float:
        return self._expected_leg_time or 0.0
