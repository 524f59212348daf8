"""How ``voxdesk up`` brings Asterisk up: the sandbox, the host's Asterisk, or an external one."""

from __future__ import annotations

from collections.abc import Callable

from config.settings import AsteriskMode, Settings


def start_asterisk(settings: Settings) -> Callable[[], None] | None:
    """Start Asterisk as settings say; returns how to stop it (None when it is not ours)."""
    if settings.asterisk.mode is AsteriskMode.EXTERNAL:
        return None
    from telephony.sandbox import AsteriskSandbox

    sandbox = AsteriskSandbox(settings)
    sandbox.up()
    return sandbox.down
