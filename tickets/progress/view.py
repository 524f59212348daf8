"""One ticket's progress as its customer may see it (the link's token names the ticket)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from config.accounts import public_name_for
from tickets.desk.flows import list_tasks
from tickets.desk.models import FINISHED_TASK_STATUSES
from tickets.desk.services import get_ticket, list_notes
from tickets.progress.schemas import PublicUpdate, TaskProgress, TicketProgressPublic


def ticket_progress(session: Session, ticket_id: int) -> TicketProgressPublic:
    """Status, the flow's tasks and steps done, and the public replies only (internal notes never)."""
    ticket = get_ticket(session, ticket_id)
    tasks = list_tasks(session, ticket.id)
    steps = {task.step for task in tasks}
    steps_done = {
        step for step in steps if all(t.status in FINISHED_TASK_STATUSES for t in tasks if t.step == step)
    }
    updates = [
        PublicUpdate(body=note.body, author=public_name_for(session, note.author_id), at=note.created_at)
        for note in list_notes(session, ticket.id, include_internal=False)
    ]
    return TicketProgressPublic(
        ticket_id=ticket.id,
        subject=ticket.subject,
        status=ticket.status,
        created_at=ticket.created_at,
        updated_at=ticket.updated_at,
        solved_at=ticket.solved_at,
        steps_total=len(steps),
        steps_done=len(steps_done),
        tasks=[TaskProgress(title=t.title, status=t.status, step=t.step) for t in tasks],
        updates=updates,
    )
