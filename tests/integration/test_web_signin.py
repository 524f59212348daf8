"""Signing in to the web app with a seeded user, on a real database and Redis."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from config.db import make_engine, make_session_factory
from config.migrate import upgrade
from config.settings import Settings
from voxdesk.demo import seed_demo_data
from web.app import create_app

pytestmark = pytest.mark.integration

Client = tuple[TestClient, dict[str, str]]


@pytest.fixture
def client_and_accounts(tmp_path: Path, redis_url: str) -> Client:
    url = f"sqlite:///{tmp_path / 'voxdesk.db'}"
    upgrade(url)
    accounts = seed_demo_data(make_session_factory(make_engine(url)), tmp_path)
    settings = Settings(
        database_url=url, data_dir=tmp_path, redis={"url": redis_url},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
    )
    return TestClient(create_app(settings)), {a.username: a.password for a in accounts}


def test_a_seeded_supervisor_signs_in_and_the_token_names_the_role(client_and_accounts: Client) -> None:
    client, passwords = client_and_accounts
    credentials = {"username": "supervisor", "password": passwords["supervisor"]}
    response = client.post("/api/auth/token", json=credentials)
    assert response.status_code == 200
    token = response.json()["access_token"]
    me = client.get("/api/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json() == {"user_id": me.json()["user_id"], "username": "supervisor", "role": "supervisor"}


def test_a_wrong_password_gets_401_without_saying_which_part_was_wrong(client_and_accounts: Client) -> None:
    client, _ = client_and_accounts
    for username in ("supervisor", "nobody"):
        response = client.post("/api/auth/token", json={"username": username, "password": "guess"})
        assert response.status_code == 401
        assert response.json()["detail"] == "wrong username or password"


def test_health_reports_each_dependency_and_degrades_without_asterisk(client_and_accounts: Client) -> None:
    client, passwords = client_and_accounts
    anonymous = client.get("/health").json()  # up or down only: details tell an attacker what to aim at
    assert anonymous["checks"]["asterisk"]["ok"] is False
    assert not any("detail" in check for check in anonymous["checks"].values())
    credentials = {"username": "supervisor", "password": passwords["supervisor"]}
    token = client.post("/api/auth/token", json=credentials).json()["access_token"]
    response = client.get("/health", headers={"Authorization": f"Bearer {token}"})
    body = response.json()
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["redis"]["ok"] is True
    assert body["checks"]["asterisk"]["ok"] is False  # no call controller reports Asterisk
    assert "no call controller is running" in body["checks"]["asterisk"]["detail"]
    assert response.status_code == 503 and body["status"] == "degraded"
