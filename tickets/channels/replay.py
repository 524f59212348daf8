"""Replay protection for every signed inbound request: each one is accepted once inside its window.

A timestamp check alone lets a captured request be sent again until the timestamp goes stale. A Redis
key per request (``SET NX`` living as long as the window) refuses the second copy, in every web
worker at once. What names a request depends on the channel: the HMAC signature for SMS and device
alerts (it covers timestamp and body), the nonce and timestamp for WeChat (its signature covers them).
Senders that retry must sign again with a fresh timestamp or nonce, which makes a new request.
"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from tickets.channels.exceptions import ReplayCheckUnavailableError, ReplayedRequestError

KEY_PREFIX = "voxdesk:signed-requests:seen:"


def replay_window(timestamp: int, tolerance_seconds: int, now: float) -> int:
    """Seconds a request signed at ``timestamp`` stays acceptable (and so must be remembered)."""
    return max(1, int(timestamp + tolerance_seconds - now) + 1)


class ReplayGuard:
    """Remembers the signed requests seen in the last window, in Redis (shared by every web worker)."""

    def __init__(self, redis_url: str) -> None:
        self._redis = aioredis.Redis.from_url(redis_url, socket_timeout=3)

    @asynccontextmanager
    async def first_use(self, channel: str, request_id: str, window_seconds: int) -> AsyncIterator[None]:
        """Claim ``request_id`` of ``channel`` for the window, or raise :class:`ReplayedRequestError`.

        The claim is released again when the body of the ``with`` fails, so the sender may retry
        the very same request after a 4xx/5xx that stored nothing.
        """
        digest = hashlib.sha256(request_id.strip().encode()).hexdigest()
        key = f"{KEY_PREFIX}{channel}:{digest}"
        try:
            claimed = await self._redis.set(key, b"1", nx=True, ex=max(1, window_seconds))
        except RedisError as exc:
            raise ReplayCheckUnavailableError(f"replay check unavailable: {exc}") from exc
        if not claimed:
            raise ReplayedRequestError(
                f"this signed {channel} request was already received (replay); "
                "sign a new one with a fresh timestamp and nonce"
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
