"""Scorecard fixtures: the same tests on a migrated SQLite file and a migrated PostgreSQL database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from scorecard_helpers import QaApi, qa_app
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.migrate import upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'qa.db'}"
        upgrade(url)
        return url
    migrated: Callable[[str], str] = request.getfixturevalue("migrated_postgres")
    return migrated("qa")


@pytest.fixture
def factory(database_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(database_url)
    yield make_session_factory(engine)
    engine.dispose()


@pytest.fixture
def api(database_url: str, factory: sessionmaker[Session], tmp_path: Path, redis_url: str) -> Iterator[QaApi]:
    with TestClient(qa_app(database_url, tmp_path / "data", redis_url)) as client:
        yield QaApi(client, factory)
