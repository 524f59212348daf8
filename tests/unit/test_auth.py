"""Signed tokens and role checks."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from config.models import Role
from web.auth import Principal, issue_token, read_token, require_roles
from web.errors import install_error_handlers

SECRET = "unit-test-secret"


def test_a_token_names_its_user_and_role() -> None:
    token = issue_token(SECRET, Principal(7, "alex.agent", Role.AGENT))
    assert read_token(SECRET, token) == Principal(7, "alex.agent", Role.AGENT)


def test_a_token_signed_with_another_key_is_refused() -> None:
    token = issue_token("other-secret", Principal(7, "alex", Role.ADMIN))
    assert read_token(SECRET, token) is None


def test_changing_the_role_inside_a_token_breaks_its_signature() -> None:
    token = issue_token(SECRET, Principal(7, "alex", Role.AGENT))
    forged = token.replace(".agent.", ".admin.")
    assert forged != token
    assert read_token(SECRET, forged) is None


def test_an_expired_token_is_refused() -> None:
    token = issue_token(SECRET, Principal(7, "alex", Role.AGENT), ttl=-1)
    assert read_token(SECRET, token) is None


def test_garbage_is_not_a_token() -> None:
    for junk in ("", "a.b.c", "1.2.3.4.5", "🙂" * 5, "." * 4):
        assert read_token(SECRET, junk) is None


def app_with_supervisor_route() -> TestClient:
    app = FastAPI()
    install_error_handlers(app)  # 401 and 403 are answered by the app's one error handler
    app.state.secret_key = SECRET

    @app.get("/listen", dependencies=[require_roles(Role.SUPERVISOR)])
    def listen() -> dict[str, bool]:
        return {"ok": True}

    return TestClient(app)


def bearer(role: Role) -> dict[str, str]:
    token = issue_token(SECRET, Principal(1, "someone", role))
    return {"Authorization": f"Bearer {token}"}


def test_a_route_refuses_anonymous_callers_with_401() -> None:
    assert app_with_supervisor_route().get("/listen").status_code == 401


def test_a_route_refuses_a_role_it_does_not_admit_with_403() -> None:
    response = app_with_supervisor_route().get("/listen", headers=bearer(Role.AGENT))
    assert response.status_code == 403
    assert "agent" in response.json()["detail"]


def test_a_route_admits_its_role_and_admins() -> None:
    client = app_with_supervisor_route()
    assert client.get("/listen", headers=bearer(Role.SUPERVISOR)).json() == {"ok": True}
    assert client.get("/listen", headers=bearer(Role.ADMIN)).status_code == 200
