"""Warm-up speech: synthesised offline with the packaged Piper voice in the phone band, cached; or a WAV."""

from __future__ import annotations

import numpy as np
import pytest

from asr.audio import write_wav
from asr.warmup import warmup_audio

pytestmark = pytest.mark.integration


def test_the_warm_up_speech_is_synthesised_once_then_read_from_the_cache(tmp_path):
    first = warmup_audio(tmp_path)
    assert first is not None and first.dtype == np.int16
    seconds = len(first) / 16000
    assert 15 < seconds < 60, seconds  # five spoken sentences
    # Telephone band: next to nothing above 4 kHz, as on a live leg.
    spectrum = np.abs(np.fft.rfft(first.astype(np.float64)))
    frequencies = np.fft.rfftfreq(len(first), 1 / 16000)
    assert spectrum[frequencies > 4200].sum() < 0.02 * spectrum.sum()
    cached = list((tmp_path / "asr-warmup").glob("*.wav"))
    assert len(cached) == 1
    np.testing.assert_array_equal(warmup_audio(tmp_path), first)


def test_an_admins_wav_is_resampled_to_the_pipeline_rate(tmp_path):
    tone = (3000 * np.sin(2 * np.pi * 440 * np.arange(8000 * 2) / 8000)).astype(np.int16)
    write_wav(tmp_path / "mine.wav", 8000, tone)
    audio = warmup_audio(tmp_path / "cache", tmp_path / "mine.wav")
    assert audio is not None and abs(len(audio) - 32000) <= 2
    assert not (tmp_path / "cache").exists()  # nothing synthesised
