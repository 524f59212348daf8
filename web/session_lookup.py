"""Finding the session behind a request: the database, behind a cache of a few seconds.

Every request names a session; the session's user, current role and ``is_active`` come from the
database, so a revocation, demotion or deactivation takes effect within :data:`CACHE_SECONDS` in
every web process (at once in the process that made the change, which drops its cached entries).

Lookups run in worker threads of their own (a :class:`anyio.CapacityLimiter` of
:data:`LOOKUP_THREADS`) on an engine of their own with as many connections. They never wait for a
connection a request holds, nor for a thread a request needs: the request-session permits in
:mod:`web.deps` may already be held by the request being authenticated, so sharing them could
deadlock the pool.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import anyio
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import State

from config.db import make_engine, make_session_factory, session_scope
from config.sessions import LiveSession, find_live_session

CACHE_SECONDS = 5.0
CACHE_SIZE = 10_000  # sessions remembered per process; the oldest go first
LOOKUP_THREADS = 2
T = TypeVar("T")


@dataclass(frozen=True)
class _Entry:
    live: LiveSession
    fresh_until: float


class SessionCache:
    """Open sessions seen in the last few seconds, bounded in size (least recently stored goes first).

    Only open sessions are cached: a refused token costs a lookup each time, so a flood of made-up
    tokens cannot push real sessions out. Sync routes (in worker threads) drop entries too, hence
    the lock.
    """

    def __init__(self, seconds: float = CACHE_SECONDS, size: int = CACHE_SIZE) -> None:
        self.seconds, self._size = seconds, size
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str) -> LiveSession | None:
        with self._lock:
            entry = self._entries.get(session_id)
            if entry is None:
                return None
            if entry.fresh_until <= time.monotonic():
                del self._entries[session_id]
                return None
            return entry.live

    def put(self, live: LiveSession) -> None:
        if self.seconds <= 0:
            return
        with self._lock:
            self._entries[live.session_id] = _Entry(live, time.monotonic() + self.seconds)
            self._entries.move_to_end(live.session_id)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def forget(self, session_id: str) -> None:
        with self._lock:
            self._entries.pop(session_id, None)

    def forget_user(self, user_id: int) -> None:
        with self._lock:
            for session_id in [k for k, e in self._entries.items() if e.live.user_id == user_id]:
                del self._entries[session_id]

    def __len__(self) -> int:
        return len(self._entries)


class SessionLookup:
    """Open sessions by id, from the cache or the database; and the few writes sessions need."""

    def __init__(
        self, factory: sessionmaker[Session], cache: SessionCache, threads: int = LOOKUP_THREADS
    ) -> None:
        self._factory, self.cache = factory, cache
        self._limiter = anyio.CapacityLimiter(threads)

    def _load(self, session_id: str) -> LiveSession | None:
        with self._factory() as session:
            return find_live_session(session, session_id)

    async def find(self, session_id: str) -> LiveSession | None:
        """The open session with its user's current role; None when it is unknown or ended."""
        live = self.cache.get(session_id)
        if live is None:
            live = await anyio.to_thread.run_sync(self._load, session_id, limiter=self._limiter)
            if live is not None:
                self.cache.put(live)
        return live

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run ``work`` in a unit of work on the lookups' own threads and connections (opening and
        ending sessions: never waits behind the pool that requests hold)."""

        def unit() -> T:
            with session_scope(self._factory) as session:
                return work(session)

        return await anyio.to_thread.run_sync(unit, limiter=self._limiter)


def lookup_engine(database_url: str) -> Engine:
    """The lookups' own small engine (an in-memory SQLite database cannot be shared: callers reuse theirs)."""
    return make_engine(database_url, pool_size=LOOKUP_THREADS)


def session_lookup(state: State) -> SessionLookup:
    """The app's lookup; made on first use from the app's engine when the app made none."""
    lookup: SessionLookup | None = getattr(state, "session_lookup", None)
    if lookup is None:
        lookup = state.session_lookup = SessionLookup(state.session_factory, SessionCache())
    return lookup


def install_session_lookup(state: State, database_url: str, cache_seconds: float = CACHE_SECONDS) -> None:
    """Give the app its lookup, on an engine of its own (see the module's note on the pool)."""
    if database_url.startswith("sqlite") and (database_url.endswith(":memory:") or "///" not in database_url):
        factory = state.session_factory
    else:
        factory = make_session_factory(lookup_engine(database_url))
    state.session_lookup = SessionLookup(factory, SessionCache(cache_seconds))

