"""The speech pipeline cannot be built without a redactor, and its sinks only see redacted frames."""

from __future__ import annotations

import inspect

import numpy as np
import pytest

from asr.engines.base import RecognizerSession, SpeechRecognizer
from asr.frames import AudioFrame, FinalTranscript, LegRef, PartialTranscript, TranscriptFrame
from asr.media.worker import MediaWorker
from asr.pipeline import LegPipeline, PipelineConfig
from asr.sinks import CollectingSink
from asr.vad import VadEngine
from qa.pci import LegRedactor

LEG = LegRef("call-1", "caller")


class CardReadingSession(RecognizerSession):
    """Hears a caller read out a card number after a cue said in the segment before."""

    engine_name = "fake"

    def __init__(self) -> None:
        self.segments = 0

    def accept(self, frame: AudioFrame) -> list[TranscriptFrame]:
        if self.segments == 0:
            return [PartialTranscript(LEG, "my card number is", frame.timestamp)]
        return [PartialTranscript(LEG, "four one one one one one one one one one", frame.timestamp)]

    def end_segment(self) -> list[FinalTranscript]:
        self.segments += 1
        if self.segments == 1:
            return [FinalTranscript(LEG, "my card number is", 0.0, 1.0, 0.9)]
        if self.segments == 2:
            # 12 digits, not Luhn: only the cue from the segment before makes it a card number.
            return [FinalTranscript(LEG, "4111 1111 1112", 1.5, 2.5, 0.9)]
        return []


class CardReadingRecognizer(SpeechRecognizer):
    name = "fake"
    streams_partials = True

    def session(self, leg: LegRef, *, phrases: list[str] | None = None) -> RecognizerSession:
        return CardReadingSession()


class LoudIsSpeech(VadEngine):
    sample_rate = 16000
    window_samples = 320

    def is_speech(self, window: np.ndarray) -> bool:
        return bool(np.abs(window.astype(int)).mean() > 500)


class ClosingSink(CollectingSink):
    closed: list[LegRef]

    def leg_closed(self, leg: LegRef) -> None:
        self.closed = [leg]


def test_a_pipeline_cannot_be_built_without_a_redactor() -> None:
    parameter = inspect.signature(LegPipeline).parameters["redactor"]
    assert parameter.default is inspect.Parameter.empty and parameter.kind is inspect.Parameter.KEYWORD_ONLY
    with pytest.raises(TypeError, match="redactor"):
        LegPipeline(LEG, CardReadingRecognizer(), LoudIsSpeech(), [])  # type: ignore[call-arg]
    worker = inspect.signature(MediaWorker).parameters["make_redactor"]
    assert worker.default is inspect.Parameter.empty


async def test_the_pipeline_hands_its_sinks_only_masked_transcripts_with_the_cue_carried_per_leg() -> None:
    sink = ClosingSink()
    config = PipelineConfig(padding_ms=0, hangover_ms=300)
    pipeline = LegPipeline(
        LEG, CardReadingRecognizer(), LoudIsSpeech(), [sink], config, redactor=LegRedactor()
    )
    await pipeline.start()
    loud, quiet = np.full(16000, 3000, np.int16), np.zeros(8000, np.int16)
    speech = np.concatenate([loud, quiet, loud, quiet])
    for i in range(0, len(speech), 320):
        pipeline.push_frame(AudioFrame(LEG, speech[i : i + 320], 16000, i / 16000))
    await pipeline.close()
    assert [f.text for f in sink.finals] == ["my card number is", "[card ••••1112]"]
    assert sink.partials
    assert all("one one" not in p.text for p in sink.partials)
    assert sink.closed == [LEG]  # told after the last words
