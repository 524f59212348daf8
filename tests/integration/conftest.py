"""Integration fixtures: real components on loopback. Add fixtures for other components here too."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest
from asterisk_support import ICE_ALIAS, ICE_BLACKLIST, RunningAsterisk, TestAgent, ensure_ice_alias, free_port

from config.settings import AsteriskMode, Settings, load_settings
from telephony.sandbox import AsteriskSandbox


@pytest.fixture(scope="session")
def asterisk_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings for a sandbox Asterisk with a throwaway data dir but the shared chroot in the cache dir
    (so only the first run ever pays for the install), on default ports unless they are busy."""
    base = load_settings()
    asterisk = base.asterisk.model_copy(
        update={
            "mode": AsteriskMode.SANDBOX,
            "bind_address": "127.0.0.1",
            "http_port": free_port(8088),
            "sip_port": free_port(5060, socket.SOCK_DGRAM),
            "ari_password": None,
            # browser softphone tests: an ICE candidate for loopback, and nothing but loopback
            "ice_loopback_alias": ICE_ALIAS,
            "ice_blacklist": ICE_BLACKLIST,
        }
    )
    data_dir = tmp_path_factory.mktemp("asterisk-data")
    return base.model_copy(update={"asterisk": asterisk, "data_dir": data_dir})


@pytest.fixture(scope="session")
def asterisk(asterisk_settings: Settings) -> Iterator[RunningAsterisk]:
    """A real Asterisk for the whole session, stopped at the end. Fails (never skips) if it cannot start."""
    agent = TestAgent("agent1001", "s3cret-agent-pass")
    ensure_ice_alias(asterisk_settings.asterisk.ice_loopback_alias or ICE_ALIAS)
    sandbox = AsteriskSandbox(asterisk_settings, progress=print)
    ari = sandbox.up(agents=[agent.credential])
    try:
        yield RunningAsterisk(sandbox, ari, f"127.0.0.1:{asterisk_settings.asterisk.sip_port}", agent)
    finally:
        sandbox.down()
