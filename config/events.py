"""Typed events and the notifier that publishes them to Redis.

Every event names the keys it concerns (a call, an agent, a queue, a conversation...). The notifier
publishes each event on a pub/sub channel per key, for live consoles, and appends it to a capped
stream per key, so a console that (re)connects can read what it missed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

import redis
import redis.asyncio as aredis
from pydantic import BaseModel, ConfigDict, Field

from config.errors import EventBusError

log = logging.getLogger(__name__)

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


class UnknownEventError(ValueError):
    """An envelope names an event type no imported module registered (see ``voxdesk.events``)."""


def register_event(cls: type[Event]) -> type[Event]:
    """Class decorator: lets :func:`parse_event` turn an envelope back into its class."""
    _REGISTRY[cls.event_type] = cls
    return cls


def registered_event_types() -> dict[str, type[Event]]:
    """Every event type this process can parse (a copy), for start-up checks and tests."""
    return dict(_REGISTRY)


@dataclass(frozen=True, slots=True)
class Envelope:
    """An event as it travels: its type and JSON data, readable without the event's class.

    Relays (the console WebSockets) forward envelopes by type, so a process never needs the class
    of an event it only passes on; :meth:`parse` gives the typed event where fields are needed.
    """

    type: str
    data: dict[str, Any]

    @classmethod
    def decode(cls, raw: dict[str, Any] | str | bytes) -> Envelope:
        """Read ``{"type": ..., "data": {...}}``; a ValueError says what is wrong with it."""
        if isinstance(raw, str | bytes):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ValueError(f"event is not JSON: {exc}") from exc
        if not isinstance(raw, dict) or not isinstance(raw.get("type"), str):
            raise ValueError("event has no type")
        data = raw.get("data")
        if not isinstance(data, dict):
            raise ValueError(f"event {raw['type']!r} has no data object")
        return cls(raw["type"], data)

    @property
    def id(self) -> str:
        return str(self.data.get("id", ""))

    @property
    def event_type(self) -> str:
        return self.type

    def envelope(self) -> dict[str, Any]:
        """The JSON-ready form, the same as :meth:`Event.envelope` of the typed event."""
        return {"type": self.type, "data": self.data}

    def parse(self) -> Event:
        """The typed event; :class:`UnknownEventError` when its module was never imported."""
        cls = _REGISTRY.get(self.type)
        if cls is None:
            raise UnknownEventError(f"unknown event type {self.type!r}")
        return cls.model_validate(self.data)


def parse_event(envelope: dict[str, Any] | str | bytes) -> Event:
    """Rebuild a typed event from its envelope (dict or JSON); unknown types raise UnknownEventError."""
    return Envelope.decode(envelope).parse()


def _decoded_or_none(raw: dict[str, Any] | str | bytes) -> Envelope | None:
    try:
        return Envelope.decode(raw)
    except ValueError as exc:
        log.warning("skipped a malformed event: %s", exc)
        return None


def _parsed_or_none(envelope: Envelope | None) -> Event | None:
    if envelope is None:
        return None
    try:
        return envelope.parse()
    except UnknownEventError:
        log.warning("skipped event %r: no module registered it in this process", envelope.type)
    except ValueError as exc:
        log.warning("skipped event %r with invalid data: %s", envelope.type, exc)
    return None


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
        """The last ``count`` events sent to ``channel`` that this process can parse, oldest first."""
        parsed = (_parsed_or_none(e) for e in self.history_envelopes(channel, count))
        return [event for event in parsed if event is not None]

    def history_envelopes(self, channel: str, count: int = 100) -> list[Envelope]:
        """The last ``count`` envelopes sent to ``channel``, oldest first, whatever their type."""
        try:
            rows = self._client.xrevrange(f"{channel}:log", count=count)
        except redis.RedisError as exc:
            raise EventBusError(f"could not read history of {channel}: {exc}") from exc
        decoded = (_decoded_or_none(fields[b"event"]) for _id, fields in reversed(rows or []) if fields)
        return [envelope for envelope in decoded if envelope is not None]


class Subscription:
    """Async iterator over the events of some channels and channel patterns (used by web/ WebSockets).

    Iterating yields typed events and skips (with a log line) those this process cannot parse;
    :meth:`envelopes` yields every envelope by type, for relays that only pass events on.
    """

    def __init__(self, url: str, channels: Iterable[str], patterns: Iterable[str] = ()) -> None:
        self._client = aredis.Redis.from_url(url)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._channels = list(channels)
        self._patterns = list(patterns)

    async def __aenter__(self) -> Subscription:
        try:
            if self._channels:
                await self._pubsub.subscribe(*self._channels)
            if self._patterns:
                await self._pubsub.psubscribe(*self._patterns)
        except redis.RedisError as exc:
            raise EventBusError(f"could not subscribe to {self._channels + self._patterns}: {exc}") from exc
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def add_channels(self, *channels: str) -> None:
        """Also listen to ``channels`` (a console following a call it was just offered)."""
        try:
            await self._pubsub.subscribe(*channels)
        except redis.RedisError as exc:
            raise EventBusError(f"could not subscribe to {list(channels)}: {exc}") from exc

    async def remove_channels(self, *channels: str) -> None:
        try:
            await self._pubsub.unsubscribe(*channels)
        except redis.RedisError as exc:
            raise EventBusError(f"could not unsubscribe from {list(channels)}: {exc}") from exc

    def __aiter__(self) -> AsyncIterator[Event]:
        return self._events()

    async def _events(self) -> AsyncIterator[Event]:
        async for envelope in self.envelopes():
            event = _parsed_or_none(envelope)
            if event is not None:
                yield event

    async def envelopes(self) -> AsyncIterator[Envelope]:
        """Every well-formed envelope that arrives, known type or not."""
        try:
            async for message in self._pubsub.listen():
                if message.get("type") in ("message", "pmessage"):
                    envelope = _decoded_or_none(message["data"])
                    if envelope is not None:
                        yield envelope
        except redis.RedisError as exc:
            raise EventBusError(f"lost the event subscription: {exc}") from exc

    async def get(self, wait_seconds: float) -> Event | None:
        """The next event this process can parse, or None when none arrives within ``wait_seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while (left := deadline - loop.time()) > 0:
            event = _parsed_or_none(await self.get_envelope(left))
            if event is not None:
                return event
        return None

    async def get_envelope(self, wait_seconds: float) -> Envelope | None:
        """The next envelope, or None when none arrives within ``wait_seconds``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while (left := deadline - loop.time()) > 0:
            # Subscribe confirmations come back as None too, so keep reading until the deadline.
            message = await self._pubsub.get_message(ignore_subscribe_messages=True, timeout=left)
            if message is not None and message.get("type") in ("message", "pmessage"):
                envelope = _decoded_or_none(message["data"])
                if envelope is not None:
                    return envelope
        return None

    async def aclose(self) -> None:
        await self._pubsub.aclose()
        await self._client.aclose()
