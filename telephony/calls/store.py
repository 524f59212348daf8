"""Live calls in Redis: a hash per call, a set of live call ids, and a channel -> call index.

Redis (not process memory) is the source of truth so a restarted or standby controller can take
over every call. Only ``telephony/`` writes here.
"""

from __future__ import annotations

import redis.asyncio as aredis

from telephony.calls.exceptions import CallNotFoundError
from telephony.calls.model import Call
from telephony.keys import TelephonyKeys


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class CallStore:
    """Save, load and index live calls under ``prefix`` (tests use their own prefix)."""

    def __init__(self, client: aredis.Redis, prefix: str = "voxdesk") -> None:
        self._redis = client
        self._prefix = prefix

    def _key(self, call_id: str) -> str:
        return TelephonyKeys(self._prefix).call(call_id)

    @property
    def _live_key(self) -> str:
        return TelephonyKeys(self._prefix).live_calls

    @property
    def _channel_index(self) -> str:
        return TelephonyKeys(self._prefix).calls_by_channel

    async def save(self, call: Call) -> None:
        """Write the whole call; ended calls leave the live set (their hash expires after a day)."""
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._key(call.call_id), mapping=call.to_redis())  # type: ignore[arg-type]
        for channel_id in self._channels_of(call):
            pipe.hset(self._channel_index, channel_id, call.call_id)
        if call.is_over:
            pipe.srem(self._live_key, call.call_id)
            pipe.expire(self._key(call.call_id), 86400)
        else:
            pipe.sadd(self._live_key, call.call_id)
        await pipe.execute()

    async def get(self, call_id: str) -> Call:
        fields = await self._redis.hgetall(self._key(call_id))
        if not fields:
            raise CallNotFoundError(f"no call {call_id}")
        return Call.from_redis(fields)

    async def find(self, call_id: str) -> Call | None:
        try:
            return await self.get(call_id)
        except CallNotFoundError:
            return None

    async def live_ids(self) -> list[str]:
        return sorted(_text(m) for m in await self._redis.smembers(self._live_key))

    async def live_calls(self) -> list[Call]:
        calls = [await self.find(call_id) for call_id in await self.live_ids()]
        return [call for call in calls if call is not None]

    async def call_id_for_channel(self, channel_id: str) -> str | None:
        value = await self._redis.hget(self._channel_index, channel_id)
        return _text(value) if value else None

    async def forget_channels(self, call: Call) -> None:
        """Drop the channel index entries of a finished call."""
        channels = self._channels_of(call)
        if channels:
            await self._redis.hdel(self._channel_index, *channels)

    @staticmethod
    def _channels_of(call: Call) -> list[str]:
        ids = [
            call.caller_channel_id,
            call.agent_channel_id,
            call.offer_channel_id,
            call.consult_channel_id,
            *call.supervisor_channel_ids,
        ]
        return [channel_id for channel_id in ids if channel_id]
