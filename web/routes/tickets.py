"""Tickets API: list and search, create, update, notes, tasks, history and SLA timers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status
from pydantic_core import to_json

from tickets import access
from tickets.channels.replies import ChannelReplies
from tickets.desk import flows, services
from tickets.desk.schemas import (
    HistoryPublic,
    NoteCreate,
    NotePublic,
    TaskCreate,
    TaskPublic,
    TaskUpdate,
    TicketCreate,
    TicketFilters,
    TicketPage,
    TicketPublic,
    TicketUpdate,
)
from tickets.sla.policies import list_ticket_timers
from tickets.sla.schemas import TimerPublic
from web.access import ScopeDep
from web.deps import SessionDep
from web.routes.desk_support import IdPath, Reader, RuntimeDep, Worker, actor_of
from web.routes.ticket_support import AdaptersDep

router = APIRouter(prefix="/api/tickets", tags=["tickets"])


@router.get("", response_model=TicketPage)
def list_tickets(
    session: SessionDep, _: Reader, scope: ScopeDep, filters: Annotated[TicketFilters, Query()]
) -> Response:
    """Tickets newest first, filtered by status, priority, group, assignee, customer, area and words;
    only those the user may see (:mod:`tickets.access`).

    Page through with ``before_id`` (the last page's ``next_before_id``) rather than a large offset.
    """
    rows, has_more = services.list_tickets(session, filters, access.visible_tickets(scope))
    session.close()  # the connection goes back to the pool now, not after the response is sent
    page = {
        "items": [row._asdict() for row in rows],  # exactly TicketPublic's fields (LISTED_COLUMNS)
        "limit": filters.limit,
        "offset": filters.offset,
        "has_more": has_more,
        "next_before_id": rows[-1].id if has_more and rows else None,
    }
    # Rows straight from the database are already the declared types: serialized without a second
    # validation (returning a model, FastAPI would validate it all again in the thread pool).
    return Response(to_json(page), media_type="application/json")


@router.post("", status_code=status.HTTP_201_CREATED)
def create_ticket(
    body: TicketCreate, session: SessionDep, runtime: RuntimeDep, principal: Worker, scope: ScopeDep
) -> TicketPublic:
    access.check_new_ticket_links(session, scope, body.customer_id, body.conversation_id)
    ticket = services.create_ticket(session, runtime, body, actor_of(principal))
    return TicketPublic.model_validate(ticket)


@router.get("/{ticket_id}")
def get_ticket(ticket_id: IdPath, session: SessionDep, _: Reader, scope: ScopeDep) -> TicketPublic:
    return TicketPublic.model_validate(access.ticket_for(session, scope, ticket_id))


@router.patch("/{ticket_id}")
def update_ticket(
    ticket_id: IdPath,
    body: TicketUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Worker,
    scope: ScopeDep,
) -> TicketPublic:
    """Change fields, status (solving needs every task finished), assignee or group.

    A ticket escalated to its group's lead is re-assigned, moved, solved or closed only by its group."""
    access.ticket_for_update(session, scope, ticket_id, body.model_dump(exclude_unset=True, mode="json"))
    ticket = services.update_ticket(session, runtime, ticket_id, body, actor_of(principal))
    return TicketPublic.model_validate(ticket)


@router.get("/{ticket_id}/notes")
def list_notes(ticket_id: IdPath, session: SessionDep, _: Reader, scope: ScopeDep) -> list[NotePublic]:
    access.ticket_for(session, scope, ticket_id)
    return [NotePublic.model_validate(n) for n in services.list_notes(session, ticket_id)]


@router.post("/{ticket_id}/notes", status_code=status.HTTP_201_CREATED)
def add_note(
    ticket_id: IdPath,
    body: NoteCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    adapters: AdaptersDep,
    principal: Worker,
    scope: ScopeDep,
) -> NotePublic:
    """An internal note (``@username`` notifies that agent; never shown to the customer) or, with
    ``internal: false``, a public reply: sent to the customer on the ticket's conversation channel
    and counted as the ticket's response. 409 when the ticket has no text conversation; 502 when the
    channel did not take it (the reply stays in the conversation as not sent)."""
    access.ticket_for(session, scope, ticket_id, write=True)
    note = services.add_note(
        session, runtime, ticket_id, body, actor_of(principal), replies=ChannelReplies(adapters)
    )
    return NotePublic.model_validate(note)


@router.get("/{ticket_id}/tasks")
def list_tasks(ticket_id: IdPath, session: SessionDep, _: Reader, scope: ScopeDep) -> list[TaskPublic]:
    access.ticket_for(session, scope, ticket_id)
    return [TaskPublic.model_validate(t) for t in flows.list_tasks(session, ticket_id)]


@router.post("/{ticket_id}/tasks", status_code=status.HTTP_201_CREATED)
def add_task(
    ticket_id: IdPath,
    body: TaskCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Worker,
    scope: ScopeDep,
) -> TaskPublic:
    """Give a group its own part of the ticket."""
    access.ticket_for(session, scope, ticket_id, write=True)
    return TaskPublic.model_validate(flows.add_task(session, runtime, ticket_id, body, actor_of(principal)))


@router.patch("/{ticket_id}/tasks/{task_id}")
def update_task(
    ticket_id: IdPath,
    task_id: IdPath,
    body: TaskUpdate,
    session: SessionDep,
    runtime: RuntimeDep,
    principal: Worker,
    scope: ScopeDep,
) -> TaskPublic:
    """Move a task along; finishing the last one solves the ticket, finishing a step hands it over."""
    status = body.status.value if body.status is not None else None
    access.ticket_for_task_update(session, scope, ticket_id, task_id, status)
    task = flows.update_task(session, runtime, ticket_id, task_id, body, actor_of(principal))
    return TaskPublic.model_validate(task)


@router.get("/{ticket_id}/history")
def list_history(ticket_id: IdPath, session: SessionDep, _: Reader, scope: ScopeDep) -> list[HistoryPublic]:
    access.ticket_for(session, scope, ticket_id)
    return [HistoryPublic.model_validate(h) for h in services.list_history(session, ticket_id)]


@router.get("/{ticket_id}/sla")
def list_timers(ticket_id: IdPath, session: SessionDep, _: Reader, scope: ScopeDep) -> list[TimerPublic]:
    access.ticket_for(session, scope, ticket_id)
    return [TimerPublic.model_validate(t) for t in list_ticket_timers(session, ticket_id)]
