"""Desk configuration API: groups, templates and flows, custom fields, SLA policies and calendars."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from tickets import access
from tickets.desk import flows, groups, membership
from tickets.desk.schemas import (
    AreaName,
    FieldDefinitionCreate,
    FieldDefinitionPublic,
    FlowStart,
    GroupCreate,
    GroupMemberCreate,
    GroupMemberPublic,
    GroupPublic,
    GroupUpdate,
    TemplateCreate,
    TemplatePublic,
    TicketPublic,
)
from tickets.sla import policies
from tickets.sla.schemas import CalendarCreate, CalendarPublic, PolicyCreate, PolicyPublic
from web.access import ScopeDep
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


@router.get("/groups/mine")
def my_groups(session: SessionDep, principal: Reader) -> list[GroupPublic]:
    """The groups the signed-in user works (member or lead): their tickets are the user's to work."""
    return [GroupPublic.model_validate(g) for g in membership.groups_of(session, principal.user_id)]


@router.get("/groups/{group_id}/members")
def list_members(group_id: IdPath, session: SessionDep, _: Manager) -> list[GroupMemberPublic]:
    return [GroupMemberPublic.model_validate(m) for m in membership.list_members(session, group_id)]


@router.post("/groups/{group_id}/members", status_code=status.HTTP_201_CREATED)
def add_member(
    group_id: IdPath, body: GroupMemberCreate, session: SessionDep, principal: Manager
) -> GroupMemberPublic:
    """Put a user in the group: they read and work its tickets and their conversations (audited)."""
    member = membership.add_member(session, group_id, body.user_id, actor=principal.username)
    return GroupMemberPublic.model_validate(member)


@router.delete("/groups/{group_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT)
def remove_member(group_id: IdPath, user_id: IdPath, session: SessionDep, principal: Manager) -> None:
    membership.remove_member(session, group_id, user_id, actor=principal.username)


@router.get("/templates")
def list_templates(session: SessionDep, _: Reader) -> list[TemplatePublic]:
    return [TemplatePublic.model_validate(t) for t in flows.list_templates(session)]


@router.post("/templates", status_code=status.HTTP_201_CREATED)
def create_template(body: TemplateCreate, session: SessionDep, _: Manager) -> TemplatePublic:
    """A multi-step flow, e.g. consult -> enrol (sales) -> class scheduling (academic affairs)."""
    return TemplatePublic.model_validate(flows.create_template(session, body))


@router.post("/templates/{template_id}/tickets", status_code=status.HTTP_201_CREATED)
def start_flow(
    template_id: IdPath,
    body: FlowStart,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Worker,
    scope: ScopeDep,
) -> TicketPublic:
    """Open a ticket that runs the template's steps."""
    access.check_new_ticket_links(session, scope, body.customer_id, None)
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
