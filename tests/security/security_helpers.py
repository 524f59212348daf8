"""What the security suite shares: demo users with strong passwords, settings on a temp data dir."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from config.models import Role
from config.sessions import open_session_for
from config.settings import Settings

PASSWORDS = {
    "admin": "admin-Vox-7rq-long",
    "supervisor": "sup-Vox-7rq-long",
    "agent1": "agent1-Vox-7rq-long",
    "agent2": "agent2-Vox-7rq-long",
    "qa": "qa-manager-Vox-7rq-long",
}
ROLES = {
    "admin": Role.ADMIN,
    "supervisor": Role.SUPERVISOR,
    "agent1": Role.AGENT,
    "agent2": Role.AGENT,
    "qa": Role.QA_MANAGER,
}


@dataclass
class SecureApp:
    app: FastAPI
    client: TestClient
    ids: dict[str, int]
    data_dir: Path

    def bearer(self, username: str) -> dict[str, str]:
        """A header with a fresh session of the user (opened directly: the sign-in route throttles)."""
        token = open_session_for(self.app.state.session_factory, self.ids[username])
        return {"Authorization": f"Bearer {token}"}

    def ws_ticket(self, username: str) -> str:
        """A one-time WebSocket ticket of a fresh session of the user (for ``?ticket=``)."""
        answer = self.client.post("/api/auth/ws-ticket", headers=self.bearer(username))
        assert answer.status_code == 200, answer.text
        ticket: str = answer.json()["ticket"]
        return ticket


def make_settings(data_dir: Path, redis_url: str, **extra: Any) -> Settings:
    return Settings(
        database_url=f"sqlite:///{data_dir / 'voxdesk.db'}", data_dir=data_dir, redis={"url": redis_url},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
        telephony={"key_prefix": f"sec-{uuid.uuid4().hex[:8]}",
                   "recording": {"directory": data_dir / "recordings"}}, **extra,
    )  # fmt: skip


