"""Errors of call control.

VoxdeskError
└── CallError
    ├── InvalidTransitionError   a call was asked to move to a state its current state does not lead to
    └── CallNotFoundError        no live call has that id (it ended, or never existed)
"""

from __future__ import annotations

from config.errors import VoxdeskError


class CallError(VoxdeskError):
    """Base of call-control errors."""


class InvalidTransitionError(CallError):
    """The state machine refused a transition; the call is unchanged."""

    def __init__(self, call_id: str, current: str, requested: str) -> None:
        super().__init__(f"call {call_id}: cannot go from {current!r} to {requested!r}")
        self.current = current
        self.requested = requested


class CallNotFoundError(CallError):
    """The call is not live."""
