"""Fixtures every tier shares: where the real PostgreSQL and Redis are, and scratch databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator

import psycopg
import pytest
import redis

PG_URL = os.environ.get("VOXDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The real Redis the integration tier uses; fails loudly when it is not running."""
    redis.Redis.from_url(REDIS_URL, socket_timeout=3).ping()
    return REDIS_URL


def _server_url(url: str, database: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{database}"


def _create_database(prefix: str) -> tuple[str, str]:
    name = f"voxdesk_{prefix}_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, _server_url(PG_URL, name)


def _drop_database(name: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def scratch_postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name, url = _create_database("t")
    try:
        yield url
    finally:
        _drop_database(name)


@pytest.fixture(scope="session")
def migrated_postgres() -> Iterator[Callable[[str], str]]:
    """Makes PostgreSQL databases with every migration applied; all are dropped when the session ends.

    Each test folder asks for its own (``migrated_postgres("desk")``), so folders never see each
    other's rows.
    """
    from config.migrate import upgrade

    created: list[str] = []

    def make(prefix: str) -> str:
        name, url = _create_database(prefix)
        created.append(name)
        upgrade(url)
        return url

    yield make
    for name in created:
        _drop_database(name)
