"""QA API fixtures: the real app on a migrated scratch PostgreSQL database and Redis (db 3)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from desk.desk_helpers import PG_URL, Api, desk_app
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.migrate import upgrade


@pytest.fixture(scope="session")
def qa_pg_url() -> Iterator[str]:
    name = f"voxdesk_qa_{uuid.uuid4().hex[:10]}"
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
def qa_factory(qa_pg_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(qa_pg_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def qa_api(
    qa_pg_url: str, qa_factory: sessionmaker[Session], tmp_path: Path, redis_url: str
) -> Iterator[Api]:
    app = desk_app(qa_pg_url, tmp_path, redis_url)
    with TestClient(app) as client:
        yield Api(client, qa_factory, app.state.secret_key)
