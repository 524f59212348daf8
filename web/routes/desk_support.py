"""Shared pieces of the desk routes: the runtime, the acting user, role sets."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import State

from config.events import Notifier
from config.jobs import create_celery
from config.models import Role
from tickets.desk.contact_rules import text_rules_from_settings
from tickets.desk.outbox import DeskRuntime
from tickets.desk.services import Actor
from tickets.desk.surveys import CsatSurveys, enqueue_on
from tickets.progress.notices import ProgressNotices
from tickets.sla.clock import SystemClock
from tickets.sla.tasks import CeleryDeliveryQueue, CeleryTimerScheduler
from web import ids
from web.auth import Principal, require_roles

READERS = require_roles(Role.AGENT, Role.SUPERVISOR, Role.QA_MANAGER)
WORKERS = require_roles(Role.AGENT, Role.SUPERVISOR)
MANAGERS = require_roles(Role.SUPERVISOR)
EDITORS = require_roles(Role.SUPERVISOR, Role.QA_MANAGER)


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
            progress=ProgressNotices(jobs),
            text_rules=text_rules_from_settings(
                state.settings.desk.text_ticket_groups, state.settings.data_dir
            ),
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
