"""The session Asterisk's shape, importable by tests (conftest modules are not importable by name)."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
from dataclasses import dataclass

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


ICE_ALIAS = "169.254.77.1"  # link-local, never routed: Asterisk advertises it as 127.0.0.1 (rtp.conf)
ICE_BLACKLIST = ["192.0.2.0/24"]  # this rig's eth0: browser calls in tests stay on loopback


def ensure_ice_alias(address: str = ICE_ALIAS, device: str = "lo") -> None:
    """Put ``address`` on ``device`` (idempotent; needs root), so Asterisk has an ICE host candidate
    to map to 127.0.0.1. Test rigs only: a real deployment's interface needs no alias."""
    shown = subprocess.run(["ip", "-4", "-o", "addr", "show"], capture_output=True, text=True, check=True)
    words = [word for line in shown.stdout.splitlines() for word in line.split() if "/" in word]
    if any(ipaddress.ip_interface(word).ip == ipaddress.ip_address(address) for word in words if "." in word):
        return
    subprocess.run(["ip", "addr", "add", f"{address}/32", "dev", device], check=True, capture_output=True)


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
