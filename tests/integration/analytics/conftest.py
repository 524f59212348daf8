"""Analytics integration fixtures: a migrated PostgreSQL database holding the hand-computed week."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from analytics_dataset import seed
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from config.db import make_engine, make_session_factory, session_scope
from config.models import Role, User
from config.sessions import open_session
from config.settings import RedisSettings, Settings, WebSettings
from web.app import create_app

REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def analytics_pg_url(migrated_postgres: Callable[[str], str]) -> str:
    return migrated_postgres("an")


@pytest.fixture(scope="session")
def analytics_engine(analytics_pg_url: str) -> Iterator[Engine]:
    engine = make_engine(analytics_pg_url)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def week_ids(analytics_engine: Engine) -> dict[str, int]:
    """The week's records, inserted once for the folder."""
    with session_scope(make_session_factory(analytics_engine)) as session:
        return seed(session)


@pytest.fixture(scope="session")
def analytics_client(
    analytics_pg_url: str, week_ids: dict[str, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[TestClient]:
    data_dir: Path = tmp_path_factory.mktemp("analytics-data")
    settings = Settings(
        database_url=analytics_pg_url,
        data_dir=data_dir,
        redis=RedisSettings(url=REDIS_URL),
        web=WebSettings(secret_key="analytics-" + uuid.uuid4().hex),
    )
    with TestClient(create_app(settings)) as client:
        yield client


@pytest.fixture(scope="session")
def bearer(analytics_engine: Engine) -> Callable[[Role], dict[str, str]]:
    """An Authorization header for a user of each role (made on first use)."""
    tokens: dict[Role, str] = {}

    def make(role: Role) -> dict[str, str]:
        if role not in tokens:
            with session_scope(make_session_factory(analytics_engine)) as session:
                user = User(
                    username=f"an-{role.value}", display_name=role.value, role=role, password_hash="!"
                )
                session.add(user)
                session.flush()
                tokens[role] = open_session(session, user.id)
        return {"authorization": f"Bearer {tokens[role]}"}

    return make
