"""Live events of tickets: to the ticket's and group's channels, to mentioned agents, SLA notices."""

from __future__ import annotations

from datetime import datetime
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


# Supervisors' consoles subscribe to ``voxdesk:desk:all`` for every SLA notice.
DESK_CHANNEL_KEY = "all"


@register_event
class SlaNotice(Event):
    """An SLA reminder (a target comes due soon) or escalation (a target was breached).

    Routed to the agent it is for (``voxdesk:agent:<user id>``: the assignee, or the group's lead),
    the ticket's group (``voxdesk:group:<id>``) and every supervisor (``voxdesk:desk:all``).
    """

    event_type: ClassVar[str] = "ticket.sla_notice"
    routing_fields: ClassVar[tuple[str, ...]] = ("agent_id", "group_id", "desk_id")

    desk_id: str = DESK_CHANNEL_KEY
    kind: str  # reminder, escalation
    ticket_id: int
    subject: str
    target: str  # first_response, next_response, resolution
    due_at: datetime
    agent_id: int | None = None
    group_id: int | None = None
    priority: str
    escalation_level: int = 0
    text: str
