"""Helpers shared by the desk integration tests (importable: this folder is on sys.path)."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from config.models import Role, User
from config.settings import Settings
from tickets.desk.outbox import DeskRuntime
from web.app import create_app
from web.auth import Principal, issue_token


@dataclass
class RecordingScheduler:
    """Records SLA wake-ups instead of queueing Celery jobs; tests fire them by moving the clock."""

    scheduled: list[tuple[int, datetime]] = field(default_factory=list)

    def schedule(self, timer_id: int, eta: datetime) -> None:
        self.scheduled.append((timer_id, eta))


def make_user(factory: sessionmaker[Session], role: Role = Role.AGENT, prefix: str = "agent") -> User:
    with session_scope(factory) as db:
        user = User(
            username=f"{prefix}_{uuid.uuid4().hex[:8]}",
            display_name=prefix.title(),
            role=role,
            password_hash="x",  # never signs in: tokens are issued directly
        )
        db.add(user)
    return user


PG_URL = os.environ.get("VOXDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
DESK_REDIS_DB = 12  # Celery queues of desk tests live here, away from other engineers' jobs


def redis_db_url(db: int) -> str:
    return REDIS_URL.rsplit("/", 1)[0] + f"/{db}"


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
