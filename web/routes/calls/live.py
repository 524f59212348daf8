"""``/ws/calls``: the console's live feed of call, agent, transcript and ticket-notice events.

Events are relayed as ``{"type": ..., "data": ...}`` envelopes by type, without their classes, so an
event type this process never imported is still passed on (or skipped with a log line), never fatal.
Who sees what is decided in :mod:`web.routes.calls.feed`. The console signs in with a one-time
``?ticket=`` (``POST /api/auth/ws-ticket``) or its session cookie (:func:`web.auth.websocket_principal`).

A console that reconnects (after a network drop, or a restart of the web process) passes
``?since=<epoch ms>``, the ``at`` of the last event it received: every event of the live calls it may
see published from then on is sent again from the calls' streams before the live feed, so nothing in
between is lost. An event can then arrive twice; consoles keep the first of each ``id``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import redis.asyncio as aredis
from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status
from redis.exceptions import RedisError
from starlette.concurrency import run_in_threadpool

from config.db import session_scope
from config.errors import EventBusError
from config.events import Envelope, Subscription, channel_name
from config.models import Role
from telephony.calls.store import CallStore
from web.access import scope_of
from web.auth import websocket_principal
from web.routes.calls.feed import CONSOLE_ROLES, FeedFilter, SeenEvents, Viewer

log = logging.getLogger(__name__)
live_router = APIRouter(tags=["calls"])
HISTORY_ON_FOLLOW = 200  # recent events of a call, for the finals said before the console followed it
# What a console that starts following a call is sent again: settled words and their QA (old partials
# are superseded by their finals).
SETTLED_ON_FOLLOW = frozenset({"transcript.final", "qa.alert", "qa.requirement_met", "qa.suggestion"})


async def _viewer(websocket: WebSocket) -> Viewer | None:
    principal = await websocket_principal(websocket)
    if principal is None or principal.role not in CONSOLE_ROLES:
        return None

    def load() -> Viewer:
        with session_scope(websocket.app.state.session_factory) as session:
            scope = scope_of(session, principal)  # groups and team: which ticket notices they see
        agent_id = scope.agent_id if principal.role == Role.AGENT else None
        return Viewer(principal.role, principal.user_id, agent_id, scope)

    return await run_in_threadpool(load)


async def _calls_on(websocket: WebSocket, agent_id: str | None) -> list[str]:
    """Live calls the agent is on or is being offered when the console connects (every live call
    when ``agent_id`` is None: supervisors and QA managers see all)."""
    client = aredis.Redis.from_url(websocket.app.state.redis_url)
    try:
        calls = await CallStore(client, websocket.app.state.settings.telephony.key_prefix).live_calls()
    finally:
        await client.aclose()
    if agent_id is None:
        return [c.call_id for c in calls]
    return [c.call_id for c in calls if agent_id in (c.agent_id, c.offer_agent_id, c.consult_agent_id)]


def _since_ms(websocket: WebSocket) -> int | None:
    """``?since=`` as epoch milliseconds; anything else is ignored (the console just gets the live feed)."""
    value = websocket.query_params.get("since", "")
    # isascii: str.isdigit() is true for '²', which int() refuses
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 15 else None


class ConsoleRelay:
    """Sends one console the envelopes its :class:`FeedFilter` admits, following calls as they come."""

    def __init__(
        self, websocket: WebSocket, feed: Subscription, rules: FeedFilter, history: aredis.Redis
    ) -> None:
        self._websocket, self._feed, self._rules, self._history = websocket, feed, rules, history
        self._seen = SeenEvents()

    async def follow(self, call_id: str) -> None:
        """Listen to the call's channel, then send what was said on it before (ids dedupe overlaps)."""
        channel = channel_name("call", call_id)
        await self._feed.add_channels(channel)
        rows = await self._history.xrevrange(f"{channel}:log", count=HISTORY_ON_FOLLOW)
        for _id, fields in reversed(rows or []):
            raw = (fields or {}).get(b"event")
            with contextlib.suppress(ValueError):
                envelope = Envelope.decode(raw if isinstance(raw, bytes | str) else b"")
                if envelope.type in SETTLED_ON_FOLLOW:
                    await self._send(envelope)

    async def follow_calls(self, call_ids: list[str]) -> None:
        """Follow calls the agent was already on when the console connected."""
        for call_id in call_ids:
            self._rules.following.add(call_id)
            await self.follow(call_id)

    async def replay_since(self, call_ids: list[str], since_ms: int) -> None:
        """Send again every event of these calls published since ``since_ms`` (a reconnecting console)."""
        for call_id in call_ids:
            rows = await self._history.xrange(f"{channel_name('call', call_id)}:log", min=f"{since_ms}-0")
            for _id, fields in rows or []:
                raw = (fields or {}).get(b"event")
                with contextlib.suppress(ValueError):
                    await self._send(Envelope.decode(raw if isinstance(raw, bytes | str) else b""))

    async def run(self) -> None:
        async for envelope in self._feed.envelopes():
            await self._send(envelope)

    async def _send(self, envelope: Envelope) -> None:
        verdict = self._rules.admit(envelope)
        if verdict.relay and self._seen.first_time(envelope):
            await self._websocket.send_json(envelope.envelope())
        if verdict.follow is not None:
            await self.follow(verdict.follow)
        if verdict.unfollow is not None:
            await self._feed.remove_channels(channel_name("call", verdict.unfollow))


@live_router.websocket("/ws/calls")
async def calls_feed(websocket: WebSocket) -> None:
    """Relays the events the signed-in user may see as ``{"type": ..., "data": ...}`` envelopes."""
    viewer = await _viewer(websocket)
    if viewer is None:
        await websocket.close(
            code=status.WS_1008_POLICY_VIOLATION, reason="sign in as an agent, supervisor or QA manager"
        )
        return
    await websocket.accept()
    redis_url = websocket.app.state.redis_url
    history = aredis.Redis.from_url(redis_url)
    try:
        async with Subscription(redis_url, viewer.channels(), viewer.patterns()) as feed:
            relay = ConsoleRelay(websocket, feed, FeedFilter(viewer), history)
            await websocket.send_json({"type": "subscribed", "data": {"scope": viewer.scope}})
            own = await _calls_on(websocket, viewer.agent_id) if viewer.agent_id is not None else []
            await relay.follow_calls(own)
            since = _since_ms(websocket)
            if since is not None:
                visible = await _calls_on(websocket, None) if viewer.sees_everything else own
                await relay.replay_since(visible, since)
            await _relay_until_closed(websocket, relay)
    except (EventBusError, RedisError) as exc:
        log.warning("console feed of %s stopped: %s", viewer.scope, exc)
        with contextlib.suppress(RuntimeError):
            await websocket.close(code=status.WS_1011_INTERNAL_ERROR, reason="live events unavailable")
    finally:
        await history.aclose()


async def _relay_until_closed(websocket: WebSocket, relay: ConsoleRelay) -> None:
    async def until_closed() -> None:
        with contextlib.suppress(WebSocketDisconnect):
            while True:
                await websocket.receive_text()  # consoles send nothing; this notices them leave

    tasks = [asyncio.create_task(relay.run()), asyncio.create_task(until_closed())]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            error = None if task.cancelled() else task.exception()
            if isinstance(error, EventBusError | RedisError):
                raise error  # the caller closes the socket with 1011
            if error is not None and not isinstance(error, WebSocketDisconnect | OSError):
                log.error("console feed failed", exc_info=error)  # a client gone mid-send is OSError
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
