"""Both VAD engines on real synthesised speech: segments start and end where the sentences do."""

from __future__ import annotations

import numpy as np
import pytest
from speech_audio import CUSTOMER_SENTENCES, phone_band, piper_16k, silence

from asr.audio import resample
from asr.frames import AudioFrame, LegRef, SpeechSegment
from asr.vad import SpeechSegmenter, make_vad

pytestmark = pytest.mark.integration

LEG = LegRef("vad", "caller")


def three_sentences(noise_db: float | None = None) -> tuple[np.ndarray, list[tuple[float, float]]]:
    parts, spans, now = [silence(1.0)], [], 1.0
    for text in CUSTOMER_SENTENCES[:3]:
        speech = piper_16k(text)
        parts += [speech, silence(1.5)]
        spans.append((now, now + len(speech) / 16000))
        now += len(speech) / 16000 + 1.5
    audio = resample(phone_band(np.concatenate(parts)), 8000, 16000)
    if noise_db is not None:
        rms = np.sqrt(
            np.mean(np.concatenate([piper_16k(t) for t in CUSTOMER_SENTENCES[:3]]).astype(float) ** 2)
        )
        noise = np.random.default_rng(3).normal(0, rms / 10 ** (noise_db / 20), len(audio))
        audio = np.clip(audio + noise, -32768, 32767).astype(np.int16)
    return audio, spans


def segments_of(kind: str, audio: np.ndarray) -> list[SpeechSegment]:
    segmenter = SpeechSegmenter(make_vad(kind, 16000, 3), LEG, padding_ms=200, hangover_ms=500)
    out = []
    for i in range(0, len(audio), 320):
        out += segmenter.push(AudioFrame(LEG, audio[i : i + 320], 16000, i / 16000))
    out += segmenter.flush()
    return [o for o in out if isinstance(o, SpeechSegment)]


@pytest.mark.parametrize("kind", ["webrtc", "silero"])
def test_each_sentence_becomes_one_segment_with_matching_times(kind):
    audio, spans = three_sentences()
    segments = segments_of(kind, audio)
    assert len(segments) == len(spans), segments
    for segment, (start, end) in zip(segments, spans, strict=True):
        assert start - 0.45 <= segment.start <= start + 0.15
        assert end - 0.25 <= segment.end <= end + 0.35


def test_silero_still_separates_the_sentences_on_a_noisy_line():
    audio, spans = three_sentences(noise_db=5)
    segments = segments_of("silero", audio)
    assert len(segments) == len(spans), segments
    for segment, (start, end) in zip(segments, spans, strict=True):
        assert segment.start < end and segment.end > start
