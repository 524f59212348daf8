"""Issue 9, sessions: revocable server-side sessions, log-out, CSRF on cookies, no tokens in URLs."""

from __future__ import annotations

import hashlib
import time

import pytest
from fastapi.testclient import TestClient
from security_helpers import PASSWORDS, SecureApp
from sqlalchemy import select, update
from starlette.websockets import WebSocketDisconnect

import web.ws_tickets
from config.db import session_scope
from config.models import AuditEntry, User, UserSession
from web.session_lookup import CACHE_SECONDS

pytestmark = pytest.mark.integration


def sign_in(env: SecureApp, username: str, client: TestClient | None = None) -> str:
    """A session token through the real sign-in route (and the cookies in ``client``'s jar)."""
    answer = (client or env.client).post(
        "/api/auth/token", json={"username": username, "password": PASSWORDS[username]}
    )
    assert answer.status_code == 200, answer.text
    token: str = answer.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def me(env: SecureApp, token: str) -> int:
    return env.client.get("/api/me", headers=bearer(token)).status_code


def ws_ticket(env: SecureApp, token: str) -> str:
    answer = env.client.post("/api/auth/ws-ticket", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    ticket: str = answer.json()["ticket"]
    return ticket


def opens(client: TestClient, url: str, headers: dict[str, str] | None = None) -> bool:
    """Whether the console WebSocket at ``url`` accepts and says it subscribed."""
    try:
        with client.websocket_connect(url, headers=headers or {}) as socket:
            return bool(socket.receive_json()["type"] == "subscribed")
    except WebSocketDisconnect:
        return False


def test_an_agent_deactivated_by_an_admin_is_refused_at_once(secure_app: SecureApp) -> None:
    token = sign_in(secure_app, "agent1")
    assert secure_app.client.get("/api/desk/groups", headers=bearer(token)).status_code == 200
    url = f"/api/admin/users/{secure_app.ids['agent1']}"
    changed = secure_app.client.patch(url, json={"is_active": False}, headers=secure_app.bearer("admin"))
    assert changed.status_code == 200, changed.text
    assert secure_app.client.get("/api/desk/groups", headers=bearer(token)).status_code == 401


def test_an_agent_deactivated_from_elsewhere_is_refused_within_the_cache_window(
    secure_app: SecureApp,
) -> None:
    token = sign_in(secure_app, "agent1")
    assert me(secure_app, token) == 200  # the session is now in this process's cache
    with session_scope(secure_app.app.state.session_factory) as session:  # as another process would
        session.execute(update(User).where(User.id == secure_app.ids["agent1"]).values(is_active=False))
    deadline = time.monotonic() + CACHE_SECONDS + 1
    while me(secure_app, token) == 200:
        assert time.monotonic() < deadline, "a deactivated user's session outlived the cache window"
        time.sleep(0.25)
    assert me(secure_app, token) == 401


def test_a_demoted_supervisor_cannot_create_a_group(secure_app: SecureApp) -> None:
    token = sign_in(secure_app, "supervisor")
    created = secure_app.client.post("/api/desk/groups", json={"name": "Billing"}, headers=bearer(token))
    assert created.status_code == 201, created.text
    url = f"/api/admin/users/{secure_app.ids['supervisor']}"
    demoted = secure_app.client.patch(url, json={"role": "agent"}, headers=secure_app.bearer("admin"))
    assert demoted.status_code == 200 and demoted.json()["role"] == "agent"
    again = secure_app.client.post("/api/desk/groups", json={"name": "Refunds"}, headers=bearer(token))
    assert again.status_code == 401  # the session ended with the role change
    fresh = sign_in(secure_app, "supervisor")
    assert secure_app.client.post("/api/desk/groups", json={"name": "Refunds"},
                                  headers=bearer(fresh)).status_code == 403  # fmt: skip


def test_a_role_change_is_audited_and_strict(secure_app: SecureApp) -> None:
    url = f"/api/admin/users/{secure_app.ids['agent2']}"
    admin = secure_app.bearer("admin")
    assert secure_app.client.patch(url, json={}, headers=admin).status_code == 422
    assert secure_app.client.patch(url, json={"role": "admin", "x": 1}, headers=admin).status_code == 422
    agent = secure_app.bearer("agent1")
    assert secure_app.client.patch(url, json={"role": "admin"}, headers=agent).status_code == 403
    assert secure_app.client.patch(url, json={"role": "supervisor"}, headers=admin).status_code == 200
    own = f"/api/admin/users/{secure_app.ids['admin']}"
    assert secure_app.client.patch(own, json={"is_active": False}, headers=admin).status_code == 422
    with session_scope(secure_app.app.state.session_factory) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.updated")).one()
        assert entry.actor == "admin" and entry.details["role"] == {"from": "agent", "to": "supervisor"}


def test_log_out_ends_the_session(secure_app: SecureApp) -> None:
    token, other = sign_in(secure_app, "agent1"), sign_in(secure_app, "agent1")
    assert secure_app.client.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    assert me(secure_app, token) == 401
    assert me(secure_app, other) == 200  # only that session


def test_log_out_everywhere_ends_every_session_of_the_user_only(secure_app: SecureApp) -> None:
    tokens = [sign_in(secure_app, "agent1") for _ in range(3)]
    bystander = sign_in(secure_app, "agent2")
    answer = secure_app.client.post("/api/auth/logout-all", headers=bearer(tokens[0]))
    assert answer.status_code == 200 and answer.json()["ended"] == 3
    assert [me(secure_app, t) for t in tokens] == [401, 401, 401]
    assert me(secure_app, bystander) == 200


def test_a_password_change_ends_every_session_of_the_user(secure_app: SecureApp) -> None:
    laptop, phone = sign_in(secure_app, "agent2"), sign_in(secure_app, "agent2")
    body = {"current_password": PASSWORDS["agent2"], "new_password": "Tide-Lantern-83x"}
    assert secure_app.client.post("/api/auth/password", json=body, headers=bearer(laptop)).status_code == 204
    assert (me(secure_app, laptop), me(secure_app, phone)) == (401, 401)  # documented: sign in again


def test_an_admin_password_reset_ends_the_users_sessions(secure_app: SecureApp) -> None:
    token = sign_in(secure_app, "agent1")
    url = f"/api/admin/users/{secure_app.ids['agent1']}/password"
    reset = secure_app.client.post(url, json={"new_password": "Copper-Harbour-52k"},
                                   headers=secure_app.bearer("admin"))  # fmt: skip
    assert reset.status_code == 204
    assert me(secure_app, token) == 401


def test_a_token_in_the_url_of_a_rest_route_is_refused_with_401(secure_app: SecureApp) -> None:
    token = sign_in(secure_app, "agent1")
    assert secure_app.client.get(f"/api/me?token={token}").status_code == 401
    assert secure_app.client.get(f"/api/desk/groups?token={token}").status_code == 401
    assert secure_app.client.get(f"/api/me?token={token}", headers=bearer(token)).status_code == 401


def test_a_websocket_with_a_token_in_its_url_is_refused(secure_app: SecureApp) -> None:
    token = sign_in(secure_app, "agent1")
    assert not opens(secure_app.client, f"/ws/kb?token={token}")
    assert not opens(secure_app.client, f"/ws/calls?token={token}")


def test_a_websocket_ticket_opens_one_socket_once(secure_app: SecureApp) -> None:
    token = sign_in(secure_app, "agent1")
    ticket = ws_ticket(secure_app, token)
    assert opens(secure_app.client, f"/ws/kb?ticket={ticket}")
    assert not opens(secure_app.client, f"/ws/kb?ticket={ticket}")  # used
    assert opens(secure_app.client, f"/ws/calls?ticket={ws_ticket(secure_app, token)}")
    assert not opens(secure_app.client, "/ws/kb?ticket=made-up")


def test_an_expired_websocket_ticket_is_refused(
    secure_app: SecureApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web.ws_tickets, "TICKET_TTL_SECONDS", 1)
    ticket = ws_ticket(secure_app, sign_in(secure_app, "agent1"))
    time.sleep(1.5)
    assert not opens(secure_app.client, f"/ws/kb?ticket={ticket}")


def test_a_ticket_of_a_session_that_ended_opens_nothing(secure_app: SecureApp) -> None:
    token = sign_in(secure_app, "agent1")
    ticket = ws_ticket(secure_app, token)
    assert secure_app.client.post("/api/auth/logout", headers=bearer(token)).status_code == 204
    assert not opens(secure_app.client, f"/ws/kb?ticket={ticket}")


def test_the_agent_chat_socket_takes_a_ticket_and_not_a_token(secure_app: SecureApp) -> None:
    token = sign_in(secure_app, "agent1")
    for url in (f"/ws/webchat/agent/1?token={token}", "/ws/webchat/agent/1"):
        with pytest.raises(WebSocketDisconnect) as refused:
            with secure_app.client.websocket_connect(url):
                pass
        assert refused.value.code == 4401
    ticket = ws_ticket(secure_app, token)
    with pytest.raises(WebSocketDisconnect) as missing:  # signed in, but there is no chat 1
        with secure_app.client.websocket_connect(f"/ws/webchat/agent/1?ticket={ticket}"):
            pass
    assert missing.value.code == 4404


def test_a_cookie_request_that_changes_something_needs_the_csrf_header(secure_app: SecureApp) -> None:
    console = TestClient(secure_app.app)
    sign_in(secure_app, "admin", console)
    assert console.get("/api/me").status_code == 200  # reads need no CSRF token
    body = {"username": "newagent", "display_name": "New", "role": "agent", "password": "Quiet-Harbor-4471"}
    forged = console.post("/api/admin/users", json=body)
    assert forged.status_code == 403
    csrf = console.cookies["voxdesk_csrf"]
    assert console.post("/api/admin/users", json=body, headers={"X-CSRF-Token": "wrong"}).status_code == 403
    assert console.post("/api/admin/users", json=body, headers={"X-CSRF-Token": csrf}).status_code == 201


def test_the_session_cookie_is_httponly_and_samesite_and_the_csrf_cookie_is_readable(
    secure_app: SecureApp,
) -> None:
    answer = secure_app.client.post("/api/auth/token",
                                    json={"username": "agent1", "password": PASSWORDS["agent1"]})  # fmt: skip
    cookies = {c.split("=", 1)[0]: c.lower() for c in answer.headers.get_list("set-cookie")}
    session_cookie, csrf_cookie = cookies["voxdesk_token"], cookies["voxdesk_csrf"]
    assert "httponly" in session_cookie and "samesite=strict" in session_cookie and "path=/" in session_cookie
    assert "httponly" not in csrf_cookie and "samesite=strict" in csrf_cookie
    assert answer.json()["csrf_token"] == secure_app.client.cookies["voxdesk_csrf"]


def test_the_session_cookie_is_secure_over_https(secure_app: SecureApp) -> None:
    client = TestClient(secure_app.app, base_url="https://voxdesk.example")
    answer = client.post("/api/auth/token", json={"username": "agent1", "password": PASSWORDS["agent1"]})
    assert all("secure" in c.lower() for c in answer.headers.get_list("set-cookie"))


def test_a_cookie_websocket_opens_only_from_the_consoles_own_origin(secure_app: SecureApp) -> None:
    console = TestClient(secure_app.app)
    token = sign_in(secure_app, "agent1", console)
    cookie = {"cookie": f"voxdesk_token={token}"}
    assert opens(console, "/ws/kb", cookie | {"origin": "http://testserver"})
    assert not opens(console, "/ws/kb", cookie | {"origin": "https://evil.example"})
    assert not opens(console, "/ws/kb", cookie)  # a browser always sends Origin


def test_the_session_table_holds_no_raw_token(secure_app: SecureApp) -> None:
    token = sign_in(secure_app, "agent1")
    with session_scope(secure_app.app.state.session_factory) as session:
        rows = session.scalars(select(UserSession)).all()
        stored = [str(value) for row in rows for value in vars(row).values()]
    assert len(rows) == 1 and rows[0].id == hashlib.sha256(token.encode()).hexdigest()
    assert not any(token in value for value in stored)
