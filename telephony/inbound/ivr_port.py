"""The IVR as call control sees it: a session fed with events that answers with actions.

``telephony/ivr`` (the flow interpreter) is built separately; this port is what the driver needs
from it. :mod:`telephony.inbound.menu_flow` implements it for a simple menu until the full
interpreter is wired in.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Play:
    """Play ``media`` (an ARI media URI such as ``sound:hello-world``); ``ref`` names it."""

    media: str
    ref: str


@dataclass(frozen=True, slots=True)
class CollectDtmf:
    """Wait for digits; after ``timeout`` s of quiet (once prompts end) call ``on_timeout(token)``."""

    max_digits: int
    timeout: float
    token: int


@dataclass(frozen=True, slots=True)
class RouteToQueue:
    queue: str
    priority: int = 0
    skills: dict[str, int] = field(default_factory=dict)
    choice: str = ""


@dataclass(frozen=True, slots=True)
class Hangup:
    reason: str = "normal"


IvrAction = Play | CollectDtmf | RouteToQueue | Hangup


class IvrSession(Protocol):
    """One caller's way through a flow; ``path`` lists the nodes visited (for the call record)."""

    path: list[str]

    def start(self) -> Sequence[IvrAction]: ...

    def on_dtmf(self, digit: str) -> Sequence[IvrAction]: ...

    def on_playback_finished(self, ref: str) -> Sequence[IvrAction]: ...

    def on_timeout(self, token: int) -> Sequence[IvrAction]: ...


class IvrFlowSource(Protocol):
    """Hands out sessions of the flow in use; a refused reload keeps the previous flow."""

    def new_session(self, caller_number: str) -> IvrSession: ...

    def reload(self, text: str | None = None) -> object:
        """Validate and switch; raises a VoxdeskError naming the node and keeps the running flow."""
        ...
