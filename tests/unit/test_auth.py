"""Server-side sessions, their cache, CSRF tokens and role checks."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from config.accounts import create_user, set_password, update_user
from config.db import Base, make_engine, make_session_factory, session_scope
from config.models import Role, User, UserSession
from config.sessions import (
    KEEP_ENDED_SECONDS,
    LiveSession,
    find_live_session,
    open_session_for,
    revoke_session,
    session_id_of,
)
from web.auth import csrf_token_for, require_roles
from web.errors import install_error_handlers
from web.session_lookup import SessionCache, SessionLookup

SECRET = "unit-test-secret"
PASSWORD = "Unit-Test-Pass-8812"


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'auth.db'}")
    Base.metadata.create_all(engine)
    return make_session_factory(engine)


def add(factory: sessionmaker[Session], username: str, role: Role) -> int:
    with session_scope(factory) as session:
        return create_user(session, username, username.title(), role, PASSWORD).id


def live(factory: sessionmaker[Session], token: str) -> LiveSession | None:
    with factory() as session:
        return find_live_session(session, session_id_of(token))


def test_a_session_names_its_user_with_the_current_role(factory: sessionmaker[Session]) -> None:
    user_id = add(factory, "alex", Role.SUPERVISOR)
    token = open_session_for(factory, user_id)
    assert live(factory, token) == LiveSession(session_id_of(token), user_id, "alex", Role.SUPERVISOR)
    with session_scope(factory) as session:
        session.execute(update(User).where(User.id == user_id).values(role=Role.AGENT))
    found = live(factory, token)
    assert found is not None and found.role is Role.AGENT


def test_tokens_are_random_and_only_their_hash_is_stored(factory: sessionmaker[Session]) -> None:
    user_id = add(factory, "alex", Role.AGENT)
    first, second = open_session_for(factory, user_id), open_session_for(factory, user_id)
    assert first != second and len(first) >= 40
    with factory() as session:
        ids = {row.id for row in session.query(UserSession)}
    assert ids == {session_id_of(first), session_id_of(second)}


def test_revoked_expired_and_inactive_sessions_are_not_live(factory: sessionmaker[Session]) -> None:
    user_id = add(factory, "alex", Role.AGENT)
    revoked, expired = open_session_for(factory, user_id), open_session_for(factory, user_id, ttl_seconds=-1)
    with session_scope(factory) as session:
        assert revoke_session(session, session_id_of(revoked))
        assert not revoke_session(session, session_id_of(revoked))  # once
    assert live(factory, revoked) is None and live(factory, expired) is None
    kept = open_session_for(factory, user_id)
    with session_scope(factory) as session:
        session.execute(update(User).where(User.id == user_id).values(is_active=False))
    assert live(factory, kept) is None
    assert live(factory, "never-issued") is None


def test_a_password_change_and_a_role_change_end_every_session(factory: sessionmaker[Session]) -> None:
    user_id = add(factory, "alex", Role.AGENT)
    tokens = [open_session_for(factory, user_id) for _ in range(2)]
    with session_scope(factory) as session:
        set_password(session, actor="alex", user_id=user_id, new_password="Another-Pass-9917")
    assert all(live(factory, t) is None for t in tokens)
    token = open_session_for(factory, user_id)
    with session_scope(factory) as session:
        update_user(session, actor="root", user_id=user_id, is_active=True)  # no change, nothing ends
    assert live(factory, token) is not None
    with session_scope(factory) as session:
        update_user(session, actor="root", user_id=user_id, role=Role.SUPERVISOR)
    assert live(factory, token) is None


def test_the_cache_forgets_after_its_window_and_keeps_a_bounded_size() -> None:
    cache = SessionCache(seconds=0.05, size=2)
    entries = [LiveSession(f"s{n}", n, f"u{n}", Role.AGENT) for n in range(3)]
    for entry in entries:
        cache.put(entry)
    assert len(cache) == 2 and cache.get("s0") is None and cache.get("s2") == entries[2]
    cache.forget_user(2)
    assert cache.get("s2") is None
    cache.put(entries[0])
    time.sleep(0.06)
    assert cache.get("s0") is None


def test_csrf_tokens_differ_per_session_and_per_key() -> None:
    assert csrf_token_for(SECRET, "a") != csrf_token_for(SECRET, "b")
    assert csrf_token_for(SECRET, "a") != csrf_token_for("other", "a")
    assert csrf_token_for(SECRET, "a") == csrf_token_for(SECRET, "a")


def app_with_supervisor_route(factory: sessionmaker[Session]) -> TestClient:
    app = FastAPI()
    install_error_handlers(app)  # 401 and 403 are answered by the app's one error handler
    app.state.secret_key = SECRET
    app.state.session_lookup = SessionLookup(factory, SessionCache())

    @app.get("/listen", dependencies=[require_roles(Role.SUPERVISOR)])
    def listen() -> dict[str, bool]:
        return {"ok": True}

    return TestClient(app)


def bearer(factory: sessionmaker[Session], role: Role) -> dict[str, str]:
    token = open_session_for(factory, add(factory, f"someone-{role.value}", role))
    return {"Authorization": f"Bearer {token}"}


def test_a_route_refuses_anonymous_callers_and_unknown_tokens_with_401(
    factory: sessionmaker[Session],
) -> None:
    client = app_with_supervisor_route(factory)
    assert client.get("/listen").status_code == 401
    assert client.get("/listen", headers={"Authorization": "Bearer forged"}).status_code == 401


def test_a_route_refuses_a_role_it_does_not_admit_with_403(factory: sessionmaker[Session]) -> None:
    response = app_with_supervisor_route(factory).get("/listen", headers=bearer(factory, Role.AGENT))
    assert response.status_code == 403
    assert "agent" in response.json()["detail"]


def test_a_route_admits_its_role_and_admins(factory: sessionmaker[Session]) -> None:
    client = app_with_supervisor_route(factory)
    assert client.get("/listen", headers=bearer(factory, Role.SUPERVISOR)).json() == {"ok": True}
    assert client.get("/listen", headers=bearer(factory, Role.ADMIN)).status_code == 200



def test_signing_in_clears_the_users_sessions_that_ended_long_ago(factory: sessionmaker[Session]) -> None:
    user_id = add(factory, "alex", Role.AGENT)
    old = open_session_for(factory, user_id, ttl_seconds=-(KEEP_ENDED_SECONDS + 60))
    recent = open_session_for(factory, user_id, ttl_seconds=-60)
    open_session_for(factory, user_id)
    with factory() as session:
        ids = {row.id for row in session.query(UserSession)}
    assert session_id_of(old) not in ids and session_id_of(recent) in ids and len(ids) == 2
