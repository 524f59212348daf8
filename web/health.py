"""Health checks of what Voxdesk depends on: the database, Redis, and Asterisk through call control."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine

from telephony.readmodel import ControllerStatus


@dataclass(frozen=True)
class CheckResult:
    """One dependency's state, with how long the check took."""

    name: str
    ok: bool
    detail: str
    millis: float


def _timed(name: str, probe: Callable[[], str]) -> CheckResult:
    started = time.perf_counter()
    try:
        detail, ok = probe(), True
    except Exception as exc:  # a health check reports every failure instead of raising it
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return CheckResult(name, ok, detail, round((time.perf_counter() - started) * 1000, 1))


def check_database(engine: Engine) -> CheckResult:
    def probe() -> str:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return engine.dialect.name

    return _timed("database", probe)


def check_redis(url: str) -> CheckResult:
    def probe() -> str:
        client = redis.Redis.from_url(url, socket_timeout=2)
        try:
            client.ping()
            return f"redis {client.info('server').get('redis_version')}"
        finally:
            client.close()

    return _timed("redis", probe)


def check_call_control(read_status: Callable[[], ControllerStatus | None]) -> CheckResult:
    """Asterisk as the controller sees it (web never asks Asterisk itself): from its heartbeat."""

    def probe() -> str:
        status = read_status()
        if status is None:
            raise RuntimeError("no call controller is running")
        if not status.ari_connected:
            raise RuntimeError(f"controller {status.controller_id} is not connected to ARI")
        return f"asterisk {status.asterisk_version or '?'} (controller {status.controller_id})"

    return _timed("asterisk", probe)
