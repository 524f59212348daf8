"""Errors of media taps.

VoxdeskError
└── TapError        a leg could not be tapped (no media worker, Asterisk refused a channel, timeout);
                    the call goes on untranscribed, and ``recoverable`` says if a retry may help
"""

from __future__ import annotations

from config.errors import VoxdeskError


class TapError(VoxdeskError):
    """A leg could not be tapped or untapped."""

    recoverable = True
