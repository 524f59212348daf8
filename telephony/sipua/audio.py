"""Audio helpers for the SIP agent and its checks: synthesise a prompt, measure a recording.

8 kHz mono 16-bit is the format of the pjsua2 conference bridge and of G.711, so prompts are made in
it and nothing is resampled inside a call.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from config.errors import VoxdeskError


def synthesise(text: str, out: Path, rate: int = 8000) -> Path:
    """Speak ``text`` with espeak-ng into ``out`` (WAV, ``rate`` Hz, mono, 16-bit)."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise VoxdeskError(f"{tool} is needed to synthesise speech; apt-get install {tool}")
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "espeak.wav"
        subprocess.run(["espeak-ng", "-v", "en-us", "-s", "150", "-w", str(raw), text], check=True)
        subprocess.run(["sox", str(raw), "-r", str(rate), "-c", "1", "-b", "16", str(out)], check=True)
    return out


@dataclass(frozen=True)
class WavStats:
    """Duration and loudness of a recording (RMS on the 16-bit scale, 0..32767)."""

    seconds: float
    rate: int
    frame_rms: np.ndarray  # one value per 20 ms frame

    @property
    def frame_seconds(self) -> float:
        """Length of one frame in ``frame_rms``."""
        return 0.02

    def rms(self, start: float = 0.0, end: float | None = None) -> float:
        """RMS over frames between ``start`` and ``end`` seconds."""
        first = int(start / self.frame_seconds)
        last = len(self.frame_rms) if end is None else int(end / self.frame_seconds)
        chunk = self.frame_rms[first:last]
        return float(np.sqrt(np.mean(chunk.astype(np.float64) ** 2))) if len(chunk) else 0.0

    def voiced_fraction(self, threshold: float = 500.0) -> float:
        """Share of frames louder than ``threshold`` (500 of 32767 separates speech from line silence)."""
        return float(np.mean(self.frame_rms > threshold)) if len(self.frame_rms) else 0.0


def wav_stats(path: Path) -> WavStats:
    """Read a 16-bit WAV (mono, or stereo averaged) and measure it in 20 ms frames."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit WAV is supported")
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    frame = int(rate * 0.02)
    usable = len(samples) - len(samples) % frame
    frames = samples[:usable].reshape(-1, frame) if usable else np.zeros((0, frame))
    frame_rms = np.sqrt((frames**2).mean(axis=1)) if usable else np.zeros(0)
    return WavStats(seconds=len(samples) / rate, rate=rate, frame_rms=frame_rms)
