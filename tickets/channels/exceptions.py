"""Errors of channel adapters; web/ maps them to 4xx answers."""

from __future__ import annotations

from config.errors import VoxdeskError


class ChannelError(VoxdeskError):
    """Base of channel errors."""


class SignatureError(ChannelError):
    """A webhook or token signature is missing, forged or expired (403)."""


class PayloadError(ChannelError):
    """A body that is malformed, has unknown fields or is not supported (400)."""


class PayloadTooLargeError(ChannelError):
    """A body over the configured size limit (413)."""


class ChannelNotConfiguredError(ChannelError):
    """Outbound delivery is not set up for this channel (for example no SMS provider)."""


class DeliveryError(ChannelError):
    """The relay or provider refused or could not be reached."""

    recoverable = True
