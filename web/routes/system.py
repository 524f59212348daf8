"""Health, the status page and sign-in."""

from __future__ import annotations

import html
from dataclasses import dataclass
from functools import partial
from typing import Any

import anyio
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import State

from config.accounts import set_password
from config.db import session_scope
from config.errors import ForbiddenError, UnauthorizedError
from config.models import Role, User
from config.passwords import check_password_policy
from config.sessions import open_session, session_id_of
from web.auth import (
    CurrentPrincipal,
    OptionalPrincipal,
    clear_session_cookies,
    csrf_token_for,
    set_session_cookies,
)
from web.health import CheckResult, check_call_control, check_database, check_redis
from web.login_guard import LoginGuard, MemoryCounters, RedisCounters, ThrottlePolicy
from web.session_lookup import session_lookup
from web.telephony import get_read_model

router = APIRouter()


def _run_checks(request: Request) -> list[CheckResult]:
    state = request.app.state
    checks = [check_database(state.engine), check_redis(state.redis_url)]
    checks.append(check_call_control(lambda: get_read_model(request, state.settings).controller_status()))
    return checks


@router.get("/health", tags=["system"])
def health(request: Request, signed_in: OptionalPrincipal) -> JSONResponse:
    """Whether the database, Redis and Asterisk answer: up or down for anyone; versions, errors and
    timings only for a signed-in caller (they tell an attacker what to aim at)."""
    checks = _run_checks(request)
    healthy = all(c.ok for c in checks)
    detailed = signed_in is not None
    body: dict[str, Any] = {
        "status": "ok" if healthy else "degraded",
        "checks": {
            c.name: {"ok": c.ok, "state": "up" if c.ok else "down"}
            | ({"detail": c.detail, "ms": c.millis} if detailed else {})
            for c in checks
        },
    }
    return JSONResponse(body, status_code=200 if healthy else 503)


@router.get("/status", response_class=HTMLResponse, tags=["system"])
def status_page(request: Request, signed_in: OptionalPrincipal) -> HTMLResponse:
    """What runs: a page for whoever installs or watches the system (the console starts at ``/``)."""
    detailed = signed_in is not None  # versions and errors only for a signed-in user
    rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td class={'ok' if c.ok else 'bad'}>"
        f"{'up' if c.ok else 'down'}</td><td>{html.escape(c.detail) if detailed else ''}</td></tr>"
        for c in _run_checks(request)
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Voxdesk</title>
<style>body{{font-family:sans-serif;margin:2em}} td{{padding:.2em 1em}}
.ok{{color:green}} .bad{{color:#b00}}</style>
</head><body><h1>Voxdesk console</h1><p>Services:</p><table>{rows}</table>
<p><a href="/">Console</a> · API: <a href="/docs">/docs</a></p></body></html>"""
    return HTMLResponse(page)


class TokenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str = Field(description="opaque session token: send it as Authorization: Bearer")
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    role: str
    csrf_token: str = Field(description="echo in X-CSRF-Token on changes made with the session cookie")


@dataclass(frozen=True)
class _SignInRecord:
    user_id: int
    username: str
    role: Role
    password_hash: str
    is_active: bool


def _find_user(factory: sessionmaker[Session], username: str) -> _SignInRecord | None:
    # Its own short session: a sign-in must not hold a pooled connection while Argon2 runs.
    with factory() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            return None
        return _SignInRecord(user.id, user.username, user.role, user.password_hash, user.is_active)


def login_guard(state: State) -> LoginGuard:
    """The app's guard, made on first use from the web settings."""
    guard: LoginGuard | None = getattr(state, "login_guard", None)
    if guard is None:
        web = state.settings.web
        policy = ThrottlePolicy(
            user_failures=web.login_user_failures, address_failures=web.login_address_failures,
            window_seconds=web.login_failure_window_seconds,
            max_lockout_seconds=web.login_lockout_max_seconds,
            hash_workers=web.login_hash_workers, hash_queue=web.login_hash_queue,
        )  # fmt: skip
        counters = RedisCounters(state.redis_url, MemoryCounters())
        guard = state.login_guard = LoginGuard(counters, policy, state.settings.telephony.key_prefix)
    return guard


@router.post("/api/auth/token", tags=["auth"],
             responses={429: {"description": "locked out, see Retry-After"}})  # fmt: skip
async def sign_in(body: TokenRequest, request: Request, response: Response) -> TokenResponse:
    """Exchange a username and password for a session: its token in the answer (for API clients, as
    a Bearer header) and in the console's HttpOnly cookie, with the CSRF token cookie requests need.

    Failures are counted per user and per address; past a few the answer is 429 with Retry-After,
    for longer each time. Unknown users cost as much time as known ones.
    """
    state = request.app.state
    guard = login_guard(state)
    address = request.client.host if request.client else "unknown"
    async with guard.attempt(body.username, address):
        record = await anyio.to_thread.run_sync(_find_user, state.session_factory, body.username)
        matched = await guard.verify(record.password_hash if record else None, body.password)
    if record is None or not record.is_active or not matched:
        await guard.failed(body.username, address)
        raise UnauthorizedError("wrong username or password")
    await guard.succeeded(body.username, address)
    opening = partial(open_session, user_id=record.user_id, user_agent=request.headers.get("user-agent"),
                      address=address)  # fmt: skip
    token = await session_lookup(state).run(opening)
    csrf = csrf_token_for(state.secret_key, session_id_of(token))
    set_session_cookies(response, request, token, csrf)
    return TokenResponse(access_token=token, role=record.role.value, csrf_token=csrf)


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=1, max_length=256, description="12+ characters, not a common one")


def _store_password(factory: sessionmaker[Session], user_id: int, username: str, new_password: str) -> None:
    with session_scope(factory) as session:
        set_password(session, actor=username, user_id=user_id, new_password=new_password)


@router.post("/api/auth/password", status_code=204, tags=["auth"],
             responses={403: {"description": "the current password is wrong"}})  # fmt: skip
async def change_my_password(
    body: PasswordChange, principal: CurrentPrincipal, request: Request, response: Response
) -> None:
    """Change your own password; the current one is checked (and throttled) like a sign-in.

    Every session of yours ends, this one included (a stolen one must not outlive the change): sign
    in again with the new password.
    """
    check_password_policy(body.new_password, principal.username)
    state = request.app.state
    guard = login_guard(state)
    address = request.client.host if request.client else "unknown"
    async with guard.attempt(principal.username, address):
        record = await anyio.to_thread.run_sync(_find_user, state.session_factory, principal.username)
        matched = await guard.verify(record.password_hash if record else None, body.current_password)
    if record is None or not matched or record.user_id != principal.user_id:
        await guard.failed(principal.username, address)
        raise ForbiddenError("the current password is wrong")
    await anyio.to_thread.run_sync(_store_password, state.session_factory, record.user_id,
                                   record.username, body.new_password)  # fmt: skip
    session_lookup(state).cache.forget_user(record.user_id)
    clear_session_cookies(response, request)


class MePublic(BaseModel):
    user_id: int
    username: str
    role: str


@router.get("/api/me", tags=["auth"])
def me(principal: CurrentPrincipal) -> MePublic:
    """Who the token belongs to."""
    return MePublic(user_id=principal.user_id, username=principal.username, role=principal.role.value)
