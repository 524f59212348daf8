"""A small reordering buffer for one RTP source.

Packets are released in sequence order. A packet that is missing while ``depth`` later packets have
arrived is declared lost and replaced by silence of the same length (so the leg clock stays true);
packets that arrive after their slot was released, and duplicates, are dropped and counted.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from asr.media.rtp import RtpPacket

MAX_FILL_SAMPLES_FACTOR = 50  # never invent more than 50 packets of silence for one gap
RECENT_MEMORY = 128  # released sequence numbers remembered to tell duplicates from late packets
MAX_SEQUENCE_JUMP = 500  # a bigger jump is a restarted sender, not loss


@dataclass(slots=True)
class JitterStats:
    received: int = 0
    released: int = 0
    duplicates: int = 0
    late: int = 0
    lost: int = 0
    reordered: int = 0
    restarts: int = 0


@dataclass(frozen=True, slots=True)
class Released:
    """A packet to decode, or (``packet`` None) a gap of ``silence_samples`` to fill."""

    packet: RtpPacket | None
    silence_samples: int = 0


@dataclass(slots=True)
class JitterBuffer:
    depth: int = 3
    stats: JitterStats = field(default_factory=JitterStats)
    _pending: dict[int, RtpPacket] = field(default_factory=dict)
    _next: int | None = None  # extended sequence number expected next
    _highest: int | None = None
    _samples_per_packet: int = 160
    _released: set[int] = field(default_factory=set)
    _released_order: deque[int] = field(default_factory=deque)

    def _extend(self, sequence: int) -> int:
        """Unwrap the 16-bit sequence number near the one we expect."""
        if self._highest is None:
            return sequence
        base = self._highest & ~0xFFFF
        candidates = (base - 0x10000 + sequence, base + sequence, base + 0x10000 + sequence)
        return min(candidates, key=lambda c: abs(c - self._highest))  # type: ignore[operator]

    def push(self, packet: RtpPacket, samples: int) -> list[Released]:
        self.stats.received += 1
        if samples > 0:
            self._samples_per_packet = samples
        ext = self._extend(packet.sequence)
        out: list[Released] = []
        if self._next is not None and abs(ext - self._next) > MAX_SEQUENCE_JUMP:
            self.stats.restarts += 1
            out = self.flush()
            self._next = self._highest = None
            ext = packet.sequence
        if self._next is None:
            self._next = ext
        if ext < self._next:
            # Already played out: a copy of a packet we released is a duplicate, anything else late.
            if ext in self._released:
                self.stats.duplicates += 1
            else:
                self.stats.late += 1
            return out
        if ext in self._pending:
            self.stats.duplicates += 1
            return out
        if self._highest is not None and ext < self._highest:
            self.stats.reordered += 1
        self._highest = ext if self._highest is None else max(self._highest, ext)
        self._pending[ext] = packet
        return out + self._release(force=False)

    def flush(self) -> list[Released]:
        """Release everything held (the stream went quiet); gaps inside are filled."""
        out = self._release(force=True)
        self._pending.clear()
        return out

    def _remember(self, ext: int) -> None:
        self._released.add(ext)
        self._released_order.append(ext)
        if len(self._released_order) > RECENT_MEMORY:
            self._released.discard(self._released_order.popleft())

    def _release(self, force: bool) -> list[Released]:
        out: list[Released] = []
        while self._pending and self._next is not None:
            packet = self._pending.pop(self._next, None)
            if packet is not None:
                out.append(Released(packet))
                self.stats.released += 1
                self._remember(self._next)
                self._next += 1
                continue
            if not force and len(self._pending) < self.depth:
                break
            # The expected packet is overdue: count the gap as lost and fill it with silence.
            following = min(self._pending)
            missing = following - self._next
            self.stats.lost += missing
            fill = min(missing, MAX_FILL_SAMPLES_FACTOR) * self._samples_per_packet
            out.append(Released(None, fill))
            self._next = following
        return out
