"""Start, watch, stop and talk to one Asterisk process.

Asterisk runs in the foreground (``-f``) in its own session, so its PID is the one we spawned and a
terminal closing does not take it down. Its PID goes into a file so a later CLI call can find it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from config.errors import SandboxError
from telephony.sandbox.ari_probe import AriEndpoint, asterisk_info
from telephony.sandbox.runtime import AsteriskRuntime


def _alive(pid: int) -> bool:
    """True when ``pid`` runs and is not a zombie (``kill 0`` succeeds on zombies too)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _threads_left(pid: int) -> int:
    """How many threads of ``pid`` the kernel still lists (0 once it is reaped)."""
    try:
        return len(os.listdir(f"/proc/{pid}/task"))
    except OSError:
        return 0


def _is_asterisk(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            return b"asterisk" in cmdline.read()
    except OSError:
        return False


@dataclass
class AsteriskProcess:
    """One Asterisk, found through its PID file."""

    runtime: AsteriskRuntime
    pid_file: Path
    log_file: Path
    _child: subprocess.Popen[bytes] | None = None

    def pid(self) -> int | None:
        """PID of the running Asterisk, or None (a stale PID file is ignored)."""
        if self._child is not None:
            self._child.poll()  # reap it if it died, so it is not a zombie we mistake for alive
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) and _is_asterisk(pid) else None

    def _exiting_or_running(self, pid: int) -> bool:
        """True until ``pid`` is a zombie or gone.

        An exiting process loses its cmdline before it closes its sockets, so :meth:`pid` stops
        recognising it while it still holds the ARI and SIP ports; only its state tells.
        """
        if self._child is not None:
            self._child.poll()
        # The main thread can be a zombie while other threads still exit and hold the sockets.
        return _alive(pid) or _threads_left(pid) > 1

    def messages_log(self) -> Path:
        """Asterisk's own log (``messages.log`` in its private log dir)."""
        return self.runtime.host_path(self.runtime.dirs.log) / "messages.log"

    def start(self) -> int:
        """Spawn Asterisk and return its PID; does not wait for ARI."""
        for inner in self.runtime.dirs.state_dirs:
            self.runtime.host_path(inner).mkdir(parents=True, exist_ok=True)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log_file, "ab") as log:
            self._child = subprocess.Popen(
                self.runtime.command("-f", "-n", "-g"),
                stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        self.pid_file.write_text(f"{self._child.pid}\n")
        return self._child.pid

    def _failure(self, reason: str) -> SandboxError:
        tail = ""
        if self.log_file.exists():
            lines = self.log_file.read_text(errors="replace").splitlines()[-12:]
            tail = "\n  " + "\n  ".join(lines) if lines else ""
        return SandboxError(
            f"{reason}; see {self.log_file} and {self.messages_log()}{tail}", recoverable=True
        )

    def wait_for_ari(self, ari: AriEndpoint, timeout: float = 30.0) -> float:
        """Poll ARI until it answers; return the seconds waited.

        Raises:
            SandboxError: Asterisk died or ARI stayed silent; the message points at the logs.
        """
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if asterisk_info(ari, timeout=1.0) is not None:
                return time.monotonic() - started
            if self.pid() is None:
                raise self._failure("Asterisk exited during start-up")
            time.sleep(0.05)
        raise self._failure(f"ARI at {ari.url} did not answer within {timeout:.0f} s")

    def cli(self, command: str, timeout: float = 10.0) -> str:
        """Run one Asterisk CLI command through the control socket and return its output.

        Raises:
            SandboxError: Asterisk is not running or the command could not be delivered.
        """
        if self.pid() is None:
            raise SandboxError(
                "Asterisk is not running; start it with `voxdesk asterisk up`", recoverable=True
            )
        try:
            done = subprocess.run(
                self.runtime.command("-rx", command),
                capture_output=True,
                text=True,
                timeout=timeout,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise SandboxError(f"Asterisk CLI {command!r} timed out", recoverable=True) from exc
        if done.returncode != 0:
            raise SandboxError(
                f"Asterisk CLI {command!r} failed: {done.stderr.strip() or done.stdout.strip()}"
            )
        return done.stdout

    def stop(self, timeout: float = 5.0) -> bool:
        """Stop Asterisk: ``core stop now``, then SIGTERM, then SIGKILL. Returns True if one was running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        try:
            self.cli("core stop now", timeout=timeout)
        except SandboxError:
            pass  # fall through to signals
        for sig in (None, signal.SIGTERM, signal.SIGKILL):
            if sig is not None:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    break
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self._exiting_or_running(pid):
                time.sleep(0.05)
            if not self._exiting_or_running(pid):
                break
        if self._child is not None:
            self._child.wait(timeout=timeout)
            self._child = None
        self.pid_file.unlink(missing_ok=True)
        return True
