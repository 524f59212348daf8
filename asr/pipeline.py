"""One leg's speech pipeline: audio frames -> VAD -> recogniser -> partial/final -> sinks.

The VAD runs inline (it costs ~0.01 % of real time) so only speech reaches the recogniser, which
runs on its own thread behind a queue bounded in seconds. When recognition falls behind, the lag is
measured and reported; past the bound, the rest of the current segment is dropped, counted and
reported to the sinks (never silently). ``close()`` at hang-up settles and delivers the last words.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from asr.engines.base import SpeechRecognizer
from asr.engines.stream import RecognizeStream
from asr.exceptions import RecognizerError
from asr.frames import AudioFrame, FinalTranscript, LegRef, PartialTranscript, SpeechSegment, TranscriptFrame
from asr.sinks import LagReport, LegClosedListener, Redactor, TranscriptSink
from asr.vad import SpeechSegmenter, SpeechStart, VadEngine

log = logging.getLogger(__name__)

LAG_REPORT_SECONDS = 2.0  # report when the oldest waiting speech is older than this


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    padding_ms: int = 300
    hangover_ms: int = 400
    max_segment_seconds: float = 15.0
    max_lag_seconds: float = 30.0

    @classmethod
    def from_settings(cls, settings: Any) -> PipelineConfig:
        return cls(
            settings.vad_padding_ms,
            settings.vad_hangover_ms,
            settings.max_segment_seconds,
            settings.max_lag_seconds,
        )


class LegPipeline:
    """Transcribes one leg; create it inside the event loop, then ``await start()``."""

    def __init__(
        self,
        leg: LegRef,
        recognizer: SpeechRecognizer,
        vad: VadEngine,
        sinks: Sequence[TranscriptSink],
        config: PipelineConfig | None = None,
        *,
        redactor: Redactor,
        phrases: list[str] | None = None,
    ) -> None:
        self.leg = leg
        self._redact = redactor
        self.config = config or PipelineConfig()
        if vad.sample_rate != recognizer.sample_rate:
            raise ValueError("VAD and recogniser must use the same sample rate")
        self.sample_rate = recognizer.sample_rate
        self._recognizer = recognizer
        self._phrases = phrases
        self._segmenter = SpeechSegmenter(
            vad,
            leg,
            padding_ms=self.config.padding_ms,
            hangover_ms=self.config.hangover_ms,
            max_segment_seconds=self.config.max_segment_seconds,
        )
        self._sinks = list(sinks)
        self._stream: RecognizeStream | None = None
        self._consumer: asyncio.Task[None] | None = None
        # One thread per pipeline keeps each leg's sink calls in order and off the event loop.
        self._sink_thread = ThreadPoolExecutor(1, thread_name_prefix=f"asr-sink-{leg.leg}")
        self._reported_drops = 0
        self._last_lag_report = 0.0
        self.finals = 0
        self.partials = 0
        self.sink_errors = 0
        self.speech_ended_at: float | None = None  # monotonic time the last segment closed

    async def start(self) -> LegPipeline:
        session = await asyncio.to_thread(self._recognizer.session, self.leg, phrases=self._phrases)
        self._stream = RecognizeStream(session, max_queued_seconds=self.config.max_lag_seconds)
        self._consumer = asyncio.create_task(self._consume(), name=f"asr-{self.leg}")
        return self

    @property
    def stream(self) -> RecognizeStream:
        if self._stream is None:
            raise RecognizerError("pipeline not started", recoverable=False)
        return self._stream

    def push_frame(self, frame: AudioFrame) -> None:
        """Live audio (never waits): speech is queued, over-bound speech is counted and dropped."""
        for item in self._segment(frame):
            if isinstance(item, AudioFrame):
                self.stream.push_frame(item)
            else:
                self._end_segment()
        self._check_lag()

    def set_phrases(self, phrases: list[str] | None) -> None:
        """IVR speech menu: recognise only these phrases from now on (None: free speech again)."""
        self.stream.set_phrases(phrases)

    async def feed(self, frame: AudioFrame) -> None:
        """Recorded audio: waits for the recogniser instead of dropping (``voxdesk analyze``)."""
        for item in self._segment(frame):
            if isinstance(item, AudioFrame):
                await self.stream.send(item)
            else:
                self._end_segment()

    def end_of_audio(self) -> None:
        """The stream stopped (idle timeout, SSRC change): settle what was said so far."""
        for item in self._segmenter.flush():
            if isinstance(item, AudioFrame):
                self.stream.push_frame(item)
            elif not isinstance(item, SpeechStart):
                self._end_segment()

    async def close(self) -> None:
        """Hang-up: the last words are recognised and handed to every sink before this returns."""
        self.end_of_audio()
        await self.stream.flush()
        if self._consumer is not None:
            await self._consumer
        self._check_lag(force=self.stream.stats.dropped_segments > self._reported_drops)
        await asyncio.get_running_loop().run_in_executor(self._sink_thread, self._tell_leg_closed)
        self._sink_thread.shutdown(wait=True)

    def stats(self) -> dict[str, float | int | str]:
        s = self.stream.stats
        return {
            "call_id": self.leg.call_id,
            "leg": self.leg.leg,
            "speech_seconds": round(self._segmenter.speech_seconds, 3),
            "segments": self._segmenter.segments,
            "recognised_seconds": round(s.processed_seconds, 3),
            "engine_busy_seconds": round(s.busy_seconds, 3),
            "queued_seconds": round(self.stream.queued_seconds, 3),
            "lag_seconds": round(self.stream.lag_seconds, 3),
            "max_lag_seconds": round(s.max_lag_seconds, 3),
            # Start-up apart from sustained lag: a new recogniser is slow for its first seconds.
            "first_segment_max_lag_seconds": round(s.first_segment_max_lag_seconds, 3),
            "max_lag_after_warmup_seconds": round(s.max_lag_after_warmup_seconds, 3),
            "lag_p50_seconds": round(s.lag_percentile(0.5), 3),
            "lag_p95_seconds": round(s.lag_percentile(0.95), 3),
            "worst_lag_at": s.worst_lag_at,
            "dropped_segments": s.dropped_segments,
            "dropped_seconds": round(s.dropped_seconds, 3),
            "partials": self.partials,
            "finals": self.finals,
            "errors": s.errors + self.sink_errors,
        }

    # ---- internals ------------------------------------------------------------------------------
    def _segment(self, frame: AudioFrame) -> list[AudioFrame | SpeechSegment]:
        """Speech audio and segment ends (starts need no action: audio follows them)."""
        if frame.sample_rate != self.sample_rate:
            raise ValueError(f"pipeline needs {self.sample_rate} Hz frames; resample at the media edge")
        return [item for item in self._segmenter.push(frame) if not isinstance(item, SpeechStart)]

    def _end_segment(self) -> None:
        self.speech_ended_at = time.monotonic()
        self.stream.end_segment()

    def _check_lag(self, force: bool = False) -> None:
        stream = self.stream
        lag = stream.lag_seconds
        drops = stream.stats.dropped_segments
        now = time.monotonic()
        behind = lag > LAG_REPORT_SECONDS and now - self._last_lag_report > LAG_REPORT_SECONDS
        if force or drops > self._reported_drops or behind:
            self._reported_drops = drops
            self._last_lag_report = now
            report = LagReport(self.leg, lag, drops, stream.stats.dropped_seconds)
            self._dispatch("lag", report)

    def _tell_leg_closed(self) -> None:
        for sink in self._sinks:
            if isinstance(sink, LegClosedListener):
                try:
                    sink.leg_closed(self.leg)
                except Exception:
                    self.sink_errors += 1
                    log.exception("transcript sink %r failed at the end of the leg", sink)

    def _dispatch(self, kind: str, payload: TranscriptFrame | LagReport) -> asyncio.Future[None]:
        if isinstance(payload, PartialTranscript | FinalTranscript):
            payload = self._redact(payload)  # no sink (console, database, log) ever sees card data

        def deliver() -> None:
            for sink in self._sinks:
                try:
                    getattr(sink, kind)(payload)
                except Exception:  # one broken sink must not starve the others
                    self.sink_errors += 1
                    log.exception("transcript sink %r failed", sink)

        return asyncio.get_running_loop().run_in_executor(self._sink_thread, deliver)

    async def _consume(self) -> None:
        stream = self.stream
        while True:
            try:
                async for result in stream:
                    if isinstance(result, FinalTranscript):
                        self.finals += 1
                        self._dispatch("final", result)
                    elif isinstance(result, PartialTranscript):
                        self.partials += 1
                        self._dispatch("partial", result)
                return
            except RecognizerError as exc:
                # The engine failed on one piece of audio (counted by the stream); the leg goes on.
                log.warning("%s: %s (recoverable=%s)", self.leg, exc, exc.recoverable)
                if not exc.recoverable:
                    return
