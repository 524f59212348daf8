"""A real ``celery worker`` process for desk integration tests (SLA timers, webhook deliveries)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path


class Worker:
    """A real ``celery worker`` process on the desk tests' Redis database and scratch PostgreSQL."""

    def __init__(
        self, name: str, pg_url: str, broker: str, log_dir: Path, extra_env: dict[str, str] | None = None
    ) -> None:
        self.log = log_dir / f"{name}.log"
        env = (
            os.environ
            | {
                "VOXDESK_DATABASE_URL": pg_url,
                "VOXDESK_REDIS__URL": broker,
                "VOXDESK_DATA_DIR": str(log_dir),
            }
            | (extra_env or {})
        )
        command = [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "voxdesk.jobs:celery_app",
            "worker",
            "--pool=solo",
            "-n",
            f"{name}@desk-test",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-l",
            "INFO",
        ]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self, timeout: float = 60) -> None:
        wait_for(
            lambda: "ready." in self.log.read_text(errors="replace"),
            timeout,
            f"worker never ready: {self.log}",
        )

    def kill(self) -> None:
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def wait_for(condition: Callable[[], bool], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.3)
    raise AssertionError(message)
