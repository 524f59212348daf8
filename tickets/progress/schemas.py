"""What the customer's progress page gets: never internal notes, assignees, groups or other tickets."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class TaskProgress(BaseModel):
    title: str
    status: str  # waiting, open, in_progress, done, cancelled
    step: int


class PublicUpdate(BaseModel):
    """A reply the desk sent the customer on this ticket, by the agent's public name."""

    body: str
    author: str
    at: datetime


class TicketProgressPublic(BaseModel):
    ticket_id: int
    subject: str
    status: str  # new, open, pending, solved, closed
    created_at: datetime
    updated_at: datetime
    solved_at: datetime | None
    steps_total: int
    steps_done: int
    tasks: list[TaskProgress]
    updates: list[PublicUpdate]
