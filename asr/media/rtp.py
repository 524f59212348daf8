"""RTP (RFC 3550) packet parsing and building; nothing here trusts the sender."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from config.errors import MalformedRequestError

HEADER = struct.Struct("!BBHII")
RTCP_TYPES = range(200, 205)  # SR, RR, SDES, BYE, APP: second byte when RTCP shares the port


class RtpParseError(MalformedRequestError, ValueError):
    """The datagram is not a usable RTP packet; the reason names the counter to bump.

    A kind of :class:`MalformedRequestError` like every refused input; still a ``ValueError`` for
    callers that catch that.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class RtpPacket:
    payload_type: int
    marker: bool
    sequence: int
    timestamp: int
    ssrc: int
    payload: bytes


def parse_rtp(data: bytes) -> RtpPacket:
    """Parse one datagram or raise :class:`RtpParseError` (``short``, ``version``, ``rtcp``, ...)."""
    if len(data) < HEADER.size:
        raise RtpParseError("short")
    first, second, sequence, timestamp, ssrc = HEADER.unpack_from(data)
    if first >> 6 != 2:
        raise RtpParseError("version")
    if second in RTCP_TYPES:
        raise RtpParseError("rtcp")
    offset = HEADER.size + 4 * (first & 0x0F)
    if first & 0x10:  # header extension: 16-bit profile, 16-bit length in 32-bit words
        if len(data) < offset + 4:
            raise RtpParseError("truncated")
        (words,) = struct.unpack_from("!H", data, offset + 2)
        offset += 4 + 4 * words
    end = len(data)
    if first & 0x20:  # padding: the last byte says how many bytes to drop
        end -= data[-1]
    if offset > end:
        raise RtpParseError("truncated")
    return RtpPacket(second & 0x7F, bool(second & 0x80), sequence, timestamp, ssrc, bytes(data[offset:end]))


def build_rtp(
    payload_type: int, sequence: int, timestamp: int, ssrc: int, payload: bytes, marker: bool = False
) -> bytes:
    second = (0x80 if marker else 0) | (payload_type & 0x7F)
    return HEADER.pack(0x80, second, sequence & 0xFFFF, timestamp & 0xFFFFFFFF, ssrc & 0xFFFFFFFF) + payload
