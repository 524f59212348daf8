"""Fixtures every tier shares: where the real PostgreSQL and Redis are, and scratch databases."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

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


@pytest.fixture
def scratch_postgres_url() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"voxdesk_t_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _server_url(PG_URL, name)
    finally:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
