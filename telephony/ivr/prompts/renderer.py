"""Prompt text -> 8 kHz mono 16-bit WAV that Asterisk plays with ``sound:<path without extension>``.

Files are named by a hash of (text, voice, language), so the same prompt is synthesised once and a
changed text gets a new file. The directory is the caller's: the controller points it into the
sounds directory Asterisk reads (inside the sandbox chroot), and gives the path Asterisk sees it by.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import wave
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import numpy as np
import soxr

from telephony.ivr.prompts.engines import EspeakEngine, PiperEngine, Speech, TtsEngine
from telephony.ivr.prompts.exceptions import PromptError

log = logging.getLogger(__name__)
ASTERISK_RATE = 8000
MAX_PROMPT_CHARS = 2000


@dataclass(frozen=True, slots=True)
class RenderedPrompt:
    """A prompt on disk: ``path`` (the WAV) and ``media`` (what to hand to ARI's play)."""

    path: Path
    media: str
    voice: str
    synthesised: bool  # False when it came from the cache


def prompt_key(text: str, voice: str, language: str) -> str:
    return hashlib.sha256(f"{voice}\x00{language}\x00{text}".encode()).hexdigest()[:32]


def to_telephone_audio(speech: Speech) -> np.ndarray:
    """Resample to 8 kHz int16 (soxr's filter keeps the band below 4 kHz clean of aliasing)."""
    audio = speech.samples.astype(np.float32) / 32768.0
    if speech.sample_rate != ASTERISK_RATE:
        audio = soxr.resample(audio, speech.sample_rate, ASTERISK_RATE, quality="HQ")
    return np.clip(np.round(audio * 32767.0), -32768, 32767).astype("<i2")


def write_wav_atomically(path: Path, samples: np.ndarray, rate: int = ASTERISK_RATE) -> None:
    """Write then rename, so a controller never plays a half-written file."""
    fd, tmp = tempfile.mkstemp(prefix=".prompt-", suffix=".wav", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle, wave.open(handle, "wb") as wav:
            wav.setnchannels(1)
            wav.setsampwidth(2)
            wav.setframerate(rate)
            wav.writeframes(samples.tobytes())
        os.chmod(tmp, 0o644)  # Asterisk runs as another user in the sandbox
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class PromptRenderer:
    """Synthesises and caches prompts; Piper first for English, espeak-ng for the rest or on failure."""

    def __init__(
        self,
        cache_dir: Path,
        *,
        asterisk_dir: PurePosixPath | None = None,
        engines: Sequence[TtsEngine] | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.asterisk_dir = asterisk_dir or PurePosixPath(cache_dir.resolve().as_posix())
        self.engines: Sequence[TtsEngine] = (
            engines if engines is not None else (PiperEngine(), EspeakEngine())
        )

    def media_for(self, path: Path) -> str:
        return f"sound:{self.asterisk_dir / path.stem}"

    def media(self, *, text: str | None, sound: str | None, language: str) -> str:
        """The ARI media URI for an IVR ``Play``: Asterisk's own sound, or the synthesised text."""
        if sound:
            return f"sound:{sound}"
        return self.render(text or "", language).media

    def render(self, text: str, language: str) -> RenderedPrompt:
        """The cached prompt for ``text`` in ``language``, synthesising it if needed.

        Raises:
            PromptError: the text is empty or too long, or every engine failed.
        """
        text = " ".join(text.split())
        if not text or len(text) > MAX_PROMPT_CHARS:
            raise PromptError(f"prompt text must have 1..{MAX_PROMPT_CHARS} characters")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        failures = []
        for engine in self.engines:
            voice = engine.voice_id(language)
            if voice is None:
                continue
            path = self.cache_dir / f"{prompt_key(text, voice, language)}.wav"
            if path.exists():
                return RenderedPrompt(path, self.media_for(path), voice, synthesised=False)
            try:
                samples = to_telephone_audio(engine.synthesize(text, language))
            except (PromptError, OSError, RuntimeError, ValueError) as exc:
                log.warning("prompt synthesis with %s failed: %s", voice, exc)
                failures.append(f"{voice}: {exc}")
                continue
            write_wav_atomically(path, samples)
            return RenderedPrompt(path, self.media_for(path), voice, synthesised=True)
        raise PromptError(f"no engine could say a {language!r} prompt ({'; '.join(failures) or 'none'})")
