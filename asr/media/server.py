"""The media worker's RTP side: a pool of UDP ports, one leg per port.

``allocate_port`` binds a free port in the range and attaches a consumer (the leg's pipeline);
telephony then points an ARI externalMedia channel at ``host:port``. A watchdog flushes legs whose
RTP stopped (idle timeout) so the last words are recognised even if no hang-up arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

from asr.exceptions import MediaError
from asr.frames import LegRef, PcmArray
from asr.media.codecs import codec_named
from asr.media.sender import RtpSender
from asr.media.stream import LegAudioConsumer, RtpLegStream

log = logging.getLogger(__name__)


class _LegProtocol(asyncio.DatagramProtocol):
    def __init__(self, stream: RtpLegStream) -> None:
        self.stream = stream
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            self.stream.datagram(data, addr)
        except Exception:  # a bug on one leg must not take the port (or the worker) down
            self.stream.counters.dropped["error"] += 1
            log.exception("RTP handling failed on %s", self.stream.leg)

    def error_received(self, exc: Exception) -> None:
        self.stream.counters.dropped["socket_error"] += 1


@dataclass(slots=True)
class Allocation:
    leg: LegRef
    host: str
    port: int
    codec: str
    protocol: _LegProtocol

    @property
    def stream(self) -> RtpLegStream:
        return self.protocol.stream


class RtpServer:
    """Binds ports for legs and routes their datagrams; runs inside one asyncio loop."""

    def __init__(
        self,
        host: str,
        port_range: tuple[int, int],
        *,
        idle_timeout: float = 1.0,
        jitter_packets: int = 3,
    ) -> None:
        self.host = host
        self.port_range = port_range
        self.idle_timeout = idle_timeout
        self.jitter_packets = jitter_packets
        self.legs: dict[LegRef, Allocation] = {}
        self._watchdog: asyncio.Task[None] | None = None

    async def start(self) -> RtpServer:
        self._watchdog = asyncio.create_task(self._watch_idle(), name="rtp-idle-watchdog")
        return self

    async def allocate_port(
        self, leg: LegRef, codec: str, consumer: LegAudioConsumer, elapsed: float = 0.0
    ) -> Allocation:
        """Bind a free port for ``leg``; raises :class:`MediaError` when the range is exhausted.

        ``elapsed``: seconds the leg was already transcribed elsewhere (its clock starts there)."""
        if leg in self.legs:
            raise MediaError(f"leg {leg} already has port {self.legs[leg].port}", recoverable=False)
        wire = codec_named(codec)
        used = {a.port for a in self.legs.values()}
        loop = asyncio.get_running_loop()
        for port in range(self.port_range[0], self.port_range[1] + 1):
            if port in used:
                continue
            stream = RtpLegStream(leg, wire, consumer, jitter_packets=self.jitter_packets, elapsed=elapsed)
            try:
                _transport, protocol = await loop.create_datagram_endpoint(
                    functools.partial(_LegProtocol, stream), local_addr=(self.host, port)
                )
            except OSError:
                continue  # taken by another process
            allocation = Allocation(leg, self.host, port, codec, protocol)
            self.legs[leg] = allocation
            log.info("leg %s on %s:%d (%s)", leg, self.host, port, codec)
            return allocation
        raise MediaError(f"no free RTP port in {self.port_range[0]}-{self.port_range[1]}")

    def release(self, leg: LegRef) -> dict[str, object]:
        """Close the leg's port; returns its final counters."""
        allocation = self.legs.pop(leg, None)
        if allocation is None:
            raise MediaError(f"unknown leg {leg}", recoverable=False)
        allocation.stream.close()
        if allocation.protocol.transport is not None:
            allocation.protocol.transport.close()
        return allocation.stream.stats()

    async def play(self, leg: LegRef, pcm: PcmArray, sample_rate: int) -> float:
        """Play audio into the call on this leg's path (mu-law RTP back to Asterisk)."""
        allocation = self.legs.get(leg)
        if allocation is None:
            raise MediaError(f"unknown leg {leg}", recoverable=False)
        peer = allocation.stream.peer
        transport = allocation.protocol.transport
        if peer is None or transport is None:
            raise MediaError(f"leg {leg} has not received RTP yet, so its return address is unknown")
        return await RtpSender(transport, peer).play(pcm, sample_rate)

    async def close(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watchdog
        for leg in list(self.legs):
            self.release(leg)

    async def _watch_idle(self, every: float = 0.1) -> None:
        while True:
            await asyncio.sleep(every)
            for allocation in list(self.legs.values()):
                try:
                    allocation.stream.idle_check(self.idle_timeout)
                except Exception:
                    log.exception("idle flush failed on %s", allocation.leg)

    def stats(self) -> list[dict[str, object]]:
        return [a.stream.stats() | {"port": a.port} for a in self.legs.values()]


ConsumerFactory = Callable[[LegRef], LegAudioConsumer]
