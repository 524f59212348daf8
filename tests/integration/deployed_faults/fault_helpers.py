"""Voxdesk run as it is deployed: ``voxdesk up`` in its own session with its own data dir, embedded
Redis, sandbox Asterisk and SQLite, plus ways to find, kill and watch its child processes."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import redis
import yaml

VOXDESK = [sys.executable, "-m", "voxdesk.cli"]
AGENT = "ft-agent"
AGENT_PASSWORD = "fault-test-pass"

# A one-option menu (beeps only, so the controller renders next to no prompts when it restarts).
FLOW = """
name: faults
start: menu
default_language: en
languages: [en]
fallback: operator
nodes:
  menu:
    type: menu
    prompt: {sound: beep}
    no_input: {sound: beep}
    no_match: {sound: beep}
    timeout: 3
    retries: 1
    options:
      "1": {next: sales, label: sales}
  sales: {type: route_queue, queue: sales}
  operator: {type: route_queue, queue: sales, choice: fallback}
"""


def free_port(kind: socket.SocketKind = socket.SOCK_STREAM) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(predicate: Callable[[], bool], seconds: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = "" if log is None else "\n" + log.read_text(errors="replace")[-4000:]
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}{tail}")


def deployed_env(base: Path) -> dict[str, str]:
    """Settings for one ``voxdesk up``: free ports, the test flow and queue, an agent-only database."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("VOXDESK_")}
    rtp = free_port(socket.SOCK_DGRAM) // 100 * 100
    routing = base / "routing"
    routing.mkdir(parents=True, exist_ok=True)
    (routing / "queues.yaml").write_text(yaml.safe_dump({"queues": {"sales": {"ring_timeout": 8}}}))
    (routing / "rules.yaml").write_text(yaml.safe_dump({"default_queue": "sales", "rules": []}))
    (base / "flow.yaml").write_text(FLOW)
    env.update({
        "VOXDESK_DATA_DIR": str(base / "data"),
        "VOXDESK_DATABASE_URL": f"sqlite:///{base / 'voxdesk.db'}",
        "VOXDESK_DEMO_DATA": "false",
        "VOXDESK_WEB__PORT": str(free_port()),
        "VOXDESK_REDIS__EMBEDDED_PORT": str(free_port()),
        "VOXDESK_CHANNELS__SMTP_PORT": str(free_port()),
        "VOXDESK_ASR__MEDIA_CONTROL_PORT": str(free_port()),
        "VOXDESK_ASR__MEDIA_PORT_START": str(rtp + 200),
        "VOXDESK_ASR__MEDIA_PORT_END": str(rtp + 299),
        "VOXDESK_ASTERISK__MODE": "sandbox",
        "VOXDESK_ASTERISK__HTTP_PORT": str(free_port()),
        "VOXDESK_ASTERISK__SIP_PORT": str(free_port(socket.SOCK_DGRAM)),
        "VOXDESK_ASTERISK__RTP_START": str(rtp),
        "VOXDESK_ASTERISK__RTP_END": str(rtp + 98),
        "VOXDESK_TELEPHONY__IVR_FLOW": str(base / "flow.yaml"),
        "VOXDESK_TELEPHONY__ROUTING_DIR": str(routing),
        "VOXDESK_TELEPHONY__WRAP_UP_S": "1",
        "PYTHONUNBUFFERED": "1",
    })  # fmt: skip
    return env


def add_agent(database_url: str) -> None:
    """The agent whose softphone answers, so ``voxdesk up`` renders its SIP endpoint."""
    from config.accounts import create_user
    from config.db import make_engine, make_session_factory, session_scope
    from config.migrate import upgrade
    from config.models import Role

    upgrade(database_url)
    engine = make_engine(database_url)
    with session_scope(make_session_factory(engine)) as session:
        create_user(session, AGENT, "Fault Test Agent", Role.AGENT, "console-pass-1234", AGENT_PASSWORD)
    engine.dispose()


@dataclass
class Deployed:
    """A running ``voxdesk up`` and what a test needs to reach its parts."""

    process: subprocess.Popen[str]
    env: dict[str, str]
    log: Path

    @property
    def data_dir(self) -> Path:
        return Path(self.env["VOXDESK_DATA_DIR"])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.env['VOXDESK_WEB__PORT']}/"

    @property
    def sip_server(self) -> str:
        return f"127.0.0.1:{self.env['VOXDESK_ASTERISK__SIP_PORT']}"

    @property
    def database_url(self) -> str:
        return self.env["VOXDESK_DATABASE_URL"]

    @property
    def redis(self) -> redis.Redis:
        return redis.Redis.from_url(f"redis://127.0.0.1:{self.env['VOXDESK_REDIS__EMBEDDED_PORT']}/0")

    def child_log(self, name: str) -> Path:
        return self.data_dir / "logs" / f"{name}.log"

    def pid_of(self, marker: str) -> int | None:
        """The live child of ``voxdesk up`` whose command line holds ``marker``."""
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            parent = next((line.split()[1] for line in status.splitlines() if line.startswith("PPid:")), "")
            if parent == str(self.process.pid) and marker in cmdline and "State:\tZ" not in status:
                return int(entry.name)
        return None

    def kill_9(self, marker: str) -> int:
        pid = self.pid_of(marker)
        assert pid is not None, f"no running {marker}"
        os.kill(pid, signal.SIGKILL)
        return pid

    def restarted(self, marker: str, old_pid: int) -> bool:
        pid = self.pid_of(marker)
        return pid is not None and pid != old_pid


def start_voxdesk(base: Path) -> Deployed:
    env = deployed_env(base)
    add_agent(env["VOXDESK_DATABASE_URL"])
    log_path = base / "up.log"
    with log_path.open("w") as log:
        process = subprocess.Popen([*VOXDESK, "up"], env=env, stdout=log, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True)  # fmt: skip
    deployed = Deployed(process, env, log_path)
    wait_until(
        lambda: "Voxdesk is running" in log_path.read_text() or process.poll() is not None,
        240,  # the first sandbox install takes about a minute
        "voxdesk up",
    )
    assert process.poll() is None, log_path.read_text()
    return deployed


def stop_voxdesk(deployed: Deployed) -> None:
    if deployed.process.poll() is None:
        deployed.process.send_signal(signal.SIGINT)
        try:
            deployed.process.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(deployed.process.pid, signal.SIGKILL)


def call_events(client: redis.Redis, call_id: str) -> list[tuple[int, dict[str, Any]]]:
    """(published at, epoch ms; envelope) of every event of a call, from its Redis stream."""

    rows: list[tuple[bytes, dict[bytes, bytes]]] = client.xrange(f"voxdesk:call:{call_id}:log")  # type: ignore[assignment]
    return [(int(entry_id.decode().split("-")[0]), json.loads(fields[b"event"])) for entry_id, fields in rows]
