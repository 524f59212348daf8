"""Who is calling, for every route and WebSocket: server-side sessions, CSRF, role checks.

A session token is random and opaque (:mod:`config.sessions` keeps only its SHA-256); each request
reads the session's user, current role and ``is_active`` (:mod:`web.session_lookup`, cached a few
seconds), so log-out, demotion and deactivation take effect on tokens already handed out.

Where the token travels:
- API clients: ``Authorization: Bearer <token>``. No CSRF check: a browser never adds that header
  to a cross-site request.
- The console: the HttpOnly, SameSite=Strict cookie ``voxdesk_token`` set at sign-in. A request
  that changes something (POST, PUT, PATCH, DELETE) with the cookie must echo the session's CSRF
  token in ``X-CSRF-Token``; it is an HMAC of the session id, readable by the console's script in the
  ``voxdesk_csrf`` cookie and given in the sign-in answer, so another site can neither read nor
  plant it.
- Never in a URL: ``?token=`` is refused (URLs end up in access logs and browser history).
  WebSockets use a one-time ticket (:mod:`web.ws_tickets`) or, from the console's own origin, the
  cookie.

Routes declare the roles they admit with :func:`require_roles`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import Depends, Request, Response
from starlette.requests import HTTPConnection
from starlette.websockets import WebSocket

from config.errors import ForbiddenError, UnauthorizedError
from config.models import Role
from config.sessions import MAX_TOKEN_LENGTH, SESSION_TTL_SECONDS, LiveSession, session_id_of
from web.session_lookup import session_lookup
from web.ws_tickets import redeem_ticket

SESSION_COOKIE = "voxdesk_token"
CSRF_COOKIE = "voxdesk_csrf"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """Who is calling: the user's id, name and (current) role."""

    user_id: int
    username: str
    role: Role


@dataclass(frozen=True)
class SignedIn:
    """The caller's principal with the session it came through (for log-out and tickets)."""

    principal: Principal
    session_id: str
    by_cookie: bool


def _principal(live: LiveSession) -> Principal:
    return Principal(live.user_id, live.username, live.role)


def csrf_token_for(secret: str, session_id: str) -> str:
    """The session's CSRF token: derived from it, so it needs no storage and dies with it."""
    digest = hmac.new(secret.encode(), f"csrf:{session_id}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def _credentials(connection: HTTPConnection) -> tuple[str, bool] | None:
    """The token and whether it came in the cookie: the Bearer header first, then the cookie."""
    header = connection.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip(), False
    cookie = connection.cookies.get(SESSION_COOKIE)
    return (cookie, True) if cookie else None


def token_from_request(request: HTTPConnection) -> str | None:
    """The session token of the Bearer header or the console's cookie (never one in the URL)."""
    found = _credentials(request)
    return found[0] if found else None


async def _live_session(connection: HTTPConnection, token: str) -> LiveSession | None:
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return await session_lookup(connection.app.state).find(session_id_of(token))


async def current_session(request: Request) -> SignedIn:
    """FastAPI dependency: the caller's open session, or 401 (403 for a cookie request without CSRF)."""
    if "token" in request.query_params:
        raise UnauthorizedError("tokens are not accepted in URLs; send Authorization: Bearer <token>")
    found = _credentials(request)
    if found is None:
        raise UnauthorizedError("sign in first")
    token, by_cookie = found
    live = await _live_session(request, token)
    if live is None:
        raise UnauthorizedError("sign in again: this session has ended")
    if by_cookie and request.method not in SAFE_METHODS:
        expected = csrf_token_for(request.app.state.secret_key, live.session_id)
        if not hmac.compare_digest(request.headers.get(CSRF_HEADER, "").encode(), expected.encode()):
            raise ForbiddenError(f"a signed-in console must send its {CSRF_HEADER} header")
    principal = _principal(live)
    request.state.principal = principal  # for the audit log (web/audit.py), which runs around the route
    return SignedIn(principal, live.session_id, by_cookie)


CurrentSession = Annotated[SignedIn, Depends(current_session)]


async def current_principal(signed_in: CurrentSession) -> Principal:
    """FastAPI dependency: the signed-in user with their current role, or 401."""
    return signed_in.principal


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


async def optional_principal(request: Request) -> Principal | None:
    """The signed-in user when the request carries an open session; None otherwise (never raises)."""
    token = token_from_request(request)
    live = await _live_session(request, token) if token else None
    return _principal(live) if live else None


OptionalPrincipal = Annotated[Principal | None, Depends(optional_principal)]


def require_roles(*roles: Role):  # type: ignore[no-untyped-def]
    """Dependency factory: admits only the given roles (admins are always admitted)."""
    allowed = set(roles) | {Role.ADMIN}

    async def check(principal: CurrentPrincipal) -> Principal:
        if principal.role not in allowed:
            raise ForbiddenError(f"role {principal.role.value} may not do this")
        return principal

    return Depends(check)


def _same_origin(websocket: WebSocket) -> bool:
    """Whether a browser opened the socket from this server's own pages (stops cross-site hijacking)."""
    origin, host = websocket.headers.get("origin"), websocket.headers.get("host")
    return bool(origin and host) and urlsplit(origin).netloc.lower() == (host or "").lower()


async def websocket_principal(websocket: WebSocket) -> Principal | None:
    """Who opened the WebSocket: by a one-time ``?ticket=``, or by the cookie from the same origin.

    None for anything else, ``?token=`` included (the caller closes the socket with a policy error).
    """
    if "token" in websocket.query_params:
        return None
    state = websocket.app.state
    ticket = websocket.query_params.get("ticket")
    if ticket is not None:
        session_id = await redeem_ticket(state.redis_url, state.settings.telephony.key_prefix, ticket)
        live = await session_lookup(state).find(session_id) if session_id else None
        return _principal(live) if live else None
    cookie = websocket.cookies.get(SESSION_COOKIE)
    if not cookie or not _same_origin(websocket):
        return None
    live = await _live_session(websocket, cookie)
    return _principal(live) if live else None


def set_session_cookies(response: Response, request: Request, token: str, csrf_token: str) -> None:
    """The console's cookies: the session (HttpOnly) and its CSRF token (readable by the page's script)."""
    secure = request.url.scheme == "https"
    response.set_cookie(SESSION_COOKIE, token, max_age=SESSION_TTL_SECONDS, path="/", secure=secure,
                        httponly=True, samesite="strict")  # fmt: skip
    response.set_cookie(CSRF_COOKIE, csrf_token, max_age=SESSION_TTL_SECONDS, path="/", secure=secure,
                        httponly=False, samesite="strict")  # fmt: skip


def clear_session_cookies(response: Response, request: Request) -> None:
    """Tell the browser to drop both cookies (log-out, password change)."""
    secure = request.url.scheme == "https"
    for name, httponly in ((SESSION_COOKIE, True), (CSRF_COOKIE, False)):
        response.delete_cookie(name, path="/", secure=secure, httponly=httponly, samesite="strict")
