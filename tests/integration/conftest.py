"""Integration fixtures: real components on loopback. Add fixtures for other components here too."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from config.settings import AsteriskMode, Settings, load_settings
from telephony.sandbox import AriEndpoint, AsteriskSandbox, SipCredentialSpec


def free_port(preferred: int, kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    """``preferred`` when nothing listens on it, else a port the kernel picks."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, kind) as probe:
            # SO_REUSEADDR as Asterisk sets it: TIME_WAIT leftovers of ARI polling do not block a restart
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(probe.getsockname()[1])
    raise RuntimeError("no free port on 127.0.0.1")


@dataclass(frozen=True)
class TestAgent:
    """An agent SIP account the sandbox is configured with (the password exists only in tests)."""

    username: str
    password: str
    realm: str = "voxdesk"

    @property
    def credential(self) -> SipCredentialSpec:
        return SipCredentialSpec.from_password(self.username, self.realm, self.password)


@dataclass(frozen=True)
class RunningAsterisk:
    """The session's Asterisk: the facade, where ARI is, and where SIP is."""

    sandbox: AsteriskSandbox
    ari: AriEndpoint
    sip_server: str
    agent: TestAgent


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
        }
    )
    data_dir = tmp_path_factory.mktemp("asterisk-data")
    return base.model_copy(update={"asterisk": asterisk, "data_dir": data_dir})


@pytest.fixture(scope="session")
def asterisk(asterisk_settings: Settings) -> Iterator[RunningAsterisk]:
    """A real Asterisk for the whole session, stopped at the end. Fails (never skips) if it cannot start."""
    agent = TestAgent("agent1001", "s3cret-agent-pass")
    sandbox = AsteriskSandbox(asterisk_settings, progress=print)
    ari = sandbox.up(agents=[agent.credential])
    try:
        yield RunningAsterisk(sandbox, ari, f"127.0.0.1:{asterisk_settings.asterisk.sip_port}", agent)
    finally:
        sandbox.down()
