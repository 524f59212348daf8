"""Snapshots of Asterisk objects as ARI reports them (channel, bridge, playback, recording).

Parsed once at the edge so handlers work with attributes, not nested dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def _str(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Channel:
    """A channel snapshot: ``state`` is Asterisk's (Down, Ring, Ringing, Up...)."""

    id: str
    name: str = ""
    state: str = ""
    caller_number: str = ""
    caller_name: str = ""
    connected_number: str = ""
    dialed_exten: str = ""
    creation_time: str = ""
    dialplan_app: str = ""
    dialplan_app_data: str = ""
    variables: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Channel:
        caller = data.get("caller") or {}
        connected = data.get("connected") or {}
        dialplan = data.get("dialplan") or {}
        return cls(
            id=_str(data, "id"),
            name=_str(data, "name"),
            state=_str(data, "state"),
            caller_number=_str(caller, "number"),
            caller_name=_str(caller, "name"),
            connected_number=_str(connected, "number"),
            dialed_exten=_str(dialplan, "exten"),
            creation_time=_str(data, "creationtime"),
            dialplan_app=_str(dialplan, "app_name"),
            dialplan_app_data=_str(dialplan, "app_data"),
            variables={str(k): str(v) for k, v in (data.get("channelvars") or {}).items()},
        )

    @property
    def endpoint_resource(self) -> str:
        """``agent1`` for ``PJSIP/agent1-0000002a``: which endpoint the channel belongs to."""
        tech_and_rest = self.name.split("/", 1)[-1]
        return tech_and_rest.rsplit("-", 1)[0]


@dataclass(frozen=True, slots=True)
class Bridge:
    """A bridge snapshot with the ids of the channels in it."""

    id: str
    bridge_type: str = ""
    channels: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Bridge:
        return cls(
            id=_str(data, "id"),
            bridge_type=_str(data, "bridge_type"),
            channels=tuple(str(c) for c in data.get("channels") or ()),
        )


@dataclass(frozen=True, slots=True)
class Playback:
    """A media playback on a channel or bridge (``target_uri`` is ``channel:<id>`` or ``bridge:<id>``)."""

    id: str
    media_uri: str = ""
    target_uri: str = ""
    state: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Playback:
        return cls(
            id=_str(data, "id"),
            media_uri=_str(data, "media_uri"),
            target_uri=_str(data, "target_uri"),
            state=_str(data, "state"),
        )

    @property
    def channel_id(self) -> str | None:
        """The channel played to, when the target is a channel."""
        kind, _, ident = self.target_uri.partition(":")
        return ident if kind == "channel" else None


@dataclass(frozen=True, slots=True)
class LiveRecording:
    """A recording in progress (``name`` is the file name without extension)."""

    name: str
    state: str = ""
    target_uri: str = ""
    format: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LiveRecording:
        return cls(
            name=_str(data, "name"),
            state=_str(data, "state"),
            target_uri=_str(data, "target_uri"),
            format=_str(data, "format"),
        )


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A device as Asterisk knows it: ``PJSIP/agent1`` is ``online`` while a registration is reachable."""

    technology: str
    resource: str
    state: str = ""  # online, offline or unknown

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Endpoint:
        return cls(
            technology=_str(data, "technology"),
            resource=_str(data, "resource"),
            state=_str(data, "state"),
        )

    @property
    def online(self) -> bool:
        return self.state == "online"
