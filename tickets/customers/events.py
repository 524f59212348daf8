"""Live events of customers, routed to ``voxdesk:customer:<id>`` (agents' consoles only)."""

from __future__ import annotations

from typing import ClassVar

from config.events import Event, register_event


@register_event
class MergeSuggested(Event):
    """A visitor claimed an identity of customer ``customer_id``; an agent should confirm or reject."""

    event_type: ClassVar[str] = "customer.merge_suggested"
    routing_fields: ClassVar[tuple[str, ...]] = ("customer_id",)

    suggestion_id: int
    customer_id: int
    visitor_customer_id: int
    identity_kind: str
