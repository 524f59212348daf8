"""Queue a delivery row per subscribed endpoint, in the same transaction as the ticket change."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickets.desk.outbox import outbox
from tickets.webhooks.models import WebhookDelivery, WebhookEndpoint


def queue_deliveries(session: Session, event_type: str, payload: dict[str, Any]) -> list[WebhookDelivery]:
    """Rows for every active endpoint that wants ``event_type``; sent after the commit."""
    endpoints = session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))).all()
    rows = [
        WebhookDelivery(endpoint_id=endpoint.id, event_type=event_type, payload=payload)
        for endpoint in endpoints
        if not endpoint.event_types or event_type in endpoint.event_types
    ]
    if rows:
        session.add_all(rows)
        session.flush()
        outbox(session).deliveries.extend(row.id for row in rows)
    return rows
