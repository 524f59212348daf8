"""Composite answers under the access rule: the customer view and look-ups show only what the user
may see of a customer (a customer shared with another group shows that group's threads to no one
else)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from tickets.access.filters import visible_conversations, visible_tickets
from tickets.access.guards import conversation_for, customer_for, customer_visible
from tickets.access.scope import Scope
from tickets.connectors.lookup import OrderInfo
from tickets.conversations.call_links import CallLink
from tickets.conversations.call_schemas import CallSummary
from tickets.conversations.call_tickets import call_summary
from tickets.conversations.models import Conversation
from tickets.customers.models import Customer
from tickets.customers.schemas import CustomerView
from tickets.customers.view import customer_view
from tickets.desk.models import Ticket


def _visible_ids(
    session: Session,
    column: InstrumentedAttribute[int],
    ids: Iterable[int],
    condition: ColumnElement[bool] | None,
) -> set[int]:
    wanted = sorted(set(ids))
    if condition is None or not wanted:
        return set(wanted)
    return set(session.scalars(select(column).where(column.in_(wanted), condition)))


def customer_view_for(session: Session, scope: Scope, customer_id: int) -> CustomerView:
    """Everything about the customer that the user may see (404 if they may see nothing of them)."""
    customer_for(session, scope, customer_id)
    view = customer_view(session, customer_id)
    if scope.sees_all:
        return view
    threads = _visible_ids(
        session,
        Conversation.id,
        [c.id for c in view.conversations] + [c.id for c in view.calls],
        visible_conversations(scope),
    )
    call_tickets = [t for c in view.calls for t in c.ticket_ids]
    tickets = _visible_ids(
        session, Ticket.id, [int(t["id"]) for t in view.tickets] + call_tickets, visible_tickets(scope)
    )
    calls = [
        c.model_copy(update={"ticket_ids": [t for t in c.ticket_ids if t in tickets]})
        for c in view.calls
        if c.id in threads
    ]
    return view.model_copy(
        update={
            "conversations": [c for c in view.conversations if c.id in threads],
            "calls": calls,
            "tickets": [t for t in view.tickets if int(t["id"]) in tickets],
        }
    )


def visible_customer(session: Session, scope: Scope, customer: Customer | None) -> Customer | None:
    """A looked-up customer, or None when the user may not see them (the look-up says "not found")."""
    if customer is None or not customer_visible(session, scope, customer.id):
        return None
    return customer


def visible_order(session: Session, scope: Scope, order: OrderInfo | None) -> OrderInfo | None:
    """A looked-up order, or None when it is a customer's the user may not see (an order linked to
    no customer is found by its number alone)."""
    if order is None or order.customer_id is None or customer_visible(session, scope, order.customer_id):
        return order
    return None


def call_visible(session: Session, scope: Scope, call_id: str) -> bool:
    """Whether the conversation of call ``call_id`` is one the user may see (False without one)."""
    condition = visible_conversations(scope)
    of_call = select(CallLink.conversation_id).where(CallLink.call_id == call_id)
    query = select(Conversation.id).where(Conversation.id.in_(of_call))
    if condition is not None:
        query = query.where(condition)
    return session.scalar(query) is not None


def call_summary_for(session: Session, scope: Scope, conversation_id: int) -> CallSummary:
    """A call's conversation (404 unless visible) naming only the tickets the user may see."""
    summary = call_summary(session, conversation_for(session, scope, conversation_id))
    tickets = _visible_ids(session, Ticket.id, summary.ticket_ids, visible_tickets(scope))
    return summary.model_copy(update={"ticket_ids": [t for t in summary.ticket_ids if t in tickets]})
