"""IVR flows through the API: read (supervisors), validate and replace (admins).

A replacement is validated before it is stored; a broken flow gets 422 with each problem's node and
reason, and the running flow stays in use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, ConfigDict, Field

from config.models import Role
from telephony.ivr import FlowNotFoundError, FlowStore, IvrFlowError
from telephony.ivr.service import DEFAULT_FLOW_DIR, MAX_FLOW_BYTES
from web.auth import require_roles
from web.deps import SettingsDep

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


def flow_store(request: Request, settings: SettingsDep) -> FlowStore:
    """One store per app, on the directory of ``telephony.ivr_flow`` (config/ivr by default)."""
    store: FlowStore | None = getattr(request.app.state, "ivr_flow_store", None)
    if store is None:
        configured: Path | None = settings.telephony.ivr_flow
        store = FlowStore(configured.parent if configured else DEFAULT_FLOW_DIR)
        request.app.state.ivr_flow_store = store
    return store


def _refused(exc: IvrFlowError) -> HTTPException:
    problems = [{"node": p.node, "reason": p.reason} for p in exc.problems]
    detail: dict[str, Any] = {"message": str(exc), "problems": problems}
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail)


def _public(store: FlowStore, name: str) -> FlowPublic:
    try:
        flow = store.current(name)
    except FlowNotFoundError as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from exc
    except IvrFlowError as exc:
        raise _refused(exc) from exc
    return FlowPublic(
        name=flow.name,
        start=flow.start,
        nodes=len(flow.nodes),
        languages=list(flow.languages),
        yaml=flow.source,
    )


@router.get("", dependencies=[SUPERVISORS])
def list_flows(request: Request, settings: SettingsDep) -> list[str]:
    """Names of the flows on disk."""
    return flow_store(request, settings).names()


@router.get("/{name}", dependencies=[SUPERVISORS])
def get_flow(name: str, request: Request, settings: SettingsDep) -> FlowPublic:
    """The flow in use (the last good version if the file was broken by hand)."""
    store = flow_store(request, settings)
    try:
        store.path_of(name)
    except IvrFlowError as exc:
        raise _refused(exc) from exc
    return _public(store, name)


@router.post("/{name}/validate", dependencies=[ADMINS])
def validate_flow(name: str, body: FlowText) -> dict[str, Any]:
    """Check a flow without storing it."""
    try:
        flow = FlowStore.validate(name, body.yaml)
    except IvrFlowError as exc:
        raise _refused(exc) from exc
    return {"valid": True, "nodes": len(flow.nodes)}


@router.put("/{name}", dependencies=[ADMINS])
def replace_flow(name: str, body: FlowText, request: Request, settings: SettingsDep) -> FlowPublic:
    """Validate and atomically replace the flow; new calls use it at once, calls in progress keep theirs."""
    store = flow_store(request, settings)
    try:
        store.replace(name, body.yaml)
    except IvrFlowError as exc:
        raise _refused(exc) from exc
    return _public(store, name)
