"""Object-level access: who may read and change which ticket, conversation and customer.

(The full rule and the table of every operation are written below, once the routes use it.)
"""

from __future__ import annotations

from tickets.access.filters import visible_conversations, visible_customers, visible_tickets
from tickets.access.guards import (
    call_link_for,
    check_new_ticket_links,
    conversation_for,
    customer_for,
    customer_visible,
    take_conversation,
    ticket_for,
    ticket_for_update,
)
from tickets.access.rules import AccessDeniedError, escalation_refusal, require_write, sees_ticket_notice
from tickets.access.scope import Scope, load_scope
from tickets.access.views import (
    call_summary_for,
    call_visible,
    customer_view_for,
    visible_customer,
    visible_order,
)

__all__ = [
    "AccessDeniedError",
    "Scope",
    "call_link_for",
    "call_summary_for",
    "call_visible",
    "check_new_ticket_links",
    "conversation_for",
    "customer_for",
    "customer_view_for",
    "customer_visible",
    "escalation_refusal",
    "load_scope",
    "require_write",
    "sees_ticket_notice",
    "take_conversation",
    "ticket_for",
    "ticket_for_update",
    "visible_conversations",
    "visible_customer",
    "visible_customers",
    "visible_order",
    "visible_tickets",
]
