"""Desk configuration API: groups, templates and flows, custom fields, SLA policies and calendars."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from tickets.desk import flows, groups
from tickets.desk.schemas import (
    AreaName,
    FieldDefinitionCreate,
    FieldDefinitionPublic,
    FlowStart,
    GroupCreate,
    GroupPublic,
    GroupUpdate,
    TemplateCreate,
    TemplatePublic,
    TicketPublic,
)
from tickets.sla import policies
from tickets.sla.schemas import CalendarCreate, CalendarPublic, PolicyCreate, PolicyPublic
from web.deps import SessionDep
from web.routes.desk_support import IdPath, Manager, Reader, RuntimeDep, Worker, actor_of

router = APIRouter(prefix="/api/desk", tags=["desk configuration"])


@router.get("/groups")
def list_groups(session: SessionDep, _: Reader) -> list[GroupPublic]:
    return [GroupPublic.model_validate(g) for g in groups.list_groups(session)]


@router.post("/groups", status_code=status.HTTP_201_CREATED)
def create_group(body: GroupCreate, session: SessionDep, _: Manager) -> GroupPublic:
    return GroupPublic.model_validate(groups.create_group(session, body))


@router.patch("/groups/{group_id}")
def update_group(group_id: IdPath, body: GroupUpdate, session: SessionDep, _: Manager) -> GroupPublic:
    return GroupPublic.model_validate(groups.update_group(session, group_id, body))


@router.get("/templates")
def list_templates(session: SessionDep, _: Reader) -> list[TemplatePublic]:
    return [TemplatePublic.model_validate(t) for t in flows.list_templates(session)]


@router.post("/templates", status_code=status.HTTP_201_CREATED)
def create_template(body: TemplateCreate, session: SessionDep, _: Manager) -> TemplatePublic:
    """A multi-step flow, e.g. consult -> enrol (sales) -> class scheduling (academic affairs)."""
    return TemplatePublic.model_validate(flows.create_template(session, body))


@router.post("/templates/{template_id}/tickets", status_code=status.HTTP_201_CREATED)
def start_flow(
    template_id: IdPath, body: FlowStart, session: SessionDep, runtime: RuntimeDep, principal: Worker
) -> TicketPublic:
    """Open a ticket that runs the template's steps."""
    ticket = flows.start_flow(session, runtime, template_id, body, actor_of(principal))
    return TicketPublic.model_validate(ticket)


@router.get("/fields")
def list_fields(
    session: SessionDep, _: Reader, business_area: Annotated[AreaName | None, Query()] = None
) -> list[FieldDefinitionPublic]:
    return [
        FieldDefinitionPublic.model_validate(f) for f in groups.list_field_definitions(session, business_area)
    ]


@router.post("/fields", status_code=status.HTTP_201_CREATED)
def create_field(body: FieldDefinitionCreate, session: SessionDep, _: Manager) -> FieldDefinitionPublic:
    return FieldDefinitionPublic.model_validate(groups.create_field_definition(session, body))


@router.get("/sla/policies")
def list_policies(session: SessionDep, _: Reader) -> list[PolicyPublic]:
    return [PolicyPublic.model_validate(p) for p in policies.list_policies(session)]


@router.post("/sla/policies", status_code=status.HTTP_201_CREATED)
def create_policy(body: PolicyCreate, session: SessionDep, _: Manager) -> PolicyPublic:
    """Targets for a priority and/or channel; the most specific active policy applies to a ticket."""
    return PolicyPublic.model_validate(policies.create_policy(session, body))


@router.get("/sla/calendars")
def list_calendars(session: SessionDep, _: Reader) -> list[CalendarPublic]:
    return policies.list_calendars(session)


@router.post("/sla/calendars", status_code=status.HTTP_201_CREATED)
def create_calendar(body: CalendarCreate, session: SessionDep, _: Manager) -> CalendarPublic:
    return policies.create_calendar(session, body)
