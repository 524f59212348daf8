"""Desk fixtures: one migrated scratch PostgreSQL database per test session, users, a settable clock."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest
from desk_helpers import RecordingScheduler, make_user
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.events import Notifier
from config.migrate import upgrade
from config.models import Role
from config.settings import Settings
from tickets.desk.outbox import DeskRuntime
from tickets.sla.clock import SettableClock, SystemClock
from web.app import create_app
from web.auth import Principal, issue_token

PG_URL = os.environ.get("VOXDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DESK_REDIS_DB = 12  # Celery queues of desk tests live here, away from other engineers' jobs


def redis_db_url(db: int) -> str:
    return REDIS_URL.rsplit("/", 1)[0] + f"/{db}"


@pytest.fixture(scope="session")
def desk_pg_url() -> Iterator[str]:
    """A scratch PostgreSQL database with every migration applied, dropped after the session."""
    name = f"voxdesk_desk_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


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


@dataclass
class Api:
    """A TestClient on the real app (PostgreSQL, Redis) and a way to get a token per role."""

    client: TestClient
    factory: sessionmaker[Session]
    secret: str

    def token(self, role: Role) -> dict[str, str]:
        user = make_user(self.factory, role, role.value)
        token = issue_token(self.secret, Principal(user.id, user.username, role))
        return {"Authorization": f"Bearer {token}"}


ALERT_SECRET = "test-alert-secret"


def desk_app(pg_url: str, data_dir: Path, redis_url: str, runtime: DeskRuntime | None = None) -> FastAPI:
    settings = Settings(
        database_url=pg_url,
        data_dir=data_dir,
        redis={"url": redis_url},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
        desk={"alert_webhook_secret": ALERT_SECRET, "max_body_bytes": 64 * 1024},
    )
    app = create_app(settings)
    if runtime is not None:
        app.state.desk_runtime = runtime
    return app


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
