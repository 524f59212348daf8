"""Live events of tickets: to the ticket's and group's channels, and to mentioned agents."""

from __future__ import annotations

from typing import Any, ClassVar

from config.events import Event, register_event


@register_event
class TicketChanged(Event):
    """Something happened to a ticket (created, assigned, solved, escalated...)."""

    event_type: ClassVar[str] = "ticket.changed"
    routing_fields: ClassVar[tuple[str, ...]] = ("ticket_id", "group_id")

    ticket_id: int
    group_id: int | None = None
    action: str
    actor: str
    status: str
    priority: str
    assignee_id: int | None = None
    details: dict[str, Any] = {}


@register_event
class AgentNotified(Event):
    """A message for one agent: a mention, an SLA reminder, an escalation to them."""

    event_type: ClassVar[str] = "ticket.agent_notice"
    routing_fields: ClassVar[tuple[str, ...]] = ("agent_id",)

    agent_id: int
    ticket_id: int
    reason: str  # mention, sla_reminder, escalation
    text: str
