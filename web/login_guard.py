"""Sign-in throttling: failures counted per user and per client address, lockouts that double.

Counters live in Redis so every web worker sees the same ones. Each worker also keeps its own copy
of what it counted and answers with the larger of the two, so when Redis does not answer (a
warning is logged) sign-in keeps working and a lockout already earned in this process holds: a
slow Redis never resets an attacker's count. Password hashes are checked in a small pool of their
own (Argon2 is CPU- and memory-bound by design): a flood of wrong passwords waits there, or is
refused at once when too many already wait, instead of filling the thread pool every other
request needs. An unknown user's password is checked against a dummy hash, so the answer takes
as long as a known user's.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
import weakref
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Protocol

import anyio
import redis.asyncio as aioredis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError

from config.errors import LoginThrottledError
from config.security import dummy_password_hash, verify_password

log = logging.getLogger(__name__)
# Sign-ins from one address being checked at once; more are a flood (a shift start behind one NAT
# still gets through, one after the other, in well under a second each).
MAX_IN_FLIGHT_PER_ADDRESS = 2
IN_FLIGHT_TTL_SECONDS = 30  # a worker that dies mid-check frees its slots after this
MAX_MEMORY_KEYS = 50_000  # this process's copy of the counters prunes expired keys past this
REDIS_RETRY_SECONDS = 5.0  # after a Redis failure, per-process counters only, then Redis again


class CounterStore(Protocol):
    """Shared counters and locks with expiry (Redis in production, a dict as fallback)."""

    async def incr(self, key: str, ttl: int) -> int: ...
    async def decr(self, key: str) -> None: ...
    async def lock(self, key: str, seconds: int) -> None: ...
    async def locked_for(self, key: str) -> float: ...
    async def admit(self, lock_keys: tuple[str, ...], counter: str, ttl: int) -> tuple[float, int]:
        """Longest remaining lock of ``lock_keys`` and ``counter`` incremented, in one round trip."""
        ...
    async def clear(self, *keys: str) -> None: ...


class MemoryCounters:
    """Counters of this process only: the fallback when Redis is away, and the unit tests' store."""

    def __init__(self) -> None:
        self._values: dict[str, tuple[int, float]] = {}

    def _live(self, key: str) -> int:
        value, expires = self._values.get(key, (0, 0.0))
        return value if expires > time.monotonic() else 0

    async def incr(self, key: str, ttl: int) -> int:
        if len(self._values) > MAX_MEMORY_KEYS:  # many users or addresses: forget what has expired
            now = time.monotonic()
            self._values = {k: v for k, v in self._values.items() if v[1] > now}
        value = self._live(key) + 1
        self._values[key] = (value, time.monotonic() + ttl)
        return value

    async def decr(self, key: str) -> None:
        value, expires = self._values.get(key, (0, 0.0))
        self._values[key] = (max(0, value - 1), expires)

    async def lock(self, key: str, seconds: int) -> None:
        self._values[key] = (1, time.monotonic() + seconds)

    async def locked_for(self, key: str) -> float:
        value, expires = self._values.get(key, (0, 0.0))
        return max(0.0, expires - time.monotonic()) if value else 0.0

    async def clear(self, *keys: str) -> None:
        for key in keys:
            self._values.pop(key, None)

    async def admit(self, lock_keys: tuple[str, ...], counter: str, ttl: int) -> tuple[float, int]:
        remaining = max([await self.locked_for(key) for key in lock_keys], default=0.0)
        return remaining, await self.incr(counter, ttl)


class RedisCounters:
    """Counters in Redis, written through to ``fallback`` (this process's copy); answers the larger."""

    def __init__(self, url: str, fallback: MemoryCounters) -> None:
        self._url = url
        self._fallback = fallback
        self._warned_at = 0.0
        self._down_until = 0.0  # after a failure, skip Redis for a while instead of waiting on it
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aioredis.Redis] = (
            weakref.WeakKeyDictionary()
        )

    @asynccontextmanager
    async def _client(self) -> AsyncIterator[aioredis.Redis]:
        # One pooled client per event loop: its connections belong to the loop that opened them
        # (a test client runs a loop per request; a server, one for its life).
        if time.monotonic() < self._down_until:
            raise RedisConnectionError("Redis failed moments ago; using this process's counters")
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            pool = aioredis.BlockingConnectionPool.from_url(
                self._url, max_connections=16, timeout=0.5, socket_timeout=0.5, socket_connect_timeout=0.5
            )
            client = self._clients[loop] = aioredis.Redis(connection_pool=pool)
        yield client

    def _warn(self, exc: Exception) -> None:
        self._down_until = max(self._down_until, time.monotonic() + REDIS_RETRY_SECONDS)
        if time.monotonic() - self._warned_at > 60:
            self._warned_at = time.monotonic()
            log.warning("sign-in counters fall back to this process (Redis: %s)", type(exc).__name__)

    async def incr(self, key: str, ttl: int) -> int:
        local = await self._fallback.incr(key, ttl)
        try:
            async with self._client() as client, client.pipeline(transaction=True) as pipe:
                pipe.incr(key)
                pipe.expire(key, ttl)
                value, _ = await pipe.execute()
                return max(int(value), local)
        except (RedisError, OSError) as exc:
            self._warn(exc)
            return local

    async def decr(self, key: str) -> None:
        await self._fallback.decr(key)
        try:
            async with self._client() as client:
                await client.decr(key)
        except (RedisError, OSError) as exc:
            self._warn(exc)

    async def lock(self, key: str, seconds: int) -> None:
        await self._fallback.lock(key, seconds)
        try:
            async with self._client() as client:
                await client.set(key, 1, ex=seconds)
        except (RedisError, OSError) as exc:
            self._warn(exc)

    async def locked_for(self, key: str) -> float:
        local = await self._fallback.locked_for(key)
        try:
            async with self._client() as client:
                millis = int(await client.pttl(key))
            return max(0.0, millis / 1000, local)
        except (RedisError, OSError) as exc:
            self._warn(exc)
            return local

    async def clear(self, *keys: str) -> None:
        await self._fallback.clear(*keys)
        try:
            async with self._client() as client:
                await client.delete(*keys)
        except (RedisError, OSError) as exc:
            self._warn(exc)

    async def admit(self, lock_keys: tuple[str, ...], counter: str, ttl: int) -> tuple[float, int]:
        local_lock, local_count = await self._fallback.admit(lock_keys, counter, ttl)
        try:
            async with self._client() as client, client.pipeline(transaction=False) as pipe:
                for key in lock_keys:
                    pipe.pttl(key)
                pipe.incr(counter)
                pipe.expire(counter, ttl)
                *millis, count, _ = await pipe.execute()
            return max([int(m) / 1000 for m in millis] + [local_lock]), max(int(count), local_count)
        except (RedisError, OSError) as exc:
            self._warn(exc)
            return local_lock, local_count


@dataclass(frozen=True)
class ThrottlePolicy:
    """When failures turn into lockouts, and how long those last."""

    user_failures: int = 5
    address_failures: int = 20
    window_seconds: int = 900
    max_lockout_seconds: int = 900
    hash_workers: int = 2
    hash_queue: int = 8

    def lockout_seconds(self, failures: int, threshold: int) -> int:
        """0 below the threshold, then 1, 2, 4, ... seconds up to the maximum."""
        if failures < threshold:
            return 0
        return min(self.max_lockout_seconds, 2 ** min(failures - threshold, 30))


class LoginGuard:
    """Decides whether a sign-in may be checked, and checks its password in a bounded pool."""

    def __init__(self, store: CounterStore, policy: ThrottlePolicy, key_prefix: str = "voxdesk") -> None:
        self.store = store
        self.policy = policy
        self.prefix = f"{key_prefix}:login"
        self._hash_limiter = anyio.CapacityLimiter(policy.hash_workers)
        self._hashing = 0  # checks running or waiting, counted before the first await (no race)

    def _keys(self, kind: str, username: str, address: str) -> tuple[str, str]:
        return f"{self.prefix}:{kind}:user:{username}", f"{self.prefix}:{kind}:addr:{address}"

    @asynccontextmanager
    async def attempt(self, username: str, address: str) -> AsyncIterator[None]:
        """Admits a sign-in unless the user or address is locked out, or the address already has a
        few being checked (a burst beyond them is refused at once). Raises LoginThrottledError."""
        counter = f"{self.prefix}:inflight:addr:{address}"
        remaining, in_flight = await self.store.admit(self._keys("lock", username, address), counter,
                                                      IN_FLIGHT_TTL_SECONDS)  # fmt: skip
        try:
            if remaining > 0:
                raise LoginThrottledError("too many failed sign-ins; wait and try again",
                                          retry_after=math.ceil(remaining))  # fmt: skip
            if in_flight > MAX_IN_FLIGHT_PER_ADDRESS:
                raise LoginThrottledError("too many sign-ins at once from this address", retry_after=1)
            yield
        finally:
            await self.store.decr(counter)

    async def verify(self, password_hash: str | None, password: str) -> bool:
        """Check the password in the hash pool; no user means the dummy hash (same cost, never true)."""
        if self._hashing >= self.policy.hash_workers + self.policy.hash_queue:
            raise LoginThrottledError("the server is busy checking passwords; try again", retry_after=1)
        known = password_hash is not None
        target = password_hash if password_hash is not None else dummy_password_hash()
        self._hashing += 1
        try:
            matched = await anyio.to_thread.run_sync(verify_password, target, password,
                                                     limiter=self._hash_limiter)  # fmt: skip
        finally:
            self._hashing -= 1
        return matched and known

    async def failed(self, username: str, address: str) -> None:
        """Count a failure; past a threshold the user or address is locked, each time twice as long."""
        for kind_key, threshold in zip(self._keys("fail", username, address),
                                       (self.policy.user_failures, self.policy.address_failures),
                                       strict=True):  # fmt: skip
            failures = await self.store.incr(kind_key, self.policy.window_seconds)
            seconds = self.policy.lockout_seconds(failures, threshold)
            if seconds:
                await self.store.lock(kind_key.replace(":fail:", ":lock:", 1), seconds)

    async def succeeded(self, username: str, address: str) -> None:
        """A right password forgets the user's failures (the address keeps its count)."""
        await self.store.clear(*self._keys("fail", username, address)[:1])
