"""How ``voxdesk up`` brings Asterisk up: the sandbox, the host's Asterisk, or an external one."""

from __future__ import annotations

from collections.abc import Callable

from config.settings import AsteriskMode, Settings


def start_asterisk(settings: Settings) -> Callable[[], object] | None:
    """Start Asterisk with one endpoint per agent in the database; returns how to stop it.

    Returns None for an external Asterisk, which is not ours to stop.
    """
    if settings.asterisk.mode is AsteriskMode.EXTERNAL:
        return None
    from telephony.cli import agent_credentials
    from telephony.sandbox import AsteriskSandbox

    sandbox = AsteriskSandbox(settings, progress=print)
    sandbox.up(agents=agent_credentials(settings))
    return sandbox.down
