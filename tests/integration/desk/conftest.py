"""Desk fixtures: one migrated scratch PostgreSQL database per test session, users, a settable clock."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.events import Notifier
from desk.desk_helpers import DESK_REDIS_DB, Api, RecordingScheduler, desk_app, redis_db_url
from tickets.desk.outbox import DeskRuntime
from tickets.sla.clock import SettableClock, SystemClock


@pytest.fixture(scope="session")
def desk_pg_url(migrated_postgres: Callable[[str], str]) -> str:
    """A scratch PostgreSQL database with every migration applied, dropped after the session."""
    return migrated_postgres("desk")


@pytest.fixture(scope="session")
def desk_factory(desk_pg_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(desk_pg_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def session(desk_factory: sessionmaker[Session]) -> Iterator[Session]:
    with desk_factory() as db:
        yield db


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(datetime(2026, 12, 1, 9, 0, tzinfo=UTC))


@pytest.fixture
def runtime(clock: SettableClock, redis_url: str) -> DeskRuntime:
    return DeskRuntime(clock=clock, events=Notifier.from_url(redis_url), timers=RecordingScheduler())


@pytest.fixture
def api(
    desk_pg_url: str,
    desk_factory: sessionmaker[Session],
    tmp_path: Path,
    redis_url: str,
    runtime: DeskRuntime,
) -> Iterator[Api]:
    runtime.clock = SystemClock()
    app = desk_app(desk_pg_url, tmp_path, redis_url, runtime)
    with TestClient(app) as client:
        yield Api(client, desk_factory, app.state.secret_key)


@pytest.fixture
def broker(redis_url: str) -> Iterator[str]:
    url = redis_db_url(DESK_REDIS_DB)
    yield url
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match="*"):  # only our own database number: queues and unacked jobs
        client.delete(key)
