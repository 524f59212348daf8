"""Shared pieces of the desk routes: error mapping, the runtime, the acting user, role sets."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import Depends, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError
from starlette.datastructures import State

from config.events import Notifier
from config.jobs import create_celery
from config.models import Role
from tickets.desk.contact_rules import text_rules_from_settings
from tickets.desk.exceptions import ConflictError, DeskError, InvalidInputError, NotFoundError, SignatureError
from tickets.desk.outbox import DeskRuntime
from tickets.desk.services import Actor
from tickets.desk.surveys import CsatSurveys, enqueue_on
from tickets.sla.clock import SystemClock
from tickets.sla.tasks import CeleryDeliveryQueue, CeleryTimerScheduler
from web import ids
from web.auth import Principal, require_roles

READERS = require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)
WORKERS = require_roles(Role.AGENT, Role.SUPERVISOR)
MANAGERS = require_roles(Role.SUPERVISOR)
EDITORS = require_roles(Role.SUPERVISOR, Role.QA_MANAGER)

_STATUS: list[tuple[type[DeskError], int]] = [
    (NotFoundError, 404),
    (InvalidInputError, 422),
    (ConflictError, 409),
    (SignatureError, 401),
]


def desk_error_response(exc: DeskError) -> JSONResponse:
    for cls, code in _STATUS:
        if isinstance(exc, cls):
            return JSONResponse({"detail": str(exc)}, status_code=code)
    return JSONResponse({"detail": str(exc)}, status_code=503 if exc.recoverable else 500)


class DeskRoute(APIRoute):
    """Turns the desk's domain errors into 4xx answers with their message (one place, not per route)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except DeskError as exc:
                return desk_error_response(exc)
            except DataError as exc:  # a value the schema let through but the database cannot hold
                return JSONResponse(
                    {"detail": f"value not accepted by the database: {exc.orig}"}, status_code=422
                )

        return handle


def runtime_of(state: State) -> DeskRuntime:
    """The app's clock, side-effect sinks and text ticket rules, built on first use (tests put their
    own in app.state)."""
    runtime: DeskRuntime | None = getattr(state, "desk_runtime", None)
    if runtime is None:
        jobs = create_celery(state.redis_url)
        runtime = DeskRuntime(
            clock=SystemClock(),
            events=Notifier.from_url(state.redis_url),
            timers=CeleryTimerScheduler(jobs),
            deliveries=CeleryDeliveryQueue(jobs),
            surveys=CsatSurveys(enqueue_on(jobs)),
            text_rules=text_rules_from_settings(state.settings.desk.text_ticket_groups),
        )
        state.desk_runtime = runtime
    return runtime


async def get_runtime(request: Request) -> DeskRuntime:
    return runtime_of(request.app.state)


def actor_of(principal: Principal) -> Actor:
    return Actor(principal.username, principal.user_id)


RuntimeDep = Annotated[DeskRuntime, Depends(get_runtime)]
Reader = Annotated[Principal, READERS]
Worker = Annotated[Principal, WORKERS]
Manager = Annotated[Principal, MANAGERS]
Editor = Annotated[Principal, EDITORS]
IdPath = ids.IdPath  # the one bounded id type (web/ids.py), re-exported for the desk routes
