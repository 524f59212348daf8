"""The Asterisk Voxdesk talks to: installed, configured, started and stopped from one facade.

``AsteriskSandbox(settings)`` hides the three ways Asterisk can run (``asterisk.mode``): a Debian chroot
Voxdesk installs with debootstrap (sandbox), the host's own binary with Voxdesk's config (host), or an
Asterisk an admin runs (external: Voxdesk starts nothing and only needs ARI).
"""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from config.errors import SandboxError
from config.settings import Settings
from telephony.sandbox.agents import SipCredentialSpec, sip_ha1
from telephony.sandbox.ari_probe import AriEndpoint, asterisk_info, asterisk_version
from telephony.sandbox.credentials import ari_password
from telephony.sandbox.install import InstallReport, ensure_rootfs
from telephony.sandbox.mirror import apt_mirror
from telephony.sandbox.moh import ensure_moh_files
from telephony.sandbox.process import AsteriskProcess
from telephony.sandbox.render import RenderContext, admin_snippets, render_config
from telephony.sandbox.runtime import AsteriskRuntime, ChrootRuntime, select_runtime, state_dir

__all__ = [
    "AriEndpoint", "AsteriskSandbox", "SandboxStatus", "SipCredentialSpec", "UpReport", "sip_ha1",
]  # fmt: skip

Progress = Callable[[str], None]


@dataclass(frozen=True)
class SandboxStatus:
    """What ``voxdesk asterisk status`` shows."""

    mode: str
    running: bool
    pid: int | None
    ari_url: str
    ari_answers: bool
    version: str | None


@dataclass(frozen=True)
class UpReport:
    """What the last :meth:`AsteriskSandbox.up` did and how long it took."""

    ari: AriEndpoint
    install: InstallReport | None
    start_to_ari_seconds: float | None
    reloaded: bool


def _port_free(host: str, port: int, kind: socket.SocketKind) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, kind) as probe:
        # SO_REUSEADDR as Asterisk sets it: TIME_WAIT leftovers of ARI polling do not block a restart
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


class AsteriskSandbox:
    """Install, configure, start, stop and query Voxdesk's Asterisk."""

    def __init__(self, settings: Settings, progress: Progress | None = None) -> None:
        self.settings = settings
        self.asterisk = settings.asterisk
        self.runtime: AsteriskRuntime | None = select_runtime(settings)
        self._say = progress or (lambda _message: None)
        self._state = state_dir(settings)
        self.last_up: UpReport | None = None
        self._process: AsteriskProcess | None = None
        if self.runtime is not None:
            self._process = AsteriskProcess(
                self.runtime, self._state / "asterisk.pid", self._state / "asterisk.log"
            )

    @property
    def mode(self) -> str:
        """``sandbox``, ``host`` or ``external``."""
        return self.runtime.name if self.runtime is not None else "external"

    @property
    def ari(self) -> AriEndpoint:
        """Where ARI is and how to log in."""
        if self.runtime is None:
            if not self.asterisk.ari_url:
                raise SandboxError("asterisk.mode=external needs asterisk.ari_url (e.g. http://pbx:8088/ari)")
            password = self.asterisk.ari_password
            if not password:
                raise SandboxError("asterisk.mode=external needs asterisk.ari_password")
            return AriEndpoint(self.asterisk.ari_url.rstrip("/"), self.asterisk.ari_user, password)
        host = self.asterisk.bind_address
        host = "127.0.0.1" if host in ("0.0.0.0", "", "::") else host
        host = f"[{host}]" if ":" in host else host
        password = ari_password(self.asterisk.ari_password, self._state / "ari-password")
        return AriEndpoint(f"http://{host}:{self.asterisk.http_port}/ari", self.asterisk.ari_user, password)

    def _render_context(self, agents: Sequence[SipCredentialSpec]) -> RenderContext:
        dirs = self.runtime.dirs if self.runtime is not None else ChrootRuntime(Path("/"), "external").dirs
        return RenderContext.from_settings(self.asterisk, dirs, self.ari.password, agents)

    def render(self, agents: Sequence[SipCredentialSpec] = ()) -> list[Path]:
        """Write the config files where this runtime's Asterisk reads them."""
        if self.runtime is None:
            raise SandboxError(
                "asterisk.mode=external: Voxdesk does not write the config; see admin_snippets()"
            )
        dirs = self.runtime.dirs
        ensure_moh_files(self.runtime.host_path(dirs.moh) / "default")
        for inner in dirs.state_dirs:  # the recording folder too: ARI answers 500 without it
            self.runtime.host_path(inner).mkdir(parents=True, exist_ok=True)
        return render_config(self._render_context(agents), self.runtime.host_path(dirs.etc))

    def recordings_dir(self) -> Path | None:
        """Host path of the call recordings (None for an external Asterisk: its files live on the PBX)."""
        if self.runtime is None:
            return None
        return self.runtime.host_path(self.runtime.dirs.recordings)

    def admin_snippets(self, agents: Sequence[SipCredentialSpec] = ()) -> dict[str, str]:
        """Config file name -> lines an admin adds to an existing Asterisk for Voxdesk."""
        return admin_snippets(self._render_context(agents))

    def install(self) -> InstallReport | None:
        """Install the chroot if it is missing (nothing to do for host or external Asterisk)."""
        return self._install()

    def _install(self) -> InstallReport | None:
        if not isinstance(self.runtime, ChrootRuntime):
            return None
        mirror = self.asterisk.debian_mirror or apt_mirror()
        report = ensure_rootfs(self.runtime.rootfs, self.asterisk.debian_suite, mirror, self._say)
        if report.installed:
            self._say(f"Asterisk sandbox installed in {report.seconds:.1f} s")
        if os.geteuid() != 0:
            raise SandboxError("the Asterisk sandbox runs in a chroot and needs root; run as root "
                               "or set asterisk.mode=external with asterisk.ari_url")  # fmt: skip
        return report

    def _check_ports(self, grace: float = 10.0) -> None:
        host = self.asterisk.bind_address
        deadline = time.monotonic() + grace
        for port, kind, setting in ((self.asterisk.http_port, socket.SOCK_STREAM, "http_port"),
                                    (self.asterisk.sip_port, socket.SOCK_DGRAM, "sip_port")):  # fmt: skip
            # Right after a stop the old process may still be closing its sockets: wait a little.
            while not _port_free(host, port, kind) and time.monotonic() < deadline:
                time.sleep(0.1)
            if not _port_free(host, port, kind):
                raise SandboxError(
                    f"port {host}:{port} is in use; stop what holds it or set asterisk.{setting}"
                )

    def up(self, agents: Sequence[SipCredentialSpec] = (), timeout: float = 30.0) -> AriEndpoint:
        """Install if needed, render the config and start Asterisk; reload it instead if it already runs.

        Raises:
            SandboxError: install, start or ARI failed; the message says why and where the logs are.
        """
        if self._process is None:
            ari = self.ari
            if asterisk_info(ari) is None:
                raise SandboxError(f"the external ARI at {ari.url} does not answer with these credentials",
                                   recoverable=True)  # fmt: skip
            self.last_up = UpReport(ari, None, None, reloaded=False)
            return ari
        install = self._install()
        self.render(agents)
        ari = self.ari
        if self._process.pid() is not None:
            self._process.cli("core reload")
            self._say("Asterisk was running; configuration reloaded")
            self.last_up = UpReport(ari, install, None, reloaded=True)
            return ari
        self._check_ports()
        started = time.monotonic()
        pid = self._process.start()
        waited = self._process.wait_for_ari(ari, timeout)
        elapsed = time.monotonic() - started
        self._say(f"Asterisk pid {pid}: ARI answered {elapsed:.2f} s after start ({waited:.2f} s polling)")
        self.last_up = UpReport(ari, install, elapsed, reloaded=False)
        return ari

    def down(self) -> bool:
        """Stop Asterisk; True if one was running (external mode: never stops anything)."""
        return self._process.stop() if self._process is not None else False

    def status(self) -> SandboxStatus:
        """PID, whether ARI answers, and the Asterisk version."""
        pid = self._process.pid() if self._process is not None else None
        try:
            ari = self.ari
            info = asterisk_info(ari) if pid is not None or self._process is None else None
        except SandboxError:
            return SandboxStatus(self.mode, False, None, self.asterisk.ari_url or "", False, None)
        running = pid is not None or (self._process is None and info is not None)
        return SandboxStatus(self.mode, running, pid, ari.url, info is not None, asterisk_version(info))

    def cli(self, command: str) -> str:
        """Run an Asterisk CLI command (sandbox and host modes only)."""
        if self._process is None:
            raise SandboxError("asterisk.mode=external: run CLI commands on the PBX itself")
        return self._process.cli(command)
