"""Typed events and the notifier that publishes them to Redis.

Every event names the keys it concerns (a call, an agent, a queue, a conversation...). The notifier
publishes each event on a pub/sub channel per key, for live consoles, and appends it to a capped
stream per key, so a console that (re)connects can read what it missed.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any, ClassVar

import redis
import redis.asyncio as aredis
from pydantic import BaseModel, ConfigDict, Field

from config.errors import EventBusError

CHANNEL_PREFIX = "voxdesk"
STREAM_MAXLEN = 1000


def channel_name(kind: str, key: str | int) -> str:
    """The pub/sub channel (and stream) for one call, agent, queue or other subject."""
    return f"{CHANNEL_PREFIX}:{kind}:{key}"


class Event(BaseModel):
    """Base of every event; subclasses set ``event_type`` and the keys they are routed by."""

    model_config = ConfigDict(frozen=True)

    event_type: ClassVar[str] = "event"
    routing_fields: ClassVar[tuple[str, ...]] = ()

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    def channels(self) -> list[str]:
        """Every channel this event goes to: one per routing field that has a value."""
        names = []
        for field in self.routing_fields:
            value = getattr(self, field)
            if value is not None:
                names.append(channel_name(field.removesuffix("_id"), value))
        return names

    def envelope(self) -> dict[str, Any]:
        """The JSON-ready form subscribers receive."""
        return {"type": self.event_type, "data": self.model_dump(mode="json")}


_REGISTRY: dict[str, type[Event]] = {}


def register_event(cls: type[Event]) -> type[Event]:
    """Class decorator: lets :func:`parse_event` turn an envelope back into its class."""
    _REGISTRY[cls.event_type] = cls
    return cls


def parse_event(envelope: dict[str, Any] | str | bytes) -> Event:
    """Rebuild a typed event from its envelope (dict or JSON)."""
    if isinstance(envelope, str | bytes):
        envelope = json.loads(envelope)
    assert isinstance(envelope, dict)
    cls = _REGISTRY.get(str(envelope.get("type")))
    if cls is None:
        raise ValueError(f"unknown event type {envelope.get('type')!r}")
    return cls.model_validate(envelope["data"])


@register_event
class SystemNotice(Event):
    """A message for everyone on the console (start-up, maintenance)."""

    event_type: ClassVar[str] = "system.notice"
    routing_fields: ClassVar[tuple[str, ...]] = ("system_id",)

    system_id: str = "all"
    message: str


class Notifier:
    """Publishes events to Redis; the only way Voxdesk code emits live events."""

    def __init__(self, client: redis.Redis) -> None:
        self._client = client

    @classmethod
    def from_url(cls, url: str) -> Notifier:
        return cls(redis.Redis.from_url(url))

    def publish(self, event: Event) -> int:
        """Send ``event`` to each of its channels; returns how many subscribers received it."""
        payload = json.dumps(event.envelope())
        delivered = 0
        try:
            pipe = self._client.pipeline(transaction=False)
            for name in event.channels():
                pipe.xadd(f"{name}:log", {"event": payload}, maxlen=STREAM_MAXLEN, approximate=True)
                pipe.publish(name, payload)
            for result in pipe.execute()[1::2]:
                delivered += int(result)
        except redis.RedisError as exc:
            raise EventBusError(f"could not publish {event.event_type}: {exc}") from exc
        return delivered

    def history(self, channel: str, count: int = 100) -> list[Event]:
        """The last ``count`` events sent to ``channel``, oldest first."""
        try:
            rows = self._client.xrevrange(f"{channel}:log", count=count)
        except redis.RedisError as exc:
            raise EventBusError(f"could not read history of {channel}: {exc}") from exc
        return [parse_event(fields[b"event"]) for _id, fields in reversed(rows or []) if fields]


class Subscription:
    """Async iterator over the events of some channels (used by web/ WebSockets)."""

    def __init__(self, url: str, channels: Iterable[str]) -> None:
        self._client = aredis.Redis.from_url(url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._channels = list(channels)

    async def __aenter__(self) -> Subscription:
        try:
            await self._pubsub.subscribe(*self._channels)
        except redis.RedisError as exc:
            raise EventBusError(f"could not subscribe to {self._channels}: {exc}") from exc
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        async for message in self._pubsub.listen():
            if message.get("type") == "message":
                yield parse_event(message["data"])

    async def get(self, wait_seconds: float) -> Event | None:
        """The next event, or None when none arrives within ``wait_seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while (left := deadline - loop.time()) > 0:
            # Subscribe confirmations come back as None too, so keep reading until the deadline.
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None and message.get("type") == "message":
                return parse_event(message["data"])
        return None

    async def aclose(self) -> None:
        await self._pubsub.aclose()
        await self._client.aclose()
