"""Errors of channel adapters, each based on its kind in :mod:`config.errors` (which sets its status)."""

from __future__ import annotations

from config import errors
from config.errors import SignatureError, VoxdeskError


class ChannelError(VoxdeskError):
    """Base of channel errors."""


class PayloadError(ChannelError, errors.MalformedRequestError):
    """A body that is malformed, has unknown fields or is not supported (400)."""


class PayloadTooLargeError(ChannelError, errors.PayloadTooLargeError):
    """A body over the configured size limit (413)."""


class ChannelNotConfiguredError(ChannelError, errors.NotConfiguredError):
    """Outbound delivery is not set up for this channel (for example no SMS provider)."""


class DeliveryError(ChannelError, errors.UpstreamError):
    """The relay or provider refused or could not be reached."""

    recoverable = True


class ReplayedRequestError(ChannelError, errors.ConflictError):
    """The same signed request (SMS, WeChat, device alert) arrived again inside its window (409)."""


class ReplayCheckUnavailableError(ChannelError, errors.UnavailableError):
    """Redis did not answer, so a replay cannot be ruled out; the sender should retry (503)."""

    recoverable = True


class UnverifiedRecipientError(ChannelError, errors.ConflictError):
    """The customer has no verified address to reply to on this channel (409)."""


__all__ = [
    "ChannelError",
    "ChannelNotConfiguredError",
    "DeliveryError",
    "PayloadError",
    "PayloadTooLargeError",
    "ReplayCheckUnavailableError",
    "ReplayedRequestError",
    "SignatureError",
    "UnverifiedRecipientError",
]
