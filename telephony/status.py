"""The controller's own reports in Redis, read back by :class:`telephony.readmodel.TelephonyReadModel`."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

import redis.asyncio as aredis

from telephony.keys import TelephonyKeys

OUTCOME_TTL_S = 86400


class ControllerReports:
    """Heartbeat (expiring, so a dead controller reads as "none") and the queue ids in use."""

    def __init__(self, client: aredis.Redis, prefix: str, controller_id: str, ttl_s: float) -> None:
        self._redis = client
        self._keys = TelephonyKeys(prefix)
        self._id = controller_id
        self._ttl_ms = max(1000, int(ttl_s * 1000))
        self.asterisk_version: str | None = None

    async def heartbeat(self, ari_connected: bool) -> None:
        fields = {
            "controller_id": self._id,
            "ari_connected": "1" if ari_connected else "0",
            "asterisk_version": self.asterisk_version or "",
            "reported_at": f"{time.time():.3f}",
        }
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._keys.status, mapping=fields)  # type: ignore[arg-type]
        pipe.pexpire(self._keys.status, self._ttl_ms)
        await pipe.execute()

    async def command_outcome(self, command_id: str, kind: str, refused_because: str | None) -> None:
        """Remember how a command ended, for whoever sent it (read back by the read model)."""
        fields = {
            "kind": kind,
            "outcome": "refused" if refused_because is not None else "applied",
            "reason": refused_because or "",
            "finished_at": f"{time.time():.3f}",
        }
        key = self._keys.command_outcome(command_id)
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(key, mapping=fields)  # type: ignore[arg-type]
        pipe.expire(key, OUTCOME_TTL_S)
        await pipe.execute()

    async def queues_in_use(self, queue_ids: Iterable[str]) -> None:
        await self._redis.set(self._keys.queue_ids, json.dumps(sorted(queue_ids)))
