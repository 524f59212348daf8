"""Alembic migrations run up and down on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from config.db import make_engine, make_session_factory, session_scope
from config.migrate import current_tables, downgrade, upgrade
from config.models import Role, SipCredential, User
from config.security import sip_ha1, verify_password
from voxdesk.demo import seed_demo_data

pytestmark = pytest.mark.integration

FOUNDATION_TABLES = {"users", "sip_credentials", "audit_log"}


def check_up_down_up(url: str, tmp_path: Path) -> None:
    upgrade(url)
    assert FOUNDATION_TABLES <= current_tables(url)
    engine = make_engine(url)
    factory = make_session_factory(engine)
    accounts = seed_demo_data(factory, tmp_path)
    with session_scope(factory) as session:
        agent = session.scalar(select(User).where(User.username == "agent1"))
        assert agent is not None and agent.role is Role.AGENT
        password = next(a.password for a in accounts if a.username == "agent1")
        assert verify_password(agent.password_hash, password)
        assert agent.password_hash.startswith("$argon2id$")
        credential = session.scalar(select(SipCredential).where(SipCredential.user_id == agent.id))
        sip_password = next(a.sip_password for a in accounts if a.username == "agent1")
        assert credential is not None and sip_password is not None
        assert credential.ha1 == sip_ha1("agent1", credential.realm, sip_password)
    engine.dispose()

    downgrade(url)
    assert current_tables(url) <= {"alembic_version"}
    upgrade(url)  # and up again, from empty, once the downgrade removed types and indexes too
    assert FOUNDATION_TABLES <= current_tables(url)
    downgrade(url)


def test_migrations_go_up_and_down_on_sqlite(tmp_path: Path) -> None:
    check_up_down_up(f"sqlite:///{tmp_path / 'voxdesk.db'}", tmp_path)


def test_migrations_go_up_and_down_on_postgresql(scratch_postgres_url: str, tmp_path: Path) -> None:
    check_up_down_up(scratch_postgres_url, tmp_path)


def test_demo_data_is_seeded_once_and_credentials_file_is_private(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'voxdesk.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    assert len(seed_demo_data(factory, tmp_path)) == 5
    assert seed_demo_data(factory, tmp_path) == []
    credentials = tmp_path / "demo-credentials.txt"
    assert credentials.stat().st_mode & 0o077 == 0
