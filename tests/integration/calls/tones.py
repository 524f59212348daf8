"""Pure tones as the parties' voices: who heard whom is read from a recording's spectrum.

Each party plays its own frequency for the whole call, so "the caller heard the supervisor" is
"the caller's recording holds the supervisor's tone", whatever the exact timing of joins and answers.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 8000
CALLER_HZ, AGENT_HZ, SUPERVISOR_HZ = 450.0, 1250.0, 2300.0


def write_tone(path: Path, hz: float, seconds: float = 30.0, amplitude: float = 0.3) -> Path:
    t = np.arange(int(RATE * seconds)) / RATE
    samples = (amplitude * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
    return path


def read_samples(path: Path) -> tuple[np.ndarray, int]:
    with wave.open(str(path), "rb") as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    if channels > 1:
        samples = samples.reshape(-1, channels).mean(axis=1)
    return samples, rate


def tone_rms(path: Path, hz: float, width: float = 40.0) -> float:
    """RMS (16-bit scale) of the recording's content within ``width`` Hz of ``hz``, over the whole file."""
    samples, rate = read_samples(path)
    if len(samples) == 0:
        return 0.0
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    band = np.abs(freqs - hz) <= width
    # Parseval: sum of |X|^2 over the band (both halves of the spectrum) -> mean square in time
    power = 2 * np.sum(np.abs(spectrum[band]) ** 2) / len(samples) ** 2
    return float(np.sqrt(power))


def heard(path: Path, hz: float) -> bool:
    """The tone is clearly present (a 0.3 full-scale tone heard for a second or more gives > 300)."""
    return tone_rms(path, hz) > 150.0


def silent_seconds(path: Path, threshold: float = 200.0) -> float:
    """Seconds of 20 ms frames quieter than ``threshold``."""
    samples, rate = read_samples(path)
    frame = int(rate * 0.02)
    usable = len(samples) - len(samples) % frame
    if usable == 0:
        return 0.0
    rms = np.sqrt((samples[:usable].reshape(-1, frame) ** 2).mean(axis=1))
    return float(np.sum(rms < threshold) * 0.02)
