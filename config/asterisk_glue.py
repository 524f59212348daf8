"""How ``voxdesk up`` brings Asterisk up: the sandbox, the host's Asterisk, or an external one."""

from __future__ import annotations

from collections.abc import Callable

from config.db import make_engine, make_session_factory
from config.demo import sip_credentials
from config.settings import AsteriskMode, Settings


def start_asterisk(settings: Settings) -> Callable[[], object] | None:
    """Start Asterisk with one endpoint per agent in the database; returns how to stop it.

    Returns None for an external Asterisk, which is not ours to stop.
    """
    if settings.asterisk.mode is AsteriskMode.EXTERNAL:
        return None
    from telephony.sandbox import AsteriskSandbox, SipCredentialSpec

    engine = make_engine(settings.effective_database_url)
    try:
        agents = [
            SipCredentialSpec(c.username, c.realm, c.ha1)
            for c in sip_credentials(make_session_factory(engine))
        ]
    finally:
        engine.dispose()
    sandbox = AsteriskSandbox(settings, progress=print)
    sandbox.up(agents=agents)
    return sandbox.down
