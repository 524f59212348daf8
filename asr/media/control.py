"""How a controller picks a media worker and asks it for a port.

Each worker publishes its load to Redis under ``voxdesk:media:worker:<id>`` (JSON, refreshed every
second, expiring after a few, so a dead worker disappears; a worker restarted on the same control
port removes its dead predecessor's entry at once, and gets a new id, so controllers move the legs
the dead one had). The controller reads those keys, picks
the least-loaded worker, and sends it one JSON line over TCP::

    {"op": "allocate", "call_id": "c1", "leg": "agent", "codec": "ulaw", "speaker": "agent7", "elapsed": 0}
        -> {"ok": true, "worker_id": "w1", "host": "127.0.0.1", "port": 20000}
    {"op": "phrases", "call_id": "c1", "leg": "caller", "phrases": ["billing", "sales"]} -> {"ok": true}
    {"op": "release", "call_id": "c1", "leg": "caller"}  -> {"ok": true, "stats": {...}}
    {"op": "load"}                                       -> {"ok": true, "load": {...}}
    errors                                               -> {"ok": false, "error": "...", "recoverable": true}
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import redis.asyncio as aredis

from asr.exceptions import MediaError

WORKER_KEY_PREFIX = "voxdesk:media:worker:"
LOAD_TTL_SECONDS = 5
MAX_LINE = 1 << 20


@dataclass(frozen=True, slots=True)
class WorkerLoad:
    worker_id: str
    host: str
    control_port: int
    legs: int
    capacity: int
    cpu: float  # fraction of one core used by the worker process recently
    max_lag_seconds: float

    @property
    def score(self) -> float:
        """Lower is better: share of capacity used, plus a penalty for recognition lag."""
        return self.legs / max(1, self.capacity) + min(self.max_lag_seconds, 10.0) / 10.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "worker_id": self.worker_id,
            "host": self.host,
            "control_port": self.control_port,
            "legs": self.legs,
            "capacity": self.capacity,
            "cpu": self.cpu,
            "max_lag_seconds": self.max_lag_seconds,
        }


@dataclass(frozen=True, slots=True)
class PortAllocation:
    worker_id: str
    host: str
    port: int
    codec: str


class MediaWorkerClient:
    """Talks to one worker's control port."""

    def __init__(self, host: str, port: int, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout

    async def request(self, message: dict[str, Any]) -> dict[str, Any]:
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, limit=MAX_LINE), self.timeout
            )
        except (OSError, TimeoutError) as exc:
            raise MediaError(f"media worker {self.host}:{self.port} unreachable: {exc}") from exc
        try:
            writer.write(json.dumps(message).encode() + b"\n")
            await writer.drain()
            line = await asyncio.wait_for(reader.readline(), self.timeout)
        except (OSError, TimeoutError) as exc:
            raise MediaError(f"media worker {self.host}:{self.port} did not answer: {exc}") from exc
        finally:
            writer.close()
        if not line:
            raise MediaError(f"media worker {self.host}:{self.port} closed the connection")
        reply: dict[str, Any] = json.loads(line)
        if not reply.get("ok"):
            raise MediaError(str(reply.get("error")), recoverable=bool(reply.get("recoverable")))
        return reply

    async def allocate_port(
        self,
        call_id: str,
        leg: str,
        codec: str = "ulaw",
        phrases: list[str] | None = None,
        speaker: str | None = None,
        elapsed: float = 0.0,
        queue: str | None = None,
    ) -> PortAllocation:
        """A port for one leg; ``speaker`` (an agent id) is stored with the leg's segments;
        ``elapsed`` continues the leg clock of a leg moved from a worker that died; ``queue`` (the
        call's, on an agent leg) scopes the compliance rules live QA applies."""
        request = {
            "op": "allocate",
            "call_id": call_id,
            "leg": leg,
            "codec": codec,
            "phrases": phrases,
            "speaker": speaker,
            "elapsed": elapsed,
            "queue": queue,
        }
        reply = await self.request(request)
        return PortAllocation(str(reply["worker_id"]), str(reply["host"]), int(reply["port"]), codec)

    async def set_phrases(self, call_id: str, leg: str, phrases: list[str] | None) -> None:
        """IVR speech menu on this leg: only these phrases are recognised (None: free speech)."""
        await self.request({"op": "phrases", "call_id": call_id, "leg": leg, "phrases": phrases})

    async def release(self, call_id: str, leg: str) -> dict[str, Any]:
        reply = await self.request({"op": "release", "call_id": call_id, "leg": leg})
        return dict(reply["stats"])

    async def load(self) -> WorkerLoad:
        return WorkerLoad(**(await self.request({"op": "load"}))["load"])


class MediaWorkerDirectory:
    """The controller's view of all workers, through Redis."""

    def __init__(self, redis_url: str) -> None:
        self._redis = aredis.Redis.from_url(redis_url)

    async def workers(self) -> list[WorkerLoad]:
        loads = []
        async for key in self._redis.scan_iter(match=WORKER_KEY_PREFIX + "*", count=100):
            raw = await self._redis.get(key)
            if raw:
                loads.append(WorkerLoad(**json.loads(raw)))
        return sorted(loads, key=lambda w: (w.score, w.worker_id))

    async def choose(self) -> WorkerLoad:
        candidates = [w for w in await self.workers() if w.legs < w.capacity]
        if not candidates:
            raise MediaError("no media worker with free capacity is running")
        return candidates[0]

    async def allocate_port(
        self,
        call_id: str,
        leg: str,
        codec: str = "ulaw",
        speaker: str | None = None,
        elapsed: float = 0.0,
        queue: str | None = None,
    ) -> PortAllocation:
        """Pick the least-loaded worker and get a port on it for this leg."""
        worker = await self.choose()
        client = MediaWorkerClient(worker.host, worker.control_port)
        return await client.allocate_port(call_id, leg, codec, speaker=speaker, elapsed=elapsed, queue=queue)

    async def release(self, allocation: PortAllocation, call_id: str, leg: str) -> dict[str, Any]:
        for worker in await self.workers():
            if worker.worker_id == allocation.worker_id:
                return await MediaWorkerClient(worker.host, worker.control_port).release(call_id, leg)
        raise MediaError(f"media worker {allocation.worker_id} is gone")

    async def aclose(self) -> None:
        await self._redis.aclose()


async def forget_predecessors(client: aredis.Redis, worker_id: str, host: str, control_port: int) -> None:
    """Drop the entries of workers that had our control address: we could bind it, so they are dead,
    and controllers should move their legs now rather than when the entries expire."""
    async for key in client.scan_iter(match=WORKER_KEY_PREFIX + "*", count=100):
        raw = await client.get(key)
        if not raw or _text(key) == WORKER_KEY_PREFIX + worker_id:
            continue
        entry = json.loads(raw)
        if entry.get("host") == host and entry.get("control_port") == control_port:
            await client.delete(key)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


async def publish_load(client: aredis.Redis, load: WorkerLoad) -> None:
    await client.set(WORKER_KEY_PREFIX + load.worker_id, json.dumps(load.as_dict()), ex=LOAD_TTL_SECONDS)
