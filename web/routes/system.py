"""Health, sign-in and the console's landing page."""

from __future__ import annotations

import html
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy import select

from config.errors import UnauthorizedError
from config.models import User
from config.security import verify_password
from web.auth import CurrentPrincipal, Principal, issue_token
from web.deps import SessionDep
from web.health import CheckResult, check_call_control, check_database, check_redis
from web.telephony import get_read_model

router = APIRouter()


def _run_checks(request: Request) -> list[CheckResult]:
    state = request.app.state
    checks = [check_database(state.engine), check_redis(state.redis_url)]
    checks.append(check_call_control(lambda: get_read_model(request, state.settings).controller_status()))
    return checks


@router.get("/health", tags=["system"])
def health(request: Request) -> JSONResponse:
    """Public: whether the database, Redis and Asterisk answer (no data, only states)."""
    checks = _run_checks(request)
    healthy = all(c.ok for c in checks)
    body: dict[str, Any] = {
        "status": "ok" if healthy else "degraded",
        "checks": {c.name: {"ok": c.ok, "detail": c.detail, "ms": c.millis} for c in checks},
    }
    return JSONResponse(body, status_code=200 if healthy else 503)


@router.get("/", response_class=HTMLResponse, tags=["system"])
def console_home(request: Request) -> HTMLResponse:
    """The console's landing page: what runs and where to sign in."""
    rows = "".join(
        f"<tr><td>{html.escape(c.name)}</td><td class={'ok' if c.ok else 'bad'}>"
        f"{'up' if c.ok else 'down'}</td><td>{html.escape(c.detail)}</td></tr>"
        for c in _run_checks(request)
    )
    page = f"""<!doctype html><html><head><meta charset="utf-8"><title>Voxdesk</title>
<style>body{{font-family:sans-serif;margin:2em}} td{{padding:.2em 1em}}
.ok{{color:green}} .bad{{color:#b00}}</style>
</head><body><h1>Voxdesk console</h1><p>Services:</p><table>{rows}</table>
<p>API: <a href="/docs">/docs</a></p></body></html>"""
    return HTMLResponse(page)


class TokenRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth2 token type, not a secret
    role: str


@router.post("/api/auth/token", tags=["auth"])
def sign_in(body: TokenRequest, request: Request, session: SessionDep) -> TokenResponse:
    """Exchange a username and password for a signed token."""
    user = session.scalar(select(User).where(User.username == body.username))
    if user is None or not user.is_active or not verify_password(user.password_hash, body.password):
        raise UnauthorizedError("wrong username or password")
    token = issue_token(request.app.state.secret_key, Principal(user.id, user.username, user.role))
    return TokenResponse(access_token=token, role=user.role.value)


class MePublic(BaseModel):
    user_id: int
    username: str
    role: str


@router.get("/api/me", tags=["auth"])
def me(principal: CurrentPrincipal) -> MePublic:
    """Who the token belongs to."""
    return MePublic(user_id=principal.user_id, username=principal.username, role=principal.role.value)
