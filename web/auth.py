"""Sign-in tokens and role checks for every route and WebSocket.

Tokens are ``<user id>.<role>.<expiry>.<HMAC-SHA256>`` signed with the web secret key; they carry
no password and expire. Routes declare the roles they admit with :func:`require_roles`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from config.errors import ForbiddenError, UnauthorizedError
from config.models import Role

TOKEN_TTL_SECONDS = 12 * 3600


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user's id, name and role."""

    user_id: int
    username: str
    role: Role


def _sign(secret: str, payload: str) -> str:
    digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issue_token(secret: str, principal: Principal, ttl: int = TOKEN_TTL_SECONDS) -> str:
    """A signed token for ``principal`` valid for ``ttl`` seconds."""
    name = base64.urlsafe_b64encode(principal.username.encode()).decode().rstrip("=")
    payload = f"{principal.user_id}.{name}.{principal.role.value}.{int(time.time()) + ttl}"
    return f"{payload}.{_sign(secret, payload)}"


def read_token(secret: str, token: str) -> Principal | None:
    """The principal a valid, unexpired token names; None for anything else."""
    parts = token.split(".")
    if len(parts) != 5:
        return None
    payload, signature = ".".join(parts[:4]), parts[4]
    # bytes: compare_digest raises TypeError on a str with non-ASCII characters (a header may hold any)
    if not hmac.compare_digest(_sign(secret, payload).encode(), signature.encode("utf-8", "surrogatepass")):
        return None
    user_id, name, role, expiry = parts[:4]
    try:
        if int(expiry) < time.time():
            return None
        username = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
        return Principal(int(user_id), username, Role(role))
    except (ValueError, UnicodeDecodeError):
        return None


def token_from_request(request: Request) -> str | None:
    """Bearer header for API clients, cookie for the console, ``token`` query for WebSockets."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip()
    return request.cookies.get("voxdesk_token") or request.query_params.get("token")


async def current_principal(request: Request) -> Principal:
    """FastAPI dependency: the signed-in user, or 401 (async: pure CPU, no trip to the thread pool)."""
    token = token_from_request(request)
    principal = read_token(request.app.state.secret_key, token) if token else None
    if principal is None:
        raise UnauthorizedError("sign in first")
    return principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """Dependency factory: admits only the given roles (admins are always admitted)."""
    allowed = set(roles) | {Role.ADMIN}

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise ForbiddenError(f"role {principal.role.value} may not do this")
        return principal

    return Depends(check)
