"""Real synthesis with Piper's packaged voice and the system espeak-ng."""

from __future__ import annotations

import time
import wave
from pathlib import Path

import numpy as np
import pytest

from telephony.ivr.prompts import EspeakEngine, PiperEngine, PromptRenderer

pytestmark = pytest.mark.integration


def read_8k(path: Path) -> np.ndarray:
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)


def speech_like(samples: np.ndarray) -> bool:
    """Loud enough over time, with quiet gaps between words (not a tone, not silence)."""
    frames = samples[: len(samples) // 160 * 160].reshape(-1, 160)  # 20 ms frames
    rms = np.sqrt((frames**2).mean(axis=1))
    loud = rms > 300
    return 0.3 < loud.mean() < 0.98 and rms.max() > 1500


def test_piper_says_an_english_prompt_as_8khz_speech_and_the_second_call_is_cached(tmp_path: Path) -> None:
    piper = PiperEngine()
    renderer = PromptRenderer(tmp_path, engines=[piper])
    prompt = renderer.render("Thank you for calling. Please hold while I connect you.", "en")
    samples = read_8k(prompt.path)
    assert prompt.voice.startswith("piper:") and prompt.synthesised
    assert 2.0 < len(samples) / 8000 < 8.0
    assert speech_like(samples)
    started = time.perf_counter()
    again = renderer.render("Thank you for calling. Please hold while I connect you.", "en")
    assert again.path == prompt.path and not again.synthesised
    assert time.perf_counter() - started < 0.05


def test_espeak_says_a_spanish_prompt(tmp_path: Path) -> None:
    renderer = PromptRenderer(tmp_path, engines=[PiperEngine(), EspeakEngine()])
    prompt = renderer.render("Gracias por llamar. Le pasamos con un agente.", "es")
    assert prompt.voice == "espeak-ng:es"
    assert speech_like(read_8k(prompt.path))
