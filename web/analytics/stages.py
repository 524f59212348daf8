"""Conversion along a ticket template's stages: of the tickets a template opened in a range, how many
reached each step (its tasks were handed over) and how many completed it (every task of it done).
Summed from the ``template_steps_daily`` and ``template_tickets_daily`` rollups."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, select

from tickets.desk.models import TicketTemplate
from web.analytics.kpis import Period, Rollups, in_period, sums
from web.analytics.sql import ratio


def template_stages(connection: Connection, period: Period) -> list[dict[str, Any]]:
    """Per template with tickets in ``period``: tickets, solved, and per step reached / completed."""
    rollups = Rollups(connection)
    steps_table, tickets_table = rollups["template_steps_daily"], rollups["template_tickets_daily"]
    steps = connection.execute(
        select(steps_table.c.template_id, steps_table.c.step, func.min(steps_table.c.title),
               *sums(steps_table, "reached", "completed"))
        .where(in_period(steps_table, period))
        .group_by(steps_table.c.template_id, steps_table.c.step)
        .order_by(steps_table.c.template_id, steps_table.c.step)
    ).all()  # fmt: skip
    totals = connection.execute(
        select(TicketTemplate.id, TicketTemplate.name, *sums(tickets_table, "tickets", "solved"))
        .join(tickets_table, tickets_table.c.template_id == TicketTemplate.id)
        .where(in_period(tickets_table, period))
        .group_by(TicketTemplate.id, TicketTemplate.name)
        .order_by(TicketTemplate.name)
    ).all()
    out = []
    for template_id, name, count, solved in totals:
        stages = [
            {"step": step, "title": title, "reached": reached, "completed": completed,
             "conversion": ratio(reached, count)}
            for tid, step, title, reached, completed in steps
            if tid == template_id
        ]  # fmt: skip
        out.append(
            {"template_id": template_id, "name": name, "tickets": count, "solved": solved, "stages": stages}
        )
    return out
