"""The security suite's app: migrated SQLite in a temp dir, the real Redis under a key prefix of its own."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from security_helpers import PASSWORDS, ROLES, SecureApp, make_settings

from config.accounts import create_user
from config.db import make_engine, make_session_factory, session_scope
from config.migrate import upgrade
from web.app import create_app


@pytest.fixture
def secure_app(tmp_path: Path, redis_url: str) -> SecureApp:
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir, redis_url)
    upgrade(settings.effective_database_url)
    ids = {}
    with session_scope(make_session_factory(make_engine(settings.effective_database_url))) as session:
        for username, password in PASSWORDS.items():
            ids[username] = create_user(session, username, username.title(), ROLES[username], password).id
    app = create_app(settings)
    return SecureApp(app, TestClient(app), ids, data_dir)
