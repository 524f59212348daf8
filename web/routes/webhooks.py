"""Outgoing webhook endpoints: register (the signing secret is shown once), list, deactivate."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, StringConstraints

from tickets.desk.schemas import Strict
from tickets.webhooks import services
from tickets.webhooks.egress import OutboundGuard
from web.deps import SessionDep, SettingsDep
from web.routes.desk_support import IdPath, Manager

router = APIRouter(prefix="/api/webhooks", tags=["webhooks"])
EventType = Annotated[str, StringConstraints(pattern=r"^ticket\.[a-z_]{1,40}$")]


class EndpointCreate(Strict):
    url: HttpUrl
    event_types: list[EventType] = Field(
        default_factory=list, max_length=50, description="Empty: every event"
    )


class EndpointPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    url: str
    event_types: list[str]
    active: bool
    created_at: datetime


class EndpointCreated(EndpointPublic):
    secret: str = Field(description="HMAC-SHA256 key for X-Voxdesk-Signature; shown only now")


class DeliveryPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    event_type: str
    state: str
    attempts: int
    last_status: int | None
    last_error: str
    created_at: datetime
    delivered_at: datetime | None


@router.post("", status_code=status.HTTP_201_CREATED)
def create_endpoint(
    body: EndpointCreate, session: SessionDep, settings: SettingsDep, _: Manager
) -> EndpointCreated:
    """Register a receiver; loopback, private, link-local and metadata addresses are refused (422)
    unless ``desk.webhook_allowed_networks`` lists them."""
    guard = OutboundGuard.from_setting(settings.desk.webhook_allowed_networks)
    endpoint, secret = services.create_endpoint(session, str(body.url), body.event_types, guard)
    return EndpointCreated(**EndpointPublic.model_validate(endpoint).model_dump(), secret=secret)


@router.get("")
def list_endpoints(session: SessionDep, _: Manager) -> list[EndpointPublic]:
    return [EndpointPublic.model_validate(e) for e in services.list_endpoints(session)]


@router.delete("/{endpoint_id}")
def deactivate_endpoint(endpoint_id: IdPath, session: SessionDep, _: Manager) -> EndpointPublic:
    return EndpointPublic.model_validate(services.deactivate_endpoint(session, endpoint_id))


@router.get("/{endpoint_id}/deliveries")
def list_deliveries(endpoint_id: IdPath, session: SessionDep, _: Manager) -> list[DeliveryPublic]:
    return [DeliveryPublic.model_validate(d) for d in services.list_deliveries(session, endpoint_id)]
