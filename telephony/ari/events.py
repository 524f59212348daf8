"""Typed ARI events, parsed at the edge from the WebSocket's JSON.

Each known event type is a frozen dataclass registered under its ARI name. Anything else becomes
an :class:`UnknownEvent` that still carries the raw JSON, so a newer Asterisk never breaks the app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from telephony.ari.models import Bridge, Channel, Endpoint, LiveRecording, Playback


@dataclass(frozen=True, slots=True)
class AriEvent:
    """Base of every event: ``type`` as ARI names it, the app, the time and the raw JSON."""

    type_name: ClassVar[str] = ""
    application: str = ""
    timestamp: str = ""
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def type(self) -> str:
        return self.type_name or str(self.raw.get("type", ""))


E = TypeVar("E", bound=AriEvent)
_PARSERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], AriEvent]] = {}


def _register(cls: type[E], build: Callable[[dict[str, Any]], dict[str, Any]]) -> type[E]:
    def parse(data: dict[str, Any], base: dict[str, Any]) -> AriEvent:
        return cls(**base, **build(data))

    _PARSERS[cls.type_name] = parse
    return cls


def _channel(data: dict[str, Any], key: str = "channel") -> Channel:
    return Channel.from_json(data.get(key) or {})


def _optional_channel(data: dict[str, Any], key: str) -> Channel | None:
    return Channel.from_json(data[key]) if data.get(key) else None


@dataclass(frozen=True, slots=True)
class UnknownEvent(AriEvent):
    """An event type this client has no class for; read ``raw``."""


@dataclass(frozen=True, slots=True)
class ChannelEvent(AriEvent):
    """Events about one channel."""

    channel: Channel = field(default_factory=lambda: Channel(id=""))


@dataclass(frozen=True, slots=True)
class StasisStart(ChannelEvent):
    type_name: ClassVar[str] = "StasisStart"
    args: tuple[str, ...] = ()
    replace_channel: Channel | None = None


@dataclass(frozen=True, slots=True)
class StasisEnd(ChannelEvent):
    type_name: ClassVar[str] = "StasisEnd"


@dataclass(frozen=True, slots=True)
class ChannelStateChange(ChannelEvent):
    type_name: ClassVar[str] = "ChannelStateChange"


@dataclass(frozen=True, slots=True)
class ChannelDtmfReceived(ChannelEvent):
    type_name: ClassVar[str] = "ChannelDtmfReceived"
    digit: str = ""
    duration_ms: int = 0


@dataclass(frozen=True, slots=True)
class ChannelHangupRequest(ChannelEvent):
    type_name: ClassVar[str] = "ChannelHangupRequest"
    cause: int = 0
    soft: bool = False


@dataclass(frozen=True, slots=True)
class ChannelDestroyed(ChannelEvent):
    type_name: ClassVar[str] = "ChannelDestroyed"
    cause: int = 0
    cause_txt: str = ""


@dataclass(frozen=True, slots=True)
class ChannelBridgeEvent(ChannelEvent):
    bridge: Bridge = field(default_factory=lambda: Bridge(id=""))


@dataclass(frozen=True, slots=True)
class ChannelEnteredBridge(ChannelBridgeEvent):
    type_name: ClassVar[str] = "ChannelEnteredBridge"


@dataclass(frozen=True, slots=True)
class ChannelLeftBridge(ChannelBridgeEvent):
    type_name: ClassVar[str] = "ChannelLeftBridge"


@dataclass(frozen=True, slots=True)
class PlaybackEvent(AriEvent):
    playback: Playback = field(default_factory=lambda: Playback(id=""))


@dataclass(frozen=True, slots=True)
class PlaybackStarted(PlaybackEvent):
    type_name: ClassVar[str] = "PlaybackStarted"


@dataclass(frozen=True, slots=True)
class PlaybackFinished(PlaybackEvent):
    type_name: ClassVar[str] = "PlaybackFinished"


@dataclass(frozen=True, slots=True)
class RecordingEvent(AriEvent):
    recording: LiveRecording = field(default_factory=lambda: LiveRecording(name=""))


@dataclass(frozen=True, slots=True)
class RecordingStarted(RecordingEvent):
    type_name: ClassVar[str] = "RecordingStarted"


@dataclass(frozen=True, slots=True)
class RecordingFinished(RecordingEvent):
    type_name: ClassVar[str] = "RecordingFinished"


@dataclass(frozen=True, slots=True)
class Dial(AriEvent):
    """Progress of a dial: ``dialstatus`` is '' while ringing, then ANSWER, NOANSWER, BUSY..."""

    type_name: ClassVar[str] = "Dial"
    peer: Channel = field(default_factory=lambda: Channel(id=""))
    caller: Channel | None = None
    dialstatus: str = ""


@dataclass(frozen=True, slots=True)
class EndpointStateChange(AriEvent):
    """An endpoint went online or offline (a softphone registered or its registration went away);
    also sent when only its channels change. Needs the app subscribed to ``endpoint:<tech>``."""

    type_name: ClassVar[str] = "EndpointStateChange"
    endpoint: Endpoint = field(default_factory=lambda: Endpoint("", ""))


def _no_fields(_data: dict[str, Any]) -> dict[str, Any]:
    return {}


def _channel_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {"channel": _channel(data)}


_register(
    StasisStart,
    lambda d: {
        "channel": _channel(d),
        "args": tuple(str(a) for a in d.get("args") or ()),
        "replace_channel": _optional_channel(d, "replace_channel"),
    },
)
_register(StasisEnd, _channel_fields)
_register(ChannelStateChange, _channel_fields)
_register(
    ChannelDtmfReceived,
    lambda d: {
        "channel": _channel(d),
        "digit": str(d.get("digit", "")),
        "duration_ms": int(d.get("duration_ms") or 0),
    },
)
_register(
    ChannelHangupRequest,
    lambda d: {
        "channel": _channel(d),
        "cause": int(d.get("cause") or 0),
        "soft": bool(d.get("soft")),
    },
)
_register(
    ChannelDestroyed,
    lambda d: {
        "channel": _channel(d),
        "cause": int(d.get("cause") or 0),
        "cause_txt": str(d.get("cause_txt") or ""),
    },
)
for _cls in (ChannelEnteredBridge, ChannelLeftBridge):
    _register(_cls, lambda d: {"channel": _channel(d), "bridge": Bridge.from_json(d.get("bridge") or {})})
for _pcls in (PlaybackStarted, PlaybackFinished):
    _register(_pcls, lambda d: {"playback": Playback.from_json(d.get("playback") or {})})
for _rcls in (RecordingStarted, RecordingFinished):
    _register(_rcls, lambda d: {"recording": LiveRecording.from_json(d.get("recording") or {})})
_register(EndpointStateChange, lambda d: {"endpoint": Endpoint.from_json(d.get("endpoint") or {})})
_register(
    Dial,
    lambda d: {
        "peer": _channel(d, "peer"),
        "caller": _optional_channel(d, "caller"),
        "dialstatus": str(d.get("dialstatus") or ""),
    },
)


def parse_event(data: dict[str, Any]) -> AriEvent:
    """Turn one WebSocket message into a typed event; unknown types keep their raw JSON."""
    base: dict[str, Any] = {
        "application": str(data.get("application") or ""),
        "timestamp": str(data.get("timestamp") or ""),
        "raw": data,
    }
    parser = _PARSERS.get(str(data.get("type")))
    if parser is None:
        return UnknownEvent(**base)
    return parser(data, base)


def known_event_types() -> list[str]:
    """ARI event names that parse into their own class."""
    return sorted(_PARSERS)
