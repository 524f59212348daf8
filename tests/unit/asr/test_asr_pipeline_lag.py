"""The pipeline when recognition is slow or fails: lag is measured, drops are counted and reported,
the last words are delivered at hang-up. The recogniser is a fake at the real session interface."""

from __future__ import annotations

import time

import numpy as np
import pytest

from asr.engines.base import RecognizerSession, SpeechRecognizer
from asr.frames import AudioFrame, FinalTranscript, LegRef, PartialTranscript, TranscriptFrame, WordTiming
from asr.pipeline import LegPipeline, PipelineConfig
from asr.sinks import CollectingSink
from asr.vad import VadEngine


def unchanged(frame: TranscriptFrame) -> TranscriptFrame:
    """No redaction: these tests are about timing, not card data."""
    return frame


LEG = LegRef("call-lag", "caller")


class EnergyVad(VadEngine):
    sample_rate = 16000
    window_samples = 320

    def is_speech(self, window: np.ndarray) -> bool:
        return bool(np.abs(window.astype(int)).mean() > 500)


class SlowSession(RecognizerSession):
    """Takes ``rtf`` seconds per second of audio; says how much audio each segment held."""

    engine_name = "slow"

    def __init__(self, rtf: float, fail_on_segment: int | None) -> None:
        self.rtf = rtf
        self.fail_on_segment = fail_on_segment
        self.segment = 0
        self.heard = 0.0
        self.first: float | None = None

    def accept(self, frame: AudioFrame) -> list[TranscriptFrame]:
        time.sleep(frame.duration * self.rtf)
        self.first = frame.timestamp if self.first is None else self.first
        self.heard += frame.duration
        return [PartialTranscript(LEG, f"{self.heard:.2f}", self.first)]

    def end_segment(self) -> list[FinalTranscript]:
        self.segment += 1
        if self.segment == self.fail_on_segment:
            self.heard, self.first = 0.0, None
            raise RuntimeError("decoder blew up")
        if self.first is None:
            return []
        word = WordTiming(f"{self.heard:.2f}s", self.first, self.first + self.heard, 0.8)
        final = FinalTranscript(LEG, word.word, word.start, word.end, 0.8, (word,), "slow")
        self.heard, self.first = 0.0, None
        return [final]


class SlowRecognizer(SpeechRecognizer):
    name = "slow"
    streams_partials = True

    def __init__(self, rtf: float, fail_on_segment: int | None = None) -> None:
        self.rtf = rtf
        self.fail_on_segment = fail_on_segment

    def session(self, leg: LegRef, *, phrases: list[str] | None = None) -> RecognizerSession:
        return SlowSession(self.rtf, self.fail_on_segment)


def speech_then_pause(seconds: float, pause: float = 0.6) -> np.ndarray:
    return np.concatenate(
        [np.full(int(seconds * 16000), 3000, np.int16), np.zeros(int(pause * 16000), np.int16)]
    )


async def push_live(pipeline: LegPipeline, pcm: np.ndarray, start: float = 0.0) -> float:
    for i in range(0, len(pcm), 320):
        pipeline.push_frame(AudioFrame(LEG, pcm[i : i + 320], 16000, start + i / 16000))
    return start + len(pcm) / 16000


async def test_when_recognition_falls_behind_the_excess_is_dropped_counted_and_reported():
    sink = CollectingSink()
    config = PipelineConfig(padding_ms=0, hangover_ms=300, max_lag_seconds=2.0)
    pipeline = await LegPipeline(
        LEG, SlowRecognizer(rtf=0.5), EnergyVad(), [sink], config, redactor=unchanged
    ).start()
    clock = 0.0
    for _ in range(3):  # 3 x 1.5 s of speech arrive at once: 4.5 s of work for a 2 s queue
        clock = await push_live(pipeline, speech_then_pause(1.5), clock)
    lag_while_behind = pipeline.stream.lag_seconds
    await pipeline.close()
    stats = pipeline.stats()
    assert stats["dropped_segments"] >= 1 and stats["dropped_seconds"] > 0.5
    assert sink.lags and sink.lags[-1].dropped_segments == stats["dropped_segments"]
    assert lag_while_behind > 0.0 and stats["max_lag_seconds"] > 0.5
    # What was accepted was recognised in full; nothing accepted vanished.
    assert stats["recognised_seconds"] == pytest.approx(
        stats["speech_seconds"] + 0.9 - stats["dropped_seconds"], abs=0.7
    )
    assert len(sink.finals) >= 1 and stats["errors"] == 0


async def test_a_pipeline_that_keeps_up_drops_nothing_and_flushes_the_last_words_at_hang_up():
    sink = CollectingSink()
    config = PipelineConfig(padding_ms=0, hangover_ms=300, max_lag_seconds=10.0)
    pipeline = await LegPipeline(
        LEG, SlowRecognizer(rtf=0.05), EnergyVad(), [sink], config, redactor=unchanged
    ).start()
    clock = await push_live(pipeline, speech_then_pause(1.0))
    await push_live(pipeline, np.full(16000, 3000, np.int16), clock)  # hang-up mid-sentence
    await pipeline.close()
    assert pipeline.stats()["dropped_segments"] == 0 and not sink.lags
    assert [f.text for f in sink.finals] == ["1.30s", "1.00s"]
    assert sink.finals[-1].end == pytest.approx(clock + 1.0, abs=0.05)
    assert sink.partials


async def test_an_engine_error_on_one_segment_is_counted_and_the_leg_carries_on():
    sink = CollectingSink()
    config = PipelineConfig(padding_ms=0, hangover_ms=300)
    pipeline = await LegPipeline(
        LEG, SlowRecognizer(rtf=0.01, fail_on_segment=1), EnergyVad(), [sink], config, redactor=unchanged
    ).start()
    clock = await push_live(pipeline, speech_then_pause(0.5))
    await push_live(pipeline, speech_then_pause(0.7), clock)
    await pipeline.close()
    assert pipeline.stats()["errors"] == 1
    assert [f.text for f in sink.finals] == ["1.00s"]
