"""Errors of the ARI client.

AriError (VoxdeskError)          ARI answered with an error or could not be reached
├── AriNotFoundError                  404: the channel, bridge or playback is gone (normal in telephony:
│                                the caller may hang up between an event and our request)
├── AriConflictError                  409: the object is in the wrong state (e.g. channel not in Stasis)
└── AriUnavailableError               Asterisk cannot be reached; recoverable, the stream reconnects
"""

from __future__ import annotations

from config.errors import VoxdeskError


class AriError(VoxdeskError):
    """ARI refused a request; ``status`` is the HTTP status (0 when no answer came)."""

    def __init__(self, message: str, *, status: int = 0, recoverable: bool | None = None) -> None:
        super().__init__(message, recoverable=recoverable)
        self.status = status


class AriNotFoundError(AriError):
    """The object no longer exists; callers usually treat this as 'already done'."""


class AriConflictError(AriError):
    """The object exists but cannot do that now (409/422)."""


class AriUnavailableError(AriError):
    """Asterisk is unreachable; retrying after a reconnect may help."""

    recoverable = True
