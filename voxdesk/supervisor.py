"""``voxdesk up``: start every part of Voxdesk on this machine, and stop them all again.

Order: data dir -> Redis (embedded unless configured) -> database migrations and demo data ->
Asterisk (sandbox, host or external) -> web app, worker and call controller as child processes.
A child that dies is restarted with backoff (``voxdesk.restarts``) while everything else, Asterisk
and its live calls included, keeps running. Only Ctrl-C, SIGTERM or ``voxdesk down`` stop the
children first, then Asterisk and Redis, so no process is left behind.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from rich.console import Console

from config.db import make_engine, make_session_factory
from config.embedded_redis import EmbeddedRedis
from config.errors import VoxdeskError
from config.migrate import upgrade
from config.settings import Settings
from voxdesk.demo import seed_demo_data
from voxdesk.restarts import Restarter

console = Console(stderr=True)


@dataclass
class ChildProcess:
    """A long-running part of Voxdesk, started in its own process group."""

    name: str
    args: list[str]
    log_path: Path
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def start(self, env: dict[str, str]) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                self.args,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.poll()

    def reap(self) -> None:
        """After the child died: its own children (a Celery pool process) must not outlive it."""
        if self.process is not None:
            _signal_group(self.process.pid, signal.SIGKILL)

    def stop(self, grace: float = 8.0) -> None:
        """SIGTERM the whole process group (a worker's own children too), then SIGKILL."""
        if self.process is None:
            return
        if self.process.poll() is None:
            _signal_group(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                _signal_group(self.process.pid, signal.SIGKILL)
                self.process.wait(5)
        # Children of the group that outlived their parent (a Celery pool process) go too.
        _signal_group(self.process.pid, signal.SIGKILL)


def stop_all(children: list[ChildProcess], grace: float = 8.0) -> None:
    """Stop the children together: all get SIGTERM at once and share one grace period (stopped one
    by one, each slow finisher added its own wait to `voxdesk down`)."""
    running = [child for child in children if child.process is not None and child.alive()]
    for child in running:
        assert child.process is not None
        _signal_group(child.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in running:
        assert child.process is not None
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.process.wait(max(0.0, deadline - time.monotonic()))
    for child in children:
        child.stop(grace=0.0)  # SIGKILL to whatever is left of each group


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def pid_file(settings: Settings) -> Path:
    return settings.data_dir / "voxdesk-up.pid"


class Step:
    """Prints one start-up step with how long it took."""

    def __init__(self, title: str) -> None:
        self.title = title

    def __enter__(self) -> Step:
        self.started = time.monotonic()
        console.print(f"[bold]…[/] {self.title}")
        return self

    def __exit__(self, exc_type: object, *_: object) -> None:
        took = time.monotonic() - self.started
        mark = "[green]✓[/]" if exc_type is None else "[red]✗[/]"
        console.print(f"{mark} {self.title} ({took:.1f} s)")


def _child_env(settings: Settings, redis_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["VOXDESK_REDIS__URL"] = redis_url
    env["VOXDESK_DATA_DIR"] = str(settings.data_dir)
    env["VOXDESK_CACHE_DIR"] = str(settings.cache_dir)
    if settings.database_url:
        env["VOXDESK_DATABASE_URL"] = settings.database_url
    return env


def _wait_for_http(url: str, child: ChildProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not child.alive():
            raise VoxdeskError(f"{child.name} exited during start-up; see {child.log_path}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise VoxdeskError(f"{child.name} did not answer at {url} within {timeout:.0f} s; see {child.log_path}")


def children_for(settings: Settings) -> list[ChildProcess]:
    """The processes ``voxdesk up`` runs next to Redis and Asterisk."""
    logs = settings.data_dir / "logs"
    python = sys.executable
    web = settings.web
    return [
        ChildProcess(
            "web",
            [
                python,
                "-m",
                "uvicorn",
                "voxdesk.processes:web_app",
                "--factory",
                "--host",
                web.host,
                "--port",
                str(web.port),
                "--log-level",
                "warning",
            ],
            logs / "web.log",
        ),
        ChildProcess(
            "worker",
            [
                python,
                "-m",
                "celery",
                "-A",
                "voxdesk.jobs:celery_app",
                "worker",
                "--beat",
                "--loglevel",
                "INFO",
                "--concurrency",
                "2",
                "--schedule",
                str(settings.data_dir / "celerybeat-schedule"),
            ],
            logs / "worker.log",
        ),
        ChildProcess("mail", [python, "-m", "voxdesk.cli", "channels", "smtp-server"], logs / "mail.log"),
        # Live transcription of both legs, and the call controller (the ARI Stasis app).
        ChildProcess("media", [python, "-m", "voxdesk.processes", "media"], logs / "media.log"),
        ChildProcess(
            "controller", [python, "-m", "voxdesk.processes", "controller"], logs / "controller.log"
        ),
    ]


def run_up(
    settings: Settings,
    start_asterisk: Callable[[Settings], Callable[[], object] | None],
    *,
    ready: Callable[[str], None] | None = None,
) -> None:
    """Start everything, block until a signal arrives, then stop everything."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    pid_path = pid_file(settings)
    if pid_path.exists() and _pid_alive(int(pid_path.read_text() or 0)):
        raise VoxdeskError(f"Voxdesk already runs (pid {pid_path.read_text()}); `voxdesk down` stops it")
    stop_requested = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stop_requested
        stop_requested = True

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    pid_path.write_text(str(os.getpid()))
    with ExitStack() as cleanup:
        cleanup.callback(pid_path.unlink, missing_ok=True)
        with Step("Redis"):
            if settings.redis.url:
                redis_url = settings.redis.url
            else:
                embedded = EmbeddedRedis(settings.data_dir / "redis", settings.redis.embedded_port)
                redis_url = embedded.start()
                cleanup.callback(embedded.stop)
        with Step(f"Database ({settings.effective_database_url.split(':', 1)[0]}) migrations"):
            upgrade(settings.effective_database_url)
            if settings.demo_data:
                engine = make_engine(settings.effective_database_url)
                accounts = seed_demo_data(
                    make_session_factory(engine), settings.data_dir, settings.customers.default_region
                )
                engine.dispose()
                if accounts:
                    console.print(f"  demo accounts written to {settings.data_dir / 'demo-credentials.txt'}")
        with Step("Asterisk"):
            stop_asterisk = start_asterisk(settings)
            if stop_asterisk is not None:
                cleanup.callback(stop_asterisk)
        env = _child_env(settings, redis_url)
        children = children_for(settings)
        cleanup.callback(stop_all, children)
        with Step("Web console, worker and call controller"):
            for child in children:
                child.start(env)
            _wait_for_http(f"http://{settings.web.host}:{settings.web.port}/health", children[0], 60)
        url = f"http://{settings.web.host}:{settings.web.port}/"
        console.print(f"\n[bold green]Voxdesk is running:[/] {url}   (Ctrl-C or `voxdesk down` stops it)")
        if ready is not None:
            ready(url)
        logs = {child.name: child.log_path for child in children}
        restarter = Restarter(children, env, time.monotonic, lambda line: _say(line, logs))
        while not stop_requested:
            restarter.check()
            time.sleep(0.2)
        console.print("Stopping Voxdesk …")
    console.print("Voxdesk stopped.")


def _say(line: str, logs: dict[str, Path]) -> None:
    """A restart goes to the terminal and into the child's own log, where its crash was written."""
    name = line.split(" ", 1)[0]
    console.print(f"[yellow]{line}[/]" + (f"; see {logs[name]}" if name in logs else ""))
    if name in logs:
        with logs[name].open("a", encoding="utf-8") as log:
            log.write(f"--- voxdesk up, {time.strftime('%Y-%m-%d %H:%M:%S')}: {line}\n")


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    status = Path(f"/proc/{pid}/status")
    return not (status.exists() and "State:\tZ" in status.read_text())


def run_down(settings: Settings, timeout: float = 60.0) -> bool:
    """Ask a running ``voxdesk up`` to stop and wait for it; False when none was running."""
    path = pid_file(settings)
    if not path.exists():
        return False
    pid = int(path.read_text() or 0)
    if not _pid_alive(pid):
        path.unlink(missing_ok=True)
        return False
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _pid_alive(pid):
        time.sleep(0.2)
    if _pid_alive(pid):
        raise VoxdeskError(f"voxdesk up (pid {pid}) did not stop within {timeout:.0f} s")
    return True
