"""Async streaming wrapper around a synchronous recogniser session.

The session runs on a dedicated thread (Vosk and CTranslate2 release the GIL while they compute),
so the asyncio loop that receives RTP never waits on recognition. Audio waiting for the engine is
queued and bounded in seconds; ``lag_seconds`` says how stale the oldest waiting audio is.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import numpy as np

from asr.engines.base import RecognizerSession
from asr.exceptions import RecognizerError
from asr.frames import AudioFrame, TranscriptFrame

log = logging.getLogger(__name__)

COALESCE_SECONDS = 0.2  # most queued audio handed to the engine in one call
# A recogniser's first seconds of speech cost several times the steady rate (Vosk builds its
# lookahead-composition cache as it decodes); lag seen before this much speech is start-up lag.
WARMUP_SPEECH_SECONDS = 3.0
LAG_SAMPLES_KEPT = 20_000  # per leg: ~7 min of 20 ms speech frames; later samples are decimated


@dataclass(frozen=True, slots=True)
class _EndSegment:
    pass


@dataclass(frozen=True, slots=True)
class _Close:
    pass


_END = _EndSegment()


@dataclass(frozen=True, slots=True)
class _Phrases:
    phrases: tuple[str, ...] | None


_CLOSE = _Close()
_Item = tuple[float, AudioFrame | _EndSegment | _Phrases | _Close]


@dataclass(slots=True)
class StreamStats:
    """Counters a pipeline reports (and the bench reads)."""

    fed_seconds: float = 0.0
    processed_seconds: float = 0.0
    busy_seconds: float = 0.0  # wall time spent inside the engine
    dropped_segments: int = 0
    dropped_seconds: float = 0.0
    max_lag_seconds: float = 0.0
    max_lag_after_warmup_seconds: float = 0.0  # after the first WARMUP_SPEECH_SECONDS of speech
    first_segment_max_lag_seconds: float = 0.0
    segments_done: int = 0
    worst_lag_at: str = ""  # what waited longest: "audio@<leg s>" or "segment_end", and when
    errors: int = 0
    lag_samples: list[float] = field(default_factory=list)  # per recognised item, in seconds

    def record_lag(self, lag: float, speech_before: float, item: AudioFrame | None) -> None:
        """One queued item was recognised ``lag`` s after it was pushed (audio, or None: a segment end)."""
        if lag > self.max_lag_seconds:
            what = f"audio@{item.timestamp:.2f}s" if item is not None else "segment_end"
            self.worst_lag_at = f"{what} segment {self.segments_done + 1} after {speech_before:.1f}s speech"
        self.max_lag_seconds = max(self.max_lag_seconds, lag)
        if speech_before >= WARMUP_SPEECH_SECONDS:
            self.max_lag_after_warmup_seconds = max(self.max_lag_after_warmup_seconds, lag)
        if self.segments_done == 0:
            self.first_segment_max_lag_seconds = max(self.first_segment_max_lag_seconds, lag)
        if item is None:
            self.segments_done += 1
        if len(self.lag_samples) >= LAG_SAMPLES_KEPT:
            del self.lag_samples[::2]  # keep the shape of a long call, at half the resolution
        self.lag_samples.append(lag)

    def lag_percentile(self, fraction: float) -> float:
        if not self.lag_samples:
            return 0.0
        ordered = sorted(self.lag_samples)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class RecognizeStream:
    """Push audio in, iterate transcripts out; one per leg."""

    def __init__(self, session: RecognizerSession, *, max_queued_seconds: float = 30.0) -> None:
        self._session = session
        self._max_queued = max_queued_seconds
        self._inbox: queue.Queue[_Item] = queue.Queue()
        self._queued_seconds = 0.0
        self._push_times: deque[float] = deque()  # push time of each queued audio frame
        self._lock = threading.Lock()
        self._dropping = False
        self._loop = asyncio.get_running_loop()
        self._outbox: asyncio.Queue[TranscriptFrame | BaseException | None] = asyncio.Queue()
        self._done = asyncio.Event()
        self._closed = False
        self.stats = StreamStats()
        self._thread = threading.Thread(target=self._run, name="asr-stream", daemon=True)
        self._thread.start()

    # ---- producer side (event loop) -------------------------------------------------------------
    @property
    def queued_seconds(self) -> float:
        """Audio waiting for the engine, in seconds of speech."""
        return self._queued_seconds

    @property
    def lag_seconds(self) -> float:
        """How long the oldest audio not yet recognised has been waiting (0 when caught up)."""
        times = self._push_times
        return time.monotonic() - times[0] if times else 0.0

    def push_frame(self, frame: AudioFrame) -> bool:
        """Queue audio without waiting. Over the bound, the rest of this segment is dropped and
        counted (returns False); recognition resumes with the next segment."""
        if self._closed:
            raise RecognizerError("stream is closed", recoverable=False)
        with self._lock:
            if self._dropping or self._queued_seconds + frame.duration > self._max_queued:
                if not self._dropping:
                    self.stats.dropped_segments += 1
                    log.warning("recognition %.1f s behind: dropping rest of segment", self._queued_seconds)
                self._dropping = True
                self.stats.dropped_seconds += frame.duration
                return False
            self._enqueue(frame)
        return True

    async def send(self, frame: AudioFrame) -> None:
        """Queue audio, waiting for room instead of dropping (offline analysis, benchmarks)."""
        if self._closed:
            raise RecognizerError("stream is closed", recoverable=False)
        while True:
            with self._lock:
                if self._queued_seconds + frame.duration <= self._max_queued or self._queued_seconds == 0:
                    self._enqueue(frame)
                    return
            await asyncio.sleep(0.01)

    def end_segment(self) -> None:
        """The speaker paused: the engine settles what it heard."""
        with self._lock:
            self._dropping = False
            self._inbox.put((time.monotonic(), _END))

    def set_phrases(self, phrases: list[str] | None) -> None:
        """Restrict recognition to a phrase list from the next audio on (None: free speech).

        Queued like audio, so it applies exactly between the segments it was sent between.
        """
        with self._lock:
            self._inbox.put((time.monotonic(), _Phrases(tuple(phrases) if phrases else None)))

    async def flush(self) -> None:
        """Settle the last words and wait until every queued frame is recognised (hang-up)."""
        if self._closed:
            return
        self._closed = True
        with self._lock:
            self._inbox.put((time.monotonic(), _END))
            self._inbox.put((time.monotonic(), _CLOSE))
        await self._done.wait()

    async def aclose(self) -> None:
        await self.flush()

    def __aiter__(self) -> AsyncIterator[TranscriptFrame]:
        return self._results()

    async def _results(self) -> AsyncIterator[TranscriptFrame]:
        while True:
            item = await self._outbox.get()
            if item is None:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def _enqueue(self, frame: AudioFrame) -> None:
        now = time.monotonic()
        self._push_times.append(now)
        self._queued_seconds += frame.duration
        self.stats.fed_seconds += frame.duration
        self._inbox.put((now, frame))

    # ---- engine side (own thread) ---------------------------------------------------------------
    def _emit(self, item: TranscriptFrame | BaseException | None) -> None:
        self._loop.call_soon_threadsafe(self._outbox.put_nowait, item)

    def _take(self, carry: _Item | None) -> tuple[list[_Item], _Item | None]:
        """The next item; queued contiguous audio is merged (up to COALESCE_SECONDS) so a leg
        that fell behind catches up with fewer, larger engine calls."""
        first = carry if carry is not None else self._inbox.get()
        if not isinstance(first[1], AudioFrame):
            return [first], None
        items, total = [first], first[1].duration
        while total < COALESCE_SECONDS:
            try:
                following = self._inbox.get_nowait()
            except queue.Empty:
                return items, None
            previous = items[-1][1]
            frame = following[1]
            assert isinstance(previous, AudioFrame)
            if not isinstance(frame, AudioFrame) or abs(frame.timestamp - previous.end) > 1e-3:
                return items, following
            items.append(following)
            total += frame.duration
        return items, None

    def _run(self) -> None:
        carry: _Item | None = None
        try:
            while True:
                items, carry = self._take(carry)
                item = items[0][1]
                if isinstance(item, _Close):
                    break
                if len(items) > 1:
                    frames = [i[1] for i in items if isinstance(i[1], AudioFrame)]
                    item = AudioFrame(
                        frames[0].leg,
                        np.concatenate([f.pcm for f in frames]),
                        frames[0].sample_rate,
                        frames[0].timestamp,
                    )
                started = time.monotonic()
                try:
                    results = self._process(item)
                except Exception as exc:  # an engine failure must not kill the leg's thread
                    self.stats.errors += 1
                    log.exception("recogniser failed")
                    self._emit(RecognizerError(f"{self._session.engine_name} failed: {exc}"))
                    results = []
                finished = time.monotonic()
                self.stats.busy_seconds += finished - started
                for pushed_at, queued in items:
                    assert not isinstance(queued, _Close)
                    self._after(pushed_at, queued, finished)
                for result in results:
                    self._emit(result)
        finally:
            try:
                self._session.close()
            finally:
                self._emit(None)
                self._loop.call_soon_threadsafe(self._done.set)

    def _process(self, item: AudioFrame | _EndSegment | _Phrases) -> list[TranscriptFrame]:
        if isinstance(item, AudioFrame):
            return self._session.accept(item)
        if isinstance(item, _Phrases):
            self._session.set_phrases(list(item.phrases) if item.phrases else None)
            return []
        return list(self._session.end_segment())

    def _after(self, pushed_at: float, item: AudioFrame | _EndSegment | _Phrases, finished: float) -> None:
        with self._lock:
            if not isinstance(item, _Phrases):
                speech_before = self.stats.processed_seconds
                self.stats.record_lag(
                    finished - pushed_at, speech_before, item if isinstance(item, AudioFrame) else None
                )
            if isinstance(item, AudioFrame):
                self._queued_seconds = max(0.0, self._queued_seconds - item.duration)
                self.stats.processed_seconds += item.duration
                if self._push_times:
                    self._push_times.popleft()
