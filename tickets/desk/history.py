"""Every change to a ticket goes through :func:`record`: a history row, a live event, webhooks."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from tickets.desk.events import TicketChanged
from tickets.desk.models import Ticket, TicketHistory
from tickets.desk.outbox import outbox
from tickets.webhooks.outbox import queue_deliveries


def ticket_summary(ticket: Ticket) -> dict[str, Any]:
    """The fields webhook receivers get (no notes: those may be internal)."""
    return {
        "id": ticket.id,
        "subject": ticket.subject,
        "status": ticket.status,
        "priority": ticket.priority,
        "business_area": ticket.business_area,
        "channel": ticket.channel,
        "customer_id": ticket.customer_id,
        "assignee_id": ticket.assignee_id,
        "group_id": ticket.group_id,
        "tags": list(ticket.tags or []),
    }


def record(
    session: Session, ticket: Ticket, actor: str, action: str, details: dict[str, Any] | None = None
) -> TicketHistory:
    """Log ``action`` on ``ticket`` and queue its live event and webhook deliveries."""
    if ticket.id is None:
        session.flush()
    entry = TicketHistory(ticket_id=ticket.id, actor=actor[:64], action=action, details=details or {})
    session.add(entry)
    outbox(session).events.append(
        TicketChanged(
            ticket_id=ticket.id,
            group_id=ticket.group_id,
            action=action,
            actor=actor,
            status=ticket.status,
            priority=ticket.priority,
            assignee_id=ticket.assignee_id,
            details=details or {},
        )
    )
    queue_deliveries(
        session,
        f"ticket.{action}",
        {"action": action, "actor": actor, "details": details or {}, "ticket": ticket_summary(ticket)},
    )
    return entry
