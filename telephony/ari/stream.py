"""The ARI events WebSocket: parse, dispatch, and reconnect with backoff when Asterisk goes away."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Protocol
from urllib.parse import urlencode

import websockets

from telephony.ari.backoff import Backoff
from telephony.ari.events import AriEvent, StasisStart, parse_event
from telephony.ari.registry import HandlerRegistry
from telephony.ari.timing import ANSWER_TIMING

log = logging.getLogger(__name__)


class WebSocketLike(Protocol):
    """What the stream needs from a WebSocket (the real one or a test fake)."""

    def __aiter__(self) -> AsyncIterator[str | bytes]: ...

    async def close(self) -> None: ...


Connector = Callable[[str], Awaitable[WebSocketLike]]
ConnectedHook = Callable[[], Awaitable[None]]


async def websockets_connector(url: str) -> WebSocketLike:
    return await websockets.connect(url, max_size=None, ping_interval=10, ping_timeout=10, open_timeout=5)


def events_url(base_url: str, app: str, user: str, password: str) -> str:
    """``ws://host:port/ari/events?app=...`` from the REST base URL ``http://host:port/ari``."""
    ws_base = base_url.rstrip("/").replace("http", "ws", 1)
    query = urlencode({"app": app, "api_key": f"{user}:{password}", "subscribeAll": "false"})
    return f"{ws_base}/events?{query}"


class EventStream:
    """Keeps one events WebSocket open and feeds every event to the registry, in order.

    Handlers run one after another so a channel's events keep their order; a handler that needs
    to wait (a playback, a timeout) must hand the work to a task instead of blocking the stream.
    After every (re)connection the ``on_connected`` hooks run: that is where the controller lists
    the channels still in its Stasis app and carries on with them.
    """

    def __init__(
        self,
        url: str,
        registry: HandlerRegistry,
        *,
        connector: Connector = websockets_connector,
        backoff: Backoff | None = None,
    ) -> None:
        self.url = url
        self.registry = registry
        self._connector = connector
        self._backoff = backoff or Backoff()
        self._hooks: list[ConnectedHook] = []
        self._waiters: list[tuple[Callable[[AriEvent], bool], asyncio.Future[AriEvent]]] = []
        self._socket: WebSocketLike | None = None
        self._stopping = False
        self.connected = asyncio.Event()
        self.connections = 0

    def on_connected(self, hook: ConnectedHook) -> None:
        self._hooks.append(hook)

    async def run(self) -> None:
        """Connect, read and reconnect until :meth:`stop`."""
        while not self._stopping:
            try:
                self._socket = await self._connector(self.url)
            except (TimeoutError, OSError, websockets.WebSocketException) as exc:
                delay = self._backoff.next_delay()
                log.warning("ARI events unreachable (%s); retrying in %.2f s", exc, delay)
                await asyncio.sleep(delay)
                continue
            self._backoff.reset()
            self.connections += 1
            self.connected.set()
            log.info("ARI events connected (connection %d)", self.connections)
            try:
                for hook in self._hooks:
                    await hook()
                await self._read(self._socket)
            except (OSError, websockets.WebSocketException) as exc:
                log.warning("ARI events connection lost: %s", exc)
            except Exception:
                log.exception("ARI events reader failed; reconnecting")
            finally:
                self.connected.clear()
                with contextlib.suppress(Exception):
                    await self._socket.close()
            if not self._stopping:
                await asyncio.sleep(self._backoff.next_delay())

    async def _read(self, socket: WebSocketLike) -> None:
        async for message in socket:
            try:
                data = json.loads(message)
            except ValueError:
                log.warning("ignoring a non-JSON ARI message")
                continue
            if isinstance(data, dict):
                await self.deliver(parse_event(data))

    async def deliver(self, event: AriEvent) -> None:
        """Wake waiters, then run the handlers (public so tests can inject events)."""
        if isinstance(event, StasisStart):
            ANSWER_TIMING.stasis_started(event.channel.id, event.timestamp)
        for entry in list(self._waiters):
            predicate, future = entry
            if not future.done() and predicate(event):
                future.set_result(event)
                self._waiters.remove(entry)
        await self.registry.dispatch(event)

    async def wait_for(self, predicate: Callable[[AriEvent], bool], wait_seconds: float) -> AriEvent:
        """The next event matching ``predicate``; raises TimeoutError after ``wait_seconds``."""
        future: asyncio.Future[AriEvent] = asyncio.get_running_loop().create_future()
        entry = (predicate, future)
        self._waiters.append(entry)
        try:
            return await asyncio.wait_for(future, wait_seconds)
        finally:
            if entry in self._waiters:
                self._waiters.remove(entry)

    async def stop(self) -> None:
        self._stopping = True
        if self._socket is not None:
            with contextlib.suppress(Exception):
                await self._socket.close()
