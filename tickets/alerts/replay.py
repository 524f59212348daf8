"""Replay protection for signed alerts: each signature is accepted once inside the tolerance window.

The timestamp check alone lets a captured request be sent again for up to the tolerance; a Redis key
per signature (``SET NX`` with the window as its lifetime) refuses the second copy. Monitoring
systems that retry must sign again with a new timestamp, which is a new request.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from config.errors import UnavailableError
from tickets.desk.exceptions import ConflictError, DeskError

KEY_PREFIX = "voxdesk:alerts:seen:"


class ReplayedRequestError(ConflictError):
    """The same signed request arrived again inside the replay window."""


class ReplayCheckUnavailableError(DeskError, UnavailableError):
    """Redis did not answer, so a replay cannot be ruled out; the sender should retry."""

    recoverable = True


class ReplayGuard:
    """Remembers the signatures seen in the last window, in Redis (shared by every web worker)."""

    def __init__(self, redis_url: str) -> None:
        self._redis = aioredis.Redis.from_url(redis_url, socket_timeout=3)

    @asynccontextmanager
    async def first_use(self, signature: str, window_seconds: int) -> AsyncIterator[None]:
        """Claim ``signature`` for the window; released again if the request then fails, so the
        sender may retry the very same request after a 4xx/5xx that stored nothing."""
        key = KEY_PREFIX + hashlib.sha256(signature.strip().encode()).hexdigest()
        try:
            claimed = await self._redis.set(key, b"1", nx=True, ex=max(1, window_seconds))
        except RedisError as exc:
            raise ReplayCheckUnavailableError(f"replay check unavailable: {exc}") from exc
        if not claimed:
            raise ReplayedRequestError(
                "this signed request was already received (replay); sign a new one with a fresh timestamp"
            )
        try:
            yield
        except BaseException:
            try:
                await self._redis.delete(key)
            except RedisError:
                pass  # the key expires with the window
            raise

    async def aclose(self) -> None:
        await self._redis.aclose()
