"""An admin adds an agent through the API; the SIP password shown once registers a real softphone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from asterisk_support import RunningAsterisk
from fastapi.testclient import TestClient

from config.accounts import create_user
from config.db import make_engine, make_session_factory, session_scope
from config.migrate import upgrade
from config.models import Role
from telephony.sipua.client import SipAgentError, start_softphone
from telephony.sipua.plan import SoftphonePlan
from web.app import create_app
from web.auth import Principal, issue_token

pytestmark = pytest.mark.integration


@pytest.fixture
def admin_api(asterisk: RunningAsterisk, tmp_path: Path, redis_url: str) -> Iterator[tuple[TestClient, dict]]:
    url = f"sqlite:///{tmp_path / 'voxdesk.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    with session_scope(factory) as session:
        admin = create_user(session, "root-admin", "Admin", Role.ADMIN, "admin-password-1")
        supervisor = create_user(session, "sup", "Sup", Role.SUPERVISOR, "sup-password-1")
    # Same data dir as the session's sandbox, so the API reloads that very Asterisk.
    settings = asterisk.sandbox.settings.model_copy(update={"database_url": url})
    settings = settings.model_copy(update={"redis": settings.redis.model_copy(update={"url": redis_url})})
    app = create_app(settings)
    secret = app.state.secret_key

    def bearer(user_id: int, name: str, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(secret, Principal(user_id, name, role))}"}

    tokens = {
        "admin": bearer(admin.id, "root-admin", Role.ADMIN),
        "sup": bearer(supervisor.id, "sup", Role.SUPERVISOR),
    }
    try:
        yield TestClient(app), {**tokens, "bearer": bearer, "sup_id": supervisor.id}
    finally:
        asterisk.sandbox.up(agents=[asterisk.agent.credential])  # the session's agent back, as before


def new_agent(client: TestClient, headers: dict[str, str], username: str) -> dict:
    body = {"username": username, "display_name": "New Agent", "role": "agent", "password": "console-pass-1"}
    response = client.post("/api/admin/users", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_an_agent_added_by_an_admin_registers_with_the_password_shown_once(
    admin_api: tuple[TestClient, dict], asterisk: RunningAsterisk
) -> None:
    client, tokens = admin_api
    created = new_agent(client, tokens["admin"], "zoe.agent")
    sip = created["sip"]
    assert created["asterisk_reloaded"] is True
    assert sip["username"] == "zoe.agent" and sip["password"] and sip["server"] == asterisk.sip_server
    with start_softphone(SoftphonePlan(sip["username"], sip["password"], asterisk.sip_server)):
        assert "zoe.agent" in asterisk.sandbox.cli("pjsip show contacts")

    # The agent can read how to set up the softphone again, but never the password.
    me = client.get("/api/agents/me/sip", headers=tokens["bearer"](created["id"], "zoe.agent", Role.AGENT))
    assert me.status_code == 200
    assert me.json()["username"] == "zoe.agent" and me.json()["password"] is None
    assert me.json()["codecs"] == ["g722", "ulaw", "alaw"]


def test_a_rotated_sip_password_replaces_the_old_one(
    admin_api: tuple[TestClient, dict], asterisk: RunningAsterisk
) -> None:
    client, tokens = admin_api
    created = new_agent(client, tokens["admin"], "rotating.agent")
    old = created["sip"]["password"]
    rotated = client.post(f"/api/admin/users/{created['id']}/sip-password", headers=tokens["admin"])
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["sip"]["password"]
    assert new != old and rotated.json()["asterisk_reloaded"] is True
    with pytest.raises(SipAgentError, match="did not register"):
        start_softphone(SoftphonePlan("rotating.agent", old, asterisk.sip_server), wait_registered=3)
    with start_softphone(SoftphonePlan("rotating.agent", new, asterisk.sip_server)):
        pass


def test_only_admins_add_users_and_bad_requests_are_refused_clearly(
    admin_api: tuple[TestClient, dict],
) -> None:
    client, tokens = admin_api
    body = {"username": "x.agent", "display_name": "X", "role": "agent", "password": "console-pass-1"}
    assert client.post("/api/admin/users", json=body, headers=tokens["sup"]).status_code == 403
    assert client.post("/api/admin/users", json=body).status_code == 401
    new_agent(client, tokens["admin"], "x.agent")
    again = client.post("/api/admin/users", json=body, headers=tokens["admin"])
    assert again.status_code == 409 and "taken" in again.json()["detail"]
    bad = client.post("/api/admin/users", json={**body, "username": "bad name"}, headers=tokens["admin"])
    assert bad.status_code == 422
    reserved = client.post("/api/admin/users", json={**body, "username": "caller"}, headers=tokens["admin"])
    assert reserved.status_code == 422
    not_agent = client.post(f"/api/admin/users/{tokens['sup_id']}/sip-password", headers=tokens["admin"])
    assert not_agent.status_code == 422 and "only agents" in not_agent.json()["detail"]
    assert client.post("/api/admin/users/999/sip-password", headers=tokens["admin"]).status_code == 404
