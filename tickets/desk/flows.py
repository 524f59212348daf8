"""Several groups on one ticket: tasks with their own state, and template flows handed over in steps.

A ticket with tasks is solved when its last task is finished (and cannot be solved before). In a
template flow (consult -> enrol -> class scheduling) finishing a step opens the next one and hands
the ticket to the next step's group.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tickets.desk import history
from tickets.desk.custom_fields import validate_custom_fields
from tickets.desk.exceptions import ConflictError, InvalidInputError, NotFoundError
from tickets.desk.groups import require_group, require_user
from tickets.desk.models import (
    FINISHED_TASK_STATUSES,
    TaskStatus,
    Ticket,
    TicketPriority,
    TicketSource,
    TicketStatus,
    TicketTask,
    TicketTemplate,
)
from tickets.desk.outbox import DeskRuntime, commit, queue_move
from tickets.desk.schemas import FlowStart, TaskCreate, TaskUpdate, TemplateCreate, TicketCreate
from tickets.desk.services import Actor, change_status, create_ticket, get_ticket

TASK_TRANSITIONS: dict[TaskStatus, set[TaskStatus]] = {
    TaskStatus.WAITING: {TaskStatus.CANCELLED},
    TaskStatus.OPEN: {TaskStatus.IN_PROGRESS, TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.IN_PROGRESS: {TaskStatus.OPEN, TaskStatus.DONE, TaskStatus.CANCELLED},
    TaskStatus.DONE: {TaskStatus.OPEN},
    TaskStatus.CANCELLED: {TaskStatus.OPEN},
}


def list_tasks(session: Session, ticket_id: int) -> Sequence[TicketTask]:
    get_ticket(session, ticket_id)
    return session.scalars(
        select(TicketTask).where(TicketTask.ticket_id == ticket_id).order_by(TicketTask.step, TicketTask.id)
    ).all()


def get_task(session: Session, ticket_id: int, task_id: int) -> TicketTask:
    task = session.get(TicketTask, task_id)
    if task is None or task.ticket_id != ticket_id:
        raise NotFoundError(f"ticket {ticket_id} has no task {task_id}")
    return task


def add_task(
    session: Session, runtime: DeskRuntime, ticket_id: int, data: TaskCreate, actor: Actor
) -> TicketTask:
    """Give a group its own part of the ticket; it runs alongside the tasks already open."""
    ticket = get_ticket(session, ticket_id)
    if ticket.status == TicketStatus.CLOSED:
        raise ConflictError(f"ticket {ticket_id} is closed")
    require_group(session, data.group_id)
    require_user(session, data.assignee_id, "assignee")
    current_step = max(
        (t.step for t in list_tasks(session, ticket_id) if t.status != TaskStatus.WAITING), default=0
    )
    task = TicketTask(
        ticket_id=ticket.id,
        group_id=data.group_id,
        title=data.title,
        assignee_id=data.assignee_id,
        step=current_step,
        created_at=runtime.clock.now(),
    )
    session.add(task)
    session.flush()
    if ticket.status == TicketStatus.SOLVED:  # new work reopens a solved ticket
        change_status(session, ticket, TicketStatus.OPEN, actor, runtime)
    history.record(session, ticket, actor.name, "task_added", {"task_id": task.id, "group_id": task.group_id})
    commit(session, runtime)
    return task


def _hand_over(session: Session, ticket: Ticket, finished_step: int, actor: Actor) -> None:
    """When every task of a step is finished, open the next step's tasks and move the ticket there."""
    tasks = session.scalars(select(TicketTask).where(TicketTask.ticket_id == ticket.id)).all()
    if any(t.step == finished_step and t.status not in FINISHED_TASK_STATUSES for t in tasks):
        return
    waiting = [t for t in tasks if t.status == TaskStatus.WAITING]
    if not waiting:
        return
    next_step = min(t.step for t in waiting)
    opened = [t for t in waiting if t.step == next_step]
    for task in opened:
        task.status = TaskStatus.OPEN.value
    previous_group = ticket.group_id
    ticket.group_id = opened[0].group_id
    ticket.assignee_id = None
    entry = history.record(
        session,
        ticket,
        actor.name,
        "handed_over",
        {"step": next_step, "from_group_id": previous_group, "to_group_id": ticket.group_id},
    )
    queue_move(session, "step_done", entry)


def update_task(
    session: Session, runtime: DeskRuntime, ticket_id: int, task_id: int, data: TaskUpdate, actor: Actor
) -> TicketTask:
    """Change a task's state or assignee; the last finished task solves the ticket."""
    ticket = get_ticket(session, ticket_id)
    task = get_task(session, ticket_id, task_id)
    changes = data.model_dump(exclude_unset=True)
    if "assignee_id" in changes:
        require_user(session, changes["assignee_id"], "assignee")
        task.assignee_id = changes["assignee_id"]
    new = data.status
    if new is not None and new != TaskStatus(task.status):
        old = TaskStatus(task.status)
        if new not in TASK_TRANSITIONS[old]:
            raise ConflictError(f"a {old.value} task cannot become {new.value}")
        if ticket.status == TicketStatus.CLOSED:
            raise ConflictError(f"ticket {ticket_id} is closed")
        task.status = new.value
        task.completed_at = runtime.clock.now() if new in FINISHED_TASK_STATUSES else None
        entry = history.record(
            session,
            ticket,
            actor.name,
            "task_changed",
            {"task_id": task.id, "from": old.value, "to": new.value},
        )
        if new == TaskStatus.DONE:  # the customer hears of work done, not of a task cancelled
            queue_move(session, "task_done", entry)
        if new in FINISHED_TASK_STATUSES:
            session.flush()
            _hand_over(session, ticket, task.step, actor)
            session.flush()
            all_tasks = session.scalars(select(TicketTask).where(TicketTask.ticket_id == ticket.id)).all()
            if (
                all(t.status in FINISHED_TASK_STATUSES for t in all_tasks)
                and ticket.status != TicketStatus.SOLVED
            ):
                change_status(session, ticket, TicketStatus.SOLVED, actor, runtime)
        elif ticket.status == TicketStatus.SOLVED:
            change_status(session, ticket, TicketStatus.OPEN, actor, runtime)
    commit(session, runtime)
    return task


def create_template(session: Session, data: TemplateCreate) -> TicketTemplate:
    for step in data.steps:
        require_group(session, step.group_id)
    if data.steps[0].with_previous:
        raise InvalidInputError("the first step cannot run with a previous one")
    template = TicketTemplate(**data.model_dump(mode="json"))
    session.add(template)
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"a template named {data.name!r} already exists") from exc
    return template


def get_template(session: Session, template_id: int) -> TicketTemplate:
    template = session.get(TicketTemplate, template_id)
    if template is None:
        raise NotFoundError(f"template {template_id} does not exist")
    return template


def list_templates(session: Session) -> Sequence[TicketTemplate]:
    return session.scalars(select(TicketTemplate).order_by(TicketTemplate.name)).all()


def start_flow(
    session: Session, runtime: DeskRuntime, template_id: int, data: FlowStart, actor: Actor
) -> Ticket:
    """A ticket whose tasks are the template's steps; the first step's group holds it first."""
    template = get_template(session, template_id)
    validate_custom_fields(session, template.business_area, data.custom_fields, check_required=True)
    step_numbers: list[int] = []
    for position, step in enumerate(template.steps):
        require_group(session, int(step["group_id"]))
        parallel = position > 0 and bool(step.get("with_previous"))
        step_numbers.append(step_numbers[-1] if parallel else len(set(step_numbers)))
    ticket_data = TicketCreate(
        subject=data.subject,
        description=data.description,
        priority=data.priority or TicketPriority(template.default_priority),
        business_area=template.business_area,
        channel=data.channel,
        customer_id=data.customer_id,
        group_id=int(template.steps[0]["group_id"]),
        tags=data.tags,
        custom_fields=data.custom_fields,
    )
    ticket = create_ticket(
        session,
        runtime,
        ticket_data,
        actor,
        source=TicketSource.TEMPLATE,
        extra={"template_id": template.id},
        commit_now=False,
    )
    for step, number in zip(template.steps, step_numbers, strict=True):
        status = TaskStatus.OPEN if number == 0 else TaskStatus.WAITING
        session.add(
            TicketTask(
                ticket_id=ticket.id,
                group_id=int(step["group_id"]),
                title=str(step["title"]),
                step=number,
                status=status.value,
                created_at=runtime.clock.now(),
            )
        )
    commit(session, runtime)
    return ticket
