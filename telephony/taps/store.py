"""Which legs are tapped, in Redis, so any controller can release or rebuild them.

Keys under the controller's prefix: ``taps:<call>`` (hash leg -> :class:`LegTap` JSON),
``taps:live`` (set of calls with taps), ``taps:by-channel`` (hash tapped channel -> "call leg"),
``taps:<call>:agents`` (how many agent legs the call had, so a second agent gets a fresh leg name
and its segments never collide with the first agent's).
"""

from __future__ import annotations

import time

import redis.asyncio as aredis
from pydantic import BaseModel, Field

DAY_SECONDS = 86400


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class LegTap(BaseModel):
    """One tapped leg: the tapped channel, the ARI objects made for it and the worker port."""

    call_id: str
    leg: str
    channel_id: str
    speaker: str | None = None
    snoop_id: str
    media_id: str
    bridge_id: str
    worker_id: str = ""
    host: str = ""
    port: int = 0
    started_at: float = Field(default_factory=time.time)
    ready: bool = False  # every object made and bridged
    phrases: list[str] | None = None  # an IVR speech menu's phrase list, given again to a new worker


class TapStore:
    def __init__(self, client: aredis.Redis, prefix: str = "voxdesk") -> None:
        self._redis = client
        self._prefix = prefix

    def _key(self, call_id: str) -> str:
        return f"{self._prefix}:taps:{call_id}"

    @property
    def _live(self) -> str:
        return f"{self._prefix}:taps:live"

    @property
    def _by_channel(self) -> str:
        return f"{self._prefix}:taps:by-channel"

    async def save(self, tap: LegTap) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._key(tap.call_id), tap.leg, tap.model_dump_json())
        pipe.expire(self._key(tap.call_id), DAY_SECONDS)
        pipe.sadd(self._live, tap.call_id)
        pipe.hset(self._by_channel, tap.channel_id, f"{tap.call_id} {tap.leg}")
        await pipe.execute()

    async def get(self, call_id: str, leg: str) -> LegTap | None:
        raw = await self._redis.hget(self._key(call_id), leg)
        return LegTap.model_validate_json(raw) if raw else None

    async def legs(self, call_id: str) -> list[LegTap]:
        values = await self._redis.hvals(self._key(call_id))
        return [LegTap.model_validate_json(v) for v in values]

    async def take(self, call_id: str, leg: str) -> LegTap | None:
        """Remove and return a leg's tap; None if another task already took it (no double release)."""
        key = self._key(call_id)
        raw = await self._redis.hget(key, leg)
        if raw is None or not await self._redis.hdel(key, leg):
            return None
        tap = LegTap.model_validate_json(raw)
        await self._redis.hdel(self._by_channel, tap.channel_id)
        if not await self._redis.hlen(key):
            await self._redis.srem(self._live, call_id)
        return tap

    async def leg_of_channel(self, channel_id: str) -> tuple[str, str] | None:
        raw = await self._redis.hget(self._by_channel, channel_id)
        if not raw:
            return None
        call_id, _, leg = _text(raw).partition(" ")
        return call_id, leg

    async def live_calls(self) -> list[str]:
        return sorted(_text(m) for m in await self._redis.smembers(self._live))

    async def next_agent_leg(self, call_id: str) -> str:
        """``agent`` for the first agent on a call, then ``agent-2``, ``agent-3``..."""
        key = f"{self._key(call_id)}:agents"
        count = int(await self._redis.incr(key))
        await self._redis.expire(key, DAY_SECONDS)
        return "agent" if count == 1 else f"agent-{count}"
