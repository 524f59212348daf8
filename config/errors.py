"""Voxdesk's exception tree, in one place.

VoxdeskError
├── SettingsError          a setting is wrong; the message names the key and the reason
├── StorageError           the database is unreachable or its schema is behind
├── EventBusError          Redis refused or dropped a publish/subscribe
└── SandboxError           the Asterisk sandbox cannot be installed, started or reached

Every error says whether trying again can help (``recoverable``); ``web/`` maps them to HTTP.
"""

from __future__ import annotations


class VoxdeskError(Exception):
    """Base of every error Voxdesk raises on purpose."""

    recoverable: bool = False

    def __init__(self, message: str, *, recoverable: bool | None = None) -> None:
        super().__init__(message)
        if recoverable is not None:
            self.recoverable = recoverable


class SettingsError(VoxdeskError):
    """A setting is missing or wrong; fix the file or the environment and start again."""


class StorageError(VoxdeskError):
    """The database cannot be used."""

    recoverable = True


class EventBusError(VoxdeskError):
    """The Redis event bus cannot be used."""

    recoverable = True


class SandboxError(VoxdeskError):
    """The Asterisk sandbox cannot be installed, started or reached."""


class WeakPasswordError(VoxdeskError):
    """A new password fails the password policy (too short, common, or the username)."""


class LoginThrottledError(VoxdeskError):
    """Too many failed sign-ins for this user or address; ``retry_after`` says when to try again."""

    recoverable = True

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutboundAddressRefusedError(VoxdeskError):
    """An outbound URL resolves to a loopback, private, link-local or metadata address."""
