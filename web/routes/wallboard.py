"""``GET /api/wallboard``: today's queue figures and agent states for the supervisor console."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request

from config.models import Role
from routing import RoutingConfigError
from telephony.wallboard import agent_names, records_since, start_of_day, wallboard
from web.auth import require_roles
from web.deps import SessionDep, SettingsDep
from web.telephony import ReadModelDep, routing_source

router = APIRouter(tags=["wallboard"])
FLOOR_READERS = require_roles(Role.SUPERVISOR, Role.QA_MANAGER)


def _queues(request: Request, settings: Any, read: Any) -> dict[str, Any]:
    """Queue configs from the routing files, plus any queue the controller runs that they lack."""
    try:
        queues: dict[str, Any] = dict(routing_source(request, settings).current().queues)
    except (OSError, RoutingConfigError):
        queues = {}
    for queue_id in read.queue_ids() or ():
        queues.setdefault(queue_id, None)
    return queues


@router.get("/api/wallboard", dependencies=[FLOOR_READERS])
def get_wallboard(
    request: Request, session: SessionDep, settings: SettingsDep, read: ReadModelDep
) -> dict[str, Any]:
    now = time.time()
    finished = records_since(session, start_of_day(now))
    agents = read.agents()
    names = agent_names(session, (agent.agent_id for agent in agents))
    return wallboard(_queues(request, settings, read), finished, read.live_calls(), agents, now, names)
