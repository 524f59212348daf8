"""Errors of call control, each based on its kind in :mod:`config.errors` (which sets its status).

VoxdeskError
└── CallError
    ├── CallNotFoundError         no live call has that id (it ended, or never existed)   NotFound
    ├── InvalidTransitionError    the state machine refused a move                         Conflict
    ├── CallStateConflictError    the call's state does not allow the request now         Conflict
    ├── NotOnThisCallError        an agent acted on a call that is not theirs             Forbidden
    └── BadTransferTargetError    unknown queue or agent, or the agent themself            InvalidInput
"""

from __future__ import annotations

from config import errors
from config.errors import VoxdeskError


class CallError(VoxdeskError):
    """Base of call-control errors."""


class InvalidTransitionError(CallError, errors.ConflictError):
    """The state machine refused a transition; the call is unchanged."""

    def __init__(self, call_id: str, current: str, requested: str) -> None:
        super().__init__(f"call {call_id}: cannot go from {current!r} to {requested!r}")
        self.current = current
        self.requested = requested


class CallNotFoundError(CallError, errors.NotFoundError):
    """The call is not live."""


class CallStateConflictError(CallError, errors.ConflictError):
    """The call's state does not allow the request now."""


class NotOnThisCallError(CallError, errors.ForbiddenError):
    """Agents control only the calls they are on."""


class BadTransferTargetError(CallError, errors.InvalidInputError):
    """The transfer target does not exist or cannot take the call."""
