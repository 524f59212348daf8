"""One leg's RTP stream: validation, per-SSRC reordering, decoding and resampling to 16 kHz.

This is the only place that turns wire bytes into :class:`~asr.frames.AudioFrame`. Frames carry the
leg clock: seconds since the leg was allocated, re-anchored to the wall clock whenever the stream
resumes after a pause (Asterisk sends nothing while a bridge is silent), so both legs of a call
line up.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from asr.audio import PIPELINE_RATE, Resampler
from asr.frames import AudioFrame, LegRef
from asr.media.codecs import Codec
from asr.media.jitter import JitterBuffer, JitterStats
from asr.media.rtp import RtpPacket, RtpParseError, parse_rtp

log = logging.getLogger(__name__)

MAX_DATAGRAM = 1500  # one Ethernet MTU; externalMedia sends 172 (ulaw) or 652 (slin16) bytes
MAX_SSRCS = 4  # sources remembered per port, so a flood of SSRCs cannot grow memory


class LegAudioConsumer(Protocol):
    """Where a leg's audio goes (a :class:`asr.pipeline.LegPipeline` in production)."""

    def push_frame(self, frame: AudioFrame) -> None: ...

    def end_of_audio(self) -> None: ...


@dataclass(slots=True)
class _Source:
    ssrc: int
    jitter: JitterBuffer
    resampler: Resampler
    last_seen: float


@dataclass(slots=True)
class StreamCounters:
    packets: int = 0
    bytes: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    ssrc_changes: int = 0
    idle_flushes: int = 0
    silence_filled_seconds: float = 0.0
    audio_seconds: float = 0.0


class RtpLegStream:
    """Receives datagrams for one leg and hands 16 kHz frames to ``consumer``."""

    def __init__(
        self,
        leg: LegRef,
        codec: Codec,
        consumer: LegAudioConsumer,
        *,
        jitter_packets: int = 3,
        clock: Callable[[], float] = time.monotonic,
        elapsed: float = 0.0,
    ) -> None:
        self.leg = leg
        self.codec = codec
        self.consumer = consumer
        self.counters = StreamCounters()
        self.peer: tuple[str, int] | None = None  # Asterisk's address: where replies go
        self._jitter_packets = jitter_packets
        self._clock = clock
        # A leg re-tapped after its worker died continues its clock, so segment times never repeat.
        self._origin = clock() - elapsed
        self._payload_type = codec.payload_type
        self._sources: dict[int, _Source] = {}
        self._active: _Source | None = None
        self._run_anchor: float | None = None  # leg time of the current contiguous run
        self._run_samples = 0
        self.last_packet_at: float | None = None

    # ---- input ----------------------------------------------------------------------------------
    def datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        """One UDP datagram; anything unusable is counted by reason and dropped."""
        if len(data) > MAX_DATAGRAM:
            self.counters.dropped["oversized"] += 1
            return
        try:
            packet = parse_rtp(data)
        except RtpParseError as exc:
            self.counters.dropped[exc.reason] += 1
            return
        if not self._payload_type_ok(packet):
            self.counters.dropped["payload_type"] += 1
            return
        if not packet.payload or len(packet.payload) % self.codec.bytes_per_sample:
            self.counters.dropped["payload_size"] += 1
            return
        if self.peer is None:
            self.peer = addr
        elif addr != self.peer:
            # Strict RTP: audio for this leg comes from the address that spoke first.
            self.counters.dropped["foreign_source"] += 1
            return
        self.counters.packets += 1
        self.counters.bytes += len(data)
        self.last_packet_at = self._clock()
        source = self._source_for(packet)
        for released in source.jitter.push(packet, self.codec.samples_in(packet.payload)):
            if released.packet is not None:
                self._emit(source, self.codec.decode(released.packet.payload))
            else:
                self._emit(source, np.zeros(released.silence_samples, dtype=np.int16))
                self.counters.silence_filled_seconds += released.silence_samples / self.codec.sample_rate

    def idle_check(self, timeout: float) -> bool:
        """Flush if nothing arrived for ``timeout`` seconds (a stream that stopped mid-word)."""
        if self._active is None or self.last_packet_at is None or self._run_anchor is None:
            return False
        if self._clock() - self.last_packet_at < timeout:
            return False
        self.counters.idle_flushes += 1
        self._end_run()
        return True

    def close(self) -> None:
        """Release everything held and tell the consumer the audio ended."""
        if self._active is not None:
            self._end_run()

    # ---- internals ------------------------------------------------------------------------------
    def _payload_type_ok(self, packet: RtpPacket) -> bool:
        if self._payload_type is None:
            if 96 <= packet.payload_type <= 127:  # slin16 uses a dynamic type: lock to the first one
                self._payload_type = packet.payload_type
                return True
            return False
        return packet.payload_type == self._payload_type

    def _source_for(self, packet: RtpPacket) -> _Source:
        source = self._sources.get(packet.ssrc)
        if source is None:
            if len(self._sources) >= MAX_SSRCS:
                oldest = min(self._sources.values(), key=lambda s: s.last_seen)
                del self._sources[oldest.ssrc]
            source = _Source(
                packet.ssrc,
                JitterBuffer(self._jitter_packets),
                Resampler(self.codec.sample_rate),
                self._clock(),
            )
            self._sources[packet.ssrc] = source
        source.last_seen = self._clock()
        if source is not self._active:
            # Asterisk changes SSRC when the bridge is rebuilt: finish the old source's audio first.
            if self._active is not None:
                self.counters.ssrc_changes += 1
                self._end_run()
            self._active = source
        return source

    def _emit(self, source: _Source, pcm: np.ndarray) -> None:
        if self._run_anchor is None:
            self._run_anchor = self._clock() - self._origin
            self._run_samples = 0
        out = source.resampler.process(pcm)
        if not len(out):
            return
        stamp = self._run_anchor + self._run_samples / PIPELINE_RATE
        self._run_samples += len(out)
        self.counters.audio_seconds += len(out) / PIPELINE_RATE
        self.consumer.push_frame(AudioFrame(self.leg, out, PIPELINE_RATE, stamp))

    def _end_run(self) -> None:
        source = self._active
        if source is not None:
            for released in source.jitter.flush():
                if released.packet is not None:
                    self._emit(source, self.codec.decode(released.packet.payload))
            tail = source.resampler.process(np.zeros(0, dtype=np.int16), last=True)
            if len(tail) and self._run_anchor is not None:
                stamp = self._run_anchor + self._run_samples / PIPELINE_RATE
                self.consumer.push_frame(AudioFrame(self.leg, tail, PIPELINE_RATE, stamp))
            # A fresh resampler for the next run (the flushed one cannot be reused).
            source.resampler = Resampler(self.codec.sample_rate)
        self._active = None
        self._run_anchor = None
        self.consumer.end_of_audio()

    def stats(self) -> dict[str, object]:
        jitter = JitterStats()
        for source in self._sources.values():
            for name in ("received", "released", "duplicates", "late", "lost", "reordered", "restarts"):
                setattr(jitter, name, getattr(jitter, name) + getattr(source.jitter.stats, name))
        return {
            "leg": str(self.leg),
            "codec": self.codec.name,
            "packets": self.counters.packets,
            "audio_seconds": round(self.counters.audio_seconds, 3),
            "dropped": dict(self.counters.dropped),
            "duplicates": jitter.duplicates,
            "late": jitter.late,
            "lost": jitter.lost,
            "reordered": jitter.reordered,
            "ssrc_changes": self.counters.ssrc_changes,
            "idle_flushes": self.counters.idle_flushes,
            "silence_filled_seconds": round(self.counters.silence_filled_seconds, 3),
        }
