"""Queues and routing rules through the API: read (supervisors), validate and replace (admins).

``POST /api/routing/{file}/validate`` checks a text without saving it (the admin page's Validate).

Like IVR flows: validated here (422 naming each problem), then queued for call control, which
validates again, writes the file in the data dir and routes new decisions by it without a restart.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from config.models import Role
from telephony.admin_config import MAX_ROUTING_BYTES
from telephony.commands.schemas import ReplaceRoutingFile
from web.auth import CurrentPrincipal, require_roles
from web.deps import SettingsDep
from web.telephony import CommandsDep, routing_source

router = APIRouter(prefix="/api/routing", tags=["routing"])
SUPERVISORS = require_roles(Role.SUPERVISOR)
ADMINS = require_roles(Role.ADMIN)
RoutingFile = Literal["queues", "rules"]


class RoutingText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(min_length=1, max_length=MAX_ROUTING_BYTES)


class RoutingPublic(BaseModel):
    file: RoutingFile
    queues: list[str]
    yaml: str


class RoutingValid(BaseModel):
    valid: bool
    queues: list[str]


class RoutingQueued(RoutingPublic):
    command_id: str = Field(description="the controller's switch to this file; a refusal is announced")


@router.get("/{file}", dependencies=[SUPERVISORS])
def get_routing_file(file: RoutingFile, request: Request, settings: SettingsDep) -> RoutingPublic:
    """``queues`` or ``rules`` as on disk, with the queue ids the two make together."""
    source = routing_source(request, settings)
    config = source.current()
    return RoutingPublic(file=file, queues=sorted(config.queues), yaml=source.text_of(file))


@router.post("/{file}/validate", dependencies=[ADMINS])
def validate_routing_file(
    file: RoutingFile, body: RoutingText, request: Request, settings: SettingsDep
) -> RoutingValid:
    """Check ``file`` against the other one as it is on disk (422 naming each problem); nothing is saved."""
    config = routing_source(request, settings).validate(file, body.yaml)
    return RoutingValid(valid=True, queues=sorted(config.queues))


@router.put("/{file}", status_code=202, dependencies=[ADMINS])
def replace_routing_file(
    file: RoutingFile, body: RoutingText, request: Request, settings: SettingsDep,
    commands: CommandsDep, principal: CurrentPrincipal,
) -> RoutingQueued:  # fmt: skip
    """Validate against the other file and queue the change for call control."""
    config = routing_source(request, settings).validate(file, body.yaml)
    command = commands.send(ReplaceRoutingFile(file=file, text=body.yaml, actor=principal.username))
    queues = sorted(config.queues)
    return RoutingQueued(file=file, queues=queues, yaml=body.yaml, command_id=command.command_id)
