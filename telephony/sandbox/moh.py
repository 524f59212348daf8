"""Music on hold that Voxdesk makes itself, so no audio file is ever shipped or downloaded.

A soft four-chord loop (I-vi-IV-V in C) synthesised with numpy as 8 kHz mono 16-bit WAV, the format
Asterisk plays to G.711 callers without transcoding. Each chord fades in and out so the loop has no
clicks at its seams.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np

RATE = 8000
CHORD_SECONDS = 1.5
PEAK = 0.35  # of full scale: clearly audible, far from clipping after G.711
LOOP_NAME = "voxdesk-chords.wav"

# Frequencies (Hz) of each chord's notes: C major, A minor, F major, G major around middle C.
CHORDS: tuple[tuple[float, ...], ...] = (
    (261.63, 329.63, 392.00),
    (220.00, 261.63, 329.63),
    (174.61, 220.00, 261.63),
    (196.00, 246.94, 293.66),
)


def chord_loop(rate: int = RATE, chord_seconds: float = CHORD_SECONDS) -> np.ndarray:
    """The loop as int16 samples."""
    t = np.arange(int(rate * chord_seconds)) / rate
    fade = np.minimum(1.0, np.minimum(t, chord_seconds - t) / 0.15)  # 150 ms in and out
    parts = []
    for notes in CHORDS:
        tone = sum(np.sin(2 * np.pi * f * t) + 0.2 * np.sin(4 * np.pi * f * t) for f in notes)
        parts.append(tone / (1.2 * len(notes)) * fade)
    signal = np.concatenate(parts)
    return (signal / np.max(np.abs(signal)) * PEAK * 32767).astype("<i2")


def ensure_moh_files(directory: Path) -> Path:
    """Write the default class's loop into ``directory`` unless it is already there; returns its path."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / LOOP_NAME
    if path.exists() and path.stat().st_size > 44:
        return path
    tmp = path.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(chord_loop().tobytes())
    tmp.replace(path)  # Asterisk never finds a half-written file
    return path
