"""One audit entry for every state-changing request of an admin, supervisor or QA manager, in one place.

An ASGI middleware around the routes: after a ``POST``, ``PUT``, ``PATCH`` or ``DELETE`` answers, it
reads who asked (``request.state.principal``, set by :func:`web.auth.current_principal`) and, for an
admin, supervisor or QA manager (scorecard reviews, coaching notes), stores the actor, their role,
the method and route template (not the URL, so no query string and no token), the ids in the path
(and the id a ``201`` created), the status and the client's address. Refused attempts (403, 422)
are recorded too. Bodies are never read, so no password reaches the log. Domain events that
services write themselves stay as they are.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from config.audit import RequestAudit, record_request
from config.models import Role
from web.auth import Principal
from web.deps import connection_permits  # the same connection permits as every route

log = logging.getLogger(__name__)

AUDITED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUDITED_ROLES = frozenset({Role.ADMIN, Role.SUPERVISOR, Role.QA_MANAGER})
MAX_CREATED_BODY = 64 * 1024  # a 201's body is read only for its id, and only when this small
MAX_PARAM_CHARS = 64


def _target(path_params: dict[str, Any], created: bytes) -> str:
    parts = [f"{name}={str(value)[:MAX_PARAM_CHARS]}" for name, value in path_params.items()]
    if created:
        try:
            new_id = json.loads(created).get("id")
        except (ValueError, AttributeError):
            new_id = None
        if isinstance(new_id, int | str) and not isinstance(new_id, bool):
            parts.append(f"created id={str(new_id)[:MAX_PARAM_CHARS]}")
    return ", ".join(parts)


def _route_template(scope: Scope) -> str | None:
    """The matched route's path template ("/api/desk/groups/{group_id}"): never the URL itself."""
    route = scope.get("route")
    return getattr(route, "path", None) if isinstance(route, BaseRoute) else None


def _client(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def audited_principal(scope: Scope) -> Principal | None:
    """The admin or supervisor who made this request, if any."""
    principal = scope.get("state", {}).get("principal")
    if isinstance(principal, Principal) and principal.role in AUDITED_ROLES:
        return principal
    return None


async def store(app: Any, audit: RequestAudit) -> None:
    """Write ``audit`` off the event loop; a failure is logged, never turned into the caller's error."""
    permits, _closers = connection_permits(app.state)

    def write() -> None:
        with app.state.session_factory() as session:
            record_request(session, audit)

    try:
        async with permits:
            await anyio.to_thread.run_sync(write)
    except Exception:
        log.exception("could not write the audit entry for %s by %s", audit.action, audit.actor)


class AuditMiddleware:
    """``app.add_middleware(AuditMiddleware)``, inside the other middlewares (it needs the route)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in AUDITED_METHODS:
            await self.app(scope, receive, send)
            return
        status = 500  # what the caller gets if the app raises before answering
        created = bytearray()

        async def send_and_watch(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            elif message["type"] == "http.response.body" and status == 201:
                if len(created) + len(message.get("body", b"")) <= MAX_CREATED_BODY:
                    created.extend(message.get("body", b""))
            await send(message)

        try:
            await self.app(scope, receive, send_and_watch)
        finally:
            principal = audited_principal(scope)
            if principal is not None:
                audit = RequestAudit(
                    actor=principal.username, actor_id=principal.user_id, role=principal.role.value,
                    action=f"{scope['method']} {_route_template(scope) or '(no route)'}",
                    target=_target(scope.get("path_params", {}), bytes(created)),
                    status=status, client=_client(scope),
                )  # fmt: skip
                with anyio.CancelScope(shield=True):  # the client leaving does not erase the entry
                    await store(scope["app"], audit)


def record_read(session: Session, request: Request, principal: Principal, target: str, status: int) -> None:
    """Record a read that hands out what was said (a call's recording, an export of transcripts), for
    every role; called by the route (in a worker thread) with its own session."""
    audit = RequestAudit(
        actor=principal.username, actor_id=principal.user_id, role=principal.role.value,
        action=f"GET {_route_template(request.scope) or '(no route)'}", target=target, status=status,
        client=_client(request.scope),
    )  # fmt: skip
    record_request(session, audit)


async def audit_socket(scope: Scope, principal: Principal, target: str) -> None:
    """Record an admin or supervisor joining a WebSocket that acts (a customer's chat room)."""
    if principal.role not in AUDITED_ROLES:
        return
    audit = RequestAudit(
        actor=principal.username, actor_id=principal.user_id, role=principal.role.value,
        action=f"WS {_route_template(scope) or scope.get('path', '')}", target=target, status=101,
        client=_client(scope),
    )  # fmt: skip
    await store(scope["app"], audit)
