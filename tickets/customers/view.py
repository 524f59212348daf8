"""The customer view: conversations, calls, tickets, orders and devices in one answer."""

from __future__ import annotations

from typing import Any

from sqlalchemy import MetaData, Table, inspect, select
from sqlalchemy.orm import Session

from tickets.connectors.lookup import TableOrderLookup
from tickets.conversations.call_tickets import call_summary
from tickets.conversations.models import Channel
from tickets.conversations.services import list_conversations
from tickets.customers.models import IdentityKind
from tickets.customers.schemas import (
    ConversationSummary,
    CustomerPublic,
    CustomerView,
    IdentityPublic,
    MergePublic,
    MergeSuggestionPublic,
)
from tickets.customers.services import get_customer, list_identities, list_merges
from tickets.customers.suggestions import list_suggestions

TICKET_SUMMARY_COLUMNS = ("id", "subject", "title", "status", "priority", "created_at", "updated_at")


def ticket_summaries(session: Session, customer_id: int, limit: int = 100) -> list[dict[str, Any]]:
    """The customer's tickets, read from the tickets feature's table when it exists.

    Tickets belong to another feature; reading a few summary columns by reflection keeps this view
    free of an import cycle and still works before that feature's migration has run.
    """
    bind = session.connection()
    if not inspect(bind).has_table("tickets"):
        return []
    tickets = Table("tickets", MetaData(), autoload_with=bind)
    if "customer_id" not in tickets.c:
        return []
    columns = [tickets.c[name] for name in TICKET_SUMMARY_COLUMNS if name in tickets.c]
    rows = session.execute(
        select(*columns)
        .where(tickets.c.customer_id == customer_id)
        .order_by(tickets.c.id.desc())
        .limit(limit)
    )
    return [{k: (v.value if hasattr(v, "value") else v) for k, v in row._mapping.items()} for row in rows]


def customer_view(session: Session, customer_id: int) -> CustomerView:
    customer = get_customer(session, customer_id)
    identities = list_identities(session, customer.id)
    threads = list_conversations(session, customer.id)
    conversations = [ConversationSummary.model_validate(c) for c in threads]
    return CustomerView(
        customer=CustomerPublic.model_validate(customer),
        identities=[IdentityPublic.model_validate(i) for i in identities],
        conversations=[c for c in conversations if c.channel != Channel.VOICE.value],
        calls=[call_summary(session, c) for c in threads if c.channel == Channel.VOICE.value],
        devices=[i.value for i in identities if i.kind == IdentityKind.DEVICE_SERIAL.value],
        orders=TableOrderLookup(session).orders_for_customer(customer.id),
        tickets=ticket_summaries(session, customer.id),
        merges=[MergePublic.model_validate(m) for m in list_merges(session, customer.id)],
        merge_suggestions=[
            MergeSuggestionPublic.model_validate(s)
            for s in list_suggestions(session, customer_id=customer.id)
        ],
    )
