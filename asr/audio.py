"""Resampling and WAV reading shared by the media edge and ``voxdesk analyze``."""

from __future__ import annotations

import wave
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soxr

from asr.frames import PcmArray

PIPELINE_RATE = 16000


class Resampler:
    """Streaming resampler for one stream (keeps filter state across 20 ms chunks)."""

    def __init__(self, in_rate: int, out_rate: int = PIPELINE_RATE) -> None:
        self.in_rate = in_rate
        self.out_rate = out_rate
        self._stream = (
            None if in_rate == out_rate else soxr.ResampleStream(in_rate, out_rate, 1, dtype="int16")
        )

    def process(self, pcm: PcmArray, last: bool = False) -> PcmArray:
        if self._stream is None:
            return pcm
        return np.asarray(self._stream.resample_chunk(pcm, last=last), dtype=np.int16)


def resample(pcm: PcmArray, in_rate: int, out_rate: int = PIPELINE_RATE) -> PcmArray:
    """Resample a whole clip."""
    if in_rate == out_rate:
        return pcm
    return np.asarray(soxr.resample(pcm, in_rate, out_rate), dtype=np.int16)


@dataclass(frozen=True, slots=True)
class WavAudio:
    """A WAV file's channels as int16 arrays."""

    sample_rate: int
    channels: tuple[PcmArray, ...]

    @property
    def duration(self) -> float:
        return len(self.channels[0]) / self.sample_rate if self.channels else 0.0


def read_wav(path: Path) -> WavAudio:
    """Read a 16-bit PCM WAV (mono or multi-channel)."""
    with wave.open(str(path), "rb") as wav:
        if wav.getsampwidth() != 2:
            raise ValueError(f"{path}: only 16-bit PCM WAV is supported (got {8 * wav.getsampwidth()}-bit)")
        channels = wav.getnchannels()
        data = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.int16)
        rate = wav.getframerate()
    usable = len(data) - len(data) % channels
    interleaved = data[:usable].reshape(-1, channels)
    return WavAudio(rate, tuple(np.ascontiguousarray(interleaved[:, i]) for i in range(channels)))


def write_wav(path: Path, sample_rate: int, *channels: PcmArray) -> None:
    """Write int16 channels (equal length) as one WAV (tests and tools)."""
    length = max(len(c) for c in channels)
    stacked = np.zeros((length, len(channels)), dtype="<i2")
    for i, channel in enumerate(channels):
        stacked[: len(channel), i] = channel
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(len(channels))
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(stacked.tobytes())
