"""QA API fixtures: the real app on a migrated scratch PostgreSQL database and Redis (db 3)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from desk.desk_helpers import Api, desk_app
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory


@pytest.fixture(scope="session")
def qa_pg_url(migrated_postgres: Callable[[str], str]) -> str:
    """A scratch PostgreSQL database with every migration applied, dropped after the session."""
    return migrated_postgres("qa")


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
