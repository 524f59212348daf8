"""Wire codecs, in one place at the media edge: G.711 mu-law / A-law and big-endian L16.

Decoding uses 256-entry numpy lookup tables (exact G.711, no ``audioop``, which Python 3.13 removed);
encoding mu-law (for audio we play back into a call) uses a 65536-entry table built once.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asr.frames import PcmArray


def _ulaw_decode_table() -> PcmArray:
    codes = ~np.arange(256, dtype=np.int32) & 0xFF
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = (((mantissa << 3) + 0x84) << exponent) - 0x84
    return np.where(sign != 0, -magnitude, magnitude).astype(np.int16)


def _alaw_decode_table() -> PcmArray:
    codes = np.arange(256, dtype=np.int32) ^ 0x55
    sign = codes & 0x80
    exponent = (codes >> 4) & 0x07
    mantissa = codes & 0x0F
    magnitude = np.where(
        exponent == 0, (mantissa << 4) + 8, ((mantissa << 4) + 0x108) << np.maximum(exponent - 1, 0)
    )
    return np.where(sign != 0, magnitude, -magnitude).astype(np.int16)


def _ulaw_encode_table() -> np.ndarray:
    # The classic G.711 reference encoder (14-bit magnitude, bias 33), as in Sun's g711.c.
    samples = np.arange(-32768, 32768, dtype=np.int32) >> 2
    negative = samples < 0
    mask = np.where(negative, 0x7F, 0xFF)
    magnitude = np.minimum(np.where(negative, -samples, samples), 8159) + 33
    segment = np.searchsorted(np.array([0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF]), magnitude)
    code = np.where(segment >= 8, 0x7F, (segment << 4) | ((magnitude >> (segment + 1)) & 0x0F))
    return ((code ^ mask) & 0xFF).astype(np.uint8)


ULAW_TO_PCM = _ulaw_decode_table()
ALAW_TO_PCM = _alaw_decode_table()
_PCM_TO_ULAW = _ulaw_encode_table()


def decode_ulaw(payload: bytes) -> PcmArray:
    return ULAW_TO_PCM[np.frombuffer(payload, dtype=np.uint8)]


def decode_alaw(payload: bytes) -> PcmArray:
    return ALAW_TO_PCM[np.frombuffer(payload, dtype=np.uint8)]


def decode_slin_be(payload: bytes) -> PcmArray:
    # L16 on the wire is network byte order; an odd trailing byte is a broken packet, ignore it.
    usable = len(payload) - (len(payload) % 2)
    return np.frombuffer(payload[:usable], dtype=">i2").astype(np.int16)


def encode_ulaw(pcm: PcmArray) -> bytes:
    return bytes(_PCM_TO_ULAW[pcm.astype(np.int32) + 32768].tobytes())


@dataclass(frozen=True, slots=True)
class Codec:
    """A payload format Asterisk can send to externalMedia."""

    name: str
    payload_type: int | None  # None: dynamic, accept what the stream uses
    sample_rate: int
    bytes_per_sample: int

    def decode(self, payload: bytes) -> PcmArray:
        if self.name == "ulaw":
            return decode_ulaw(payload)
        if self.name == "alaw":
            return decode_alaw(payload)
        return decode_slin_be(payload)

    def samples_in(self, payload: bytes) -> int:
        return len(payload) // self.bytes_per_sample


CODECS: dict[str, Codec] = {
    "ulaw": Codec("ulaw", 0, 8000, 1),
    "alaw": Codec("alaw", 8, 8000, 1),
    "slin": Codec("slin", None, 8000, 2),
    "slin16": Codec("slin16", None, 16000, 2),
}


def codec_named(name: str) -> Codec:
    try:
        return CODECS[name]
    except KeyError:
        raise ValueError(f"unsupported codec {name!r}; use one of {sorted(CODECS)}") from None
