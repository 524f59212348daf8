"""Health checks of what Voxdesk depends on: the database, Redis and Asterisk's ARI."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import redis
from sqlalchemy import text
from sqlalchemy.engine import Engine


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


def check_ari(url: str, user: str, password: str) -> CheckResult:
    def probe() -> str:
        response = httpx.get(f"{url.rstrip('/')}/asterisk/info", auth=(user, password), timeout=2)
        response.raise_for_status()
        return f"asterisk {response.json().get('system', {}).get('version', '?')}"

    return _timed("asterisk", probe)
