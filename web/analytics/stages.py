"""Conversion along a ticket template's stages: of the tickets a template opened in a range, how many
reached each step (its tasks were handed over) and how many completed it (every task of it done)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, case, func, select

from tickets.desk.models import TaskStatus, Ticket, TicketStatus, TicketTask, TicketTemplate
from web.analytics.kpis import Period
from web.analytics.sql import ratio


def template_stages(connection: Connection, period: Period) -> list[dict[str, Any]]:
    """Per template with tickets in ``period``: tickets, solved, and per step reached / completed."""
    start, end = period.bounds()
    tickets = (
        select(Ticket.id, Ticket.template_id, Ticket.status)
        .where(Ticket.template_id.is_not(None), Ticket.created_at >= start, Ticket.created_at < end)
        .subquery("template_tickets")
    )
    per_ticket = (
        select(
            tickets.c.template_id,
            TicketTask.ticket_id,
            TicketTask.step,
            func.min(TicketTask.title).label("title"),
            func.max(case((TicketTask.status != TaskStatus.WAITING.value, 1), else_=0)).label("reached"),
            func.min(case((TicketTask.status == TaskStatus.DONE.value, 1), else_=0)).label("completed"),
        )
        .join(TicketTask, TicketTask.ticket_id == tickets.c.id)
        .group_by(tickets.c.template_id, TicketTask.ticket_id, TicketTask.step)
        .subquery("per_ticket")
    )
    steps = connection.execute(
        select(
            per_ticket.c.template_id,
            per_ticket.c.step,
            func.min(per_ticket.c.title),
            func.sum(per_ticket.c.reached),
            func.sum(per_ticket.c.completed),
        )
        .group_by(per_ticket.c.template_id, per_ticket.c.step)
        .order_by(per_ticket.c.template_id, per_ticket.c.step)
    ).all()
    solved = case((tickets.c.status.in_((TicketStatus.SOLVED.value, TicketStatus.CLOSED.value)), 1), else_=0)
    totals = connection.execute(
        select(TicketTemplate.id, TicketTemplate.name, func.count(), func.sum(solved))
        .join(tickets, tickets.c.template_id == TicketTemplate.id)
        .group_by(TicketTemplate.id, TicketTemplate.name)
        .order_by(TicketTemplate.name)
    ).all()
    out = []
    for template_id, name, count, solved_count in totals:
        stages = [
            {"step": step, "title": title, "reached": int(reached), "completed": int(completed),
             "conversion": ratio(int(reached), count)}
            for tid, step, title, reached, completed in steps
            if tid == template_id
        ]  # fmt: skip
        solved_n = int(solved_count or 0)
        out.append(
            {"template_id": template_id, "name": name, "tickets": count, "solved": solved_n, "stages": stages}
        )
    return out
