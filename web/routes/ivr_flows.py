"""IVR flows through the API: read (supervisors), validate and replace (admins).

A replacement is validated here first (a broken flow gets 422 with each problem's node and reason),
then queued for call control, which owns the flows: the controller validates again, writes the file
in the data dir and switches new calls to it without a restart; the running flow stays until then.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field

from config.models import Role
from telephony.admin_config import ivr_flow_path
from telephony.commands.schemas import ReloadIvrFlow
from telephony.ivr import Flow, FlowStore
from telephony.ivr.diagram import FlowDiagram, flow_diagram
from telephony.ivr.flow_source import check_queues
from telephony.ivr.service import MAX_FLOW_BYTES
from web.auth import CurrentPrincipal, require_roles
from web.deps import SettingsDep
from web.telephony import CommandsDep, QueueIdsDep

router = APIRouter(prefix="/api/ivr/flows", tags=["ivr"])
SUPERVISORS = require_roles(Role.SUPERVISOR)
ADMINS = require_roles(Role.ADMIN)


class FlowText(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(min_length=1, max_length=MAX_FLOW_BYTES)


class FlowPublic(BaseModel):
    name: str
    start: str
    nodes: int
    languages: list[str]
    yaml: str


class FlowValid(BaseModel):
    valid: bool
    nodes: int
    diagram: FlowDiagram = Field(description="the nodes and their edges (DTMF keys, keywords) to draw")


class FlowQueued(FlowPublic):
    command_id: str = Field(description="the controller's switch to this flow; a refusal is announced")


def flow_store(request: Request, settings: SettingsDep) -> FlowStore:
    """One (read-only) store per app, on the flows' directory in the data dir."""
    store: FlowStore | None = getattr(request.app.state, "ivr_flow_store", None)
    if store is None:
        store = FlowStore(ivr_flow_path(settings).parent)
        request.app.state.ivr_flow_store = store
    return store


def _public(flow: Flow) -> FlowPublic:
    return FlowPublic(
        name=flow.name, start=flow.start, nodes=len(flow.nodes), languages=list(flow.languages),
        yaml=flow.source,
    )  # fmt: skip


@router.get("", dependencies=[SUPERVISORS])
def list_flows(request: Request, settings: SettingsDep) -> list[str]:
    """Names of the flows on disk."""
    return flow_store(request, settings).names()


@router.get("/{name}", dependencies=[SUPERVISORS])
def get_flow(name: str, request: Request, settings: SettingsDep) -> FlowPublic:
    """The flow in use (the last good version if the file was broken by hand)."""
    return _public(flow_store(request, settings).current(name))


@router.post("/{name}/validate", dependencies=[ADMINS])
def validate_flow(name: str, body: FlowText, queue_ids: QueueIdsDep) -> FlowValid:
    """Check a flow (nodes, and the queues it sends callers to) without storing it; its diagram."""
    flow = FlowStore.validate(name, body.yaml)
    check_queues(flow, queue_ids)
    return FlowValid(valid=True, nodes=len(flow.nodes), diagram=flow_diagram(flow))


@router.put("/{name}", status_code=202, dependencies=[ADMINS])
def replace_flow(
    name: str, body: FlowText, request: Request, settings: SettingsDep, queue_ids: QueueIdsDep,
    commands: CommandsDep, principal: CurrentPrincipal,
) -> FlowQueued:  # fmt: skip
    """Validate the flow and queue it for call control; new calls get it once the controller switches."""
    flow_store(request, settings).path_of(name)  # a bad name is refused before anything is queued
    flow = FlowStore.validate(name, body.yaml)
    check_queues(flow, queue_ids)
    command = commands.send(ReloadIvrFlow(name=name, text=body.yaml, actor=principal.username))
    return FlowQueued(**_public(flow).model_dump(), command_id=command.command_id)
