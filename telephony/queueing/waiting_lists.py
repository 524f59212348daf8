"""Waiting lists: a Redis sorted set per queue, ordered by priority then by first arrival.

The score keeps a caller's place across overflow, a controller restart and a callback: it is
computed from the time the caller first queued, never from the time they last moved.
"""

from __future__ import annotations

import redis.asyncio as aredis

PRIORITY_WEIGHT = 1_000_000.0  # seconds; one priority step outranks any realistic wait


def place_score(first_queued_at: float, priority: int) -> float:
    return first_queued_at - priority * PRIORITY_WEIGHT


class WaitingLists:
    def __init__(self, client: aredis.Redis, prefix: str = "voxdesk") -> None:
        self._redis = client
        self._prefix = prefix

    def _key(self, queue_id: str) -> str:
        return f"{self._prefix}:queue:{queue_id}:waiting"

    async def add(self, queue_id: str, call_id: str, first_queued_at: float, priority: int) -> None:
        await self._redis.zadd(self._key(queue_id), {call_id: place_score(first_queued_at, priority)})

    async def remove(self, queue_id: str, call_id: str) -> None:
        await self._redis.zrem(self._key(queue_id), call_id)

    async def ordered(self, queue_id: str) -> list[str]:
        members = await self._redis.zrange(self._key(queue_id), 0, -1)
        return [m.decode() if isinstance(m, bytes) else str(m) for m in members]

    async def position(self, queue_id: str, call_id: str) -> int | None:
        rank = await self._redis.zrank(self._key(queue_id), call_id)
        return rank + 1 if isinstance(rank, int) else None
