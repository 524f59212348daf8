"""``/ws/calls``: the console's live feed of ``call.*`` and ``agent.*`` events.

Supervisors (and admins) get every call and agent; an agent gets the events routed to their own
agent channel (their status, and the calls offered to or taken by them). The token is in ``?token=``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import OrderedDict
from collections.abc import AsyncIterator, Iterable

import redis
from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from config.db import session_scope
from config.errors import EventBusError
from config.events import Event, Subscription, channel_name, parse_event
from config.models import Role
from telephony.agent_profiles.repository import agent_identity
from web.auth import read_token

live_router = APIRouter(tags=["calls"])
RELAYED_PREFIXES = ("call.", "agent.")
EVERYTHING_ROLES = {Role.SUPERVISOR, Role.ADMIN}


class PatternSubscription(Subscription):
    """A :class:`Subscription` on channel patterns (``voxdesk:call:*``): a supervisor sees every call."""

    async def __aenter__(self) -> PatternSubscription:
        try:
            await self._pubsub.psubscribe(*self._channels)
        except redis.RedisError as exc:
            raise EventBusError(f"could not subscribe to {self._channels}: {exc}") from exc
        return self

    async def _events(self) -> AsyncIterator[Event]:
        async for message in self._pubsub.listen():
            if message.get("type") in ("message", "pmessage"):
                yield parse_event(message["data"])


def _once(events: AsyncIterator[Event], remember: int = 512) -> AsyncIterator[Event]:
    """Each event once: a call event is published on its call, agent and queue channels alike."""
    seen: OrderedDict[str, None] = OrderedDict()

    async def unique() -> AsyncIterator[Event]:
        async for event in events:
            if event.id in seen:
                continue
            seen[event.id] = None
            if len(seen) > remember:
                seen.popitem(last=False)
            if event.event_type.startswith(RELAYED_PREFIXES):
                yield event

    return unique()


def _subscription(redis_url: str, patterns: Iterable[str] | None, channels: Iterable[str]) -> Subscription:
    if patterns is not None:
        return PatternSubscription(redis_url, patterns)
    return Subscription(redis_url, channels)


@live_router.websocket("/ws/calls")
async def calls_feed(websocket: WebSocket) -> None:
    """Relays call and agent events as ``{"type": ..., "data": ...}`` envelopes."""
    token = websocket.query_params.get("token") or ""
    principal = read_token(websocket.app.state.secret_key, token) if token else None
    if principal is None or principal.role not in (Role.AGENT, *EVERYTHING_ROLES):
        await websocket.close(
            code=status.WS_1008_POLICY_VIOLATION, reason="sign in as an agent or supervisor"
        )
        return
    patterns: list[str] | None = None
    channels: list[str] = []
    scope = "all"
    if principal.role in EVERYTHING_ROLES:
        patterns = [channel_name("call", "*"), channel_name("agent", "*")]
    else:
        with session_scope(websocket.app.state.session_factory) as session:
            identity = agent_identity(session, principal.user_id)
        if identity is None:
            await websocket.close(code=status.WS_1008_POLICY_VIOLATION, reason="you have no SIP account")
            return
        channels, scope = [channel_name("agent", identity.agent_id)], identity.agent_id
    await websocket.accept()
    async with _subscription(websocket.app.state.redis_url, patterns, channels) as feed:
        await websocket.send_json({"type": "subscribed", "data": {"scope": scope}})

        async def forward() -> None:
            async for event in _once(aiter(feed)):
                await websocket.send_json(event.envelope())

        async def until_closed() -> None:
            with contextlib.suppress(WebSocketDisconnect):
                while True:
                    await websocket.receive_text()  # consoles send nothing; this notices them leave

        tasks = [asyncio.create_task(forward()), asyncio.create_task(until_closed())]
        try:
            await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
