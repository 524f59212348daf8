"""The pool pings only connections that sat idle, and replaces one PostgreSQL dropped meanwhile."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

import config.db
from config.db import make_engine

pytestmark = pytest.mark.integration


def test_a_connection_killed_while_idle_in_the_pool_is_replaced_before_use(
    desk_pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = make_engine(desk_pg_url, pool_size=1)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(desk_pg_url, autocommit=True) as admin:  # as a PostgreSQL restart would
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))

        monkeypatch.setattr(config.db, "PING_AFTER_IDLE_SECONDS", 0.0)
        with engine.connect() as connection:
            replacement = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        assert replacement != backend
    finally:
        engine.dispose()


def test_a_connection_used_moments_ago_is_not_pinged_and_a_drop_costs_one_request(desk_pg_url: str) -> None:
    """The trade against pool_pre_ping: no round trip per request; after a restart within the idle
    window one statement fails, the pool is invalidated, and the next checkout is fresh."""
    engine = make_engine(desk_pg_url, pool_size=1)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with psycopg.connect(desk_pg_url, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (backend,))
        with pytest.raises(DBAPIError) as failure, engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        assert failure.value.connection_invalidated
        with engine.connect() as connection:
            assert connection.execute(text("SELECT pg_backend_pid()")).scalar_one() != backend
    finally:
        engine.dispose()
