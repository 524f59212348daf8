"""Webhook endpoints and the delivery of one queued event with a signed POST."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import httpx
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from config.errors import OutboundAddressRefusedError
from tickets.desk.exceptions import InvalidInputError, NotFoundError
from tickets.webhooks.egress import OutboundGuard
from tickets.webhooks.models import DeliveryState, WebhookDelivery, WebhookEndpoint
from tickets.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

MAX_ATTEMPTS = 6
TIMEOUT_SECONDS = 10.0


def backoff_seconds(attempt: int, base: float = 10.0) -> float:
    """Wait before retry ``attempt`` (1-based): base, 3x base, 9x base... capped at an hour."""
    return float(min(base * 3 ** (attempt - 1), 3600))


def create_endpoint(
    session: Session, url: str, event_types: list[str], guard: OutboundGuard
) -> tuple[WebhookEndpoint, str]:
    """Register a receiver; the signing secret is returned here and never shown again.

    Raises:
        InvalidInputError: the URL reaches an address webhooks may not (checked again at delivery).
    """
    try:
        guard.check(url)
    except OutboundAddressRefusedError as exc:
        raise InvalidInputError(str(exc)) from None
    secret = secrets.token_urlsafe(32)
    endpoint = WebhookEndpoint(url=url, secret=secret, event_types=sorted(set(event_types)))
    session.add(endpoint)
    session.commit()
    return endpoint, secret


def list_endpoints(session: Session) -> Sequence[WebhookEndpoint]:
    return session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()


def deactivate_endpoint(session: Session, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None:
        raise NotFoundError(f"webhook endpoint {endpoint_id} does not exist")
    endpoint.active = False
    session.commit()
    return endpoint


def list_deliveries(session: Session, endpoint_id: int, limit: int = 100) -> Sequence[WebhookDelivery]:
    return session.scalars(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint_id)
        .order_by(WebhookDelivery.id.desc())
        .limit(limit)
    ).all()


@dataclass(frozen=True)
class DeliveryOutcome:
    state: str
    retry_in: float | None = None  # seconds until the next attempt, when one is due


def deliver(
    session: Session, delivery_id: int, client: httpx.Client, now: datetime, backoff_base: float = 10.0,
    guard: OutboundGuard | None = None,
) -> DeliveryOutcome:
    """POST one delivery, signed; a 2xx ends it, anything else schedules a retry (then gives up).

    The URL's host is resolved and checked by ``guard`` (public addresses only, unless allow-listed)
    and the POST goes to the checked address; a refused address fails the delivery at once, and the
    log says only "refused" (no address, no port: it must not map the internal network).
    """
    guard = guard or OutboundGuard()
    delivery = session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None or delivery.state != DeliveryState.PENDING:
        session.rollback()
        return DeliveryOutcome(delivery.state if delivery else "missing")
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    if endpoint is None or not endpoint.active:
        delivery.state, delivery.last_error = DeliveryState.FAILED.value, "endpoint deactivated"
        session.commit()
        return DeliveryOutcome(delivery.state)
    body = json.dumps(
        {"id": delivery.id, "type": delivery.event_type, "data": delivery.payload}, separators=(",", ":")
    ).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(endpoint.secret, timestamp, body),
        "X-Voxdesk-Event": delivery.event_type,
        "X-Voxdesk-Delivery": str(delivery.id),  # receivers de-duplicate retries by this id
    }
    delivery.attempts += 1
    try:
        target = guard.pin(endpoint.url)
    except OutboundAddressRefusedError as exc:
        delivery.state, delivery.last_status = DeliveryState.FAILED.value, None
        delivery.last_error, delivery.next_attempt_at = str(exc)[:500], None
        session.commit()
        return DeliveryOutcome(delivery.state)
    try:
        response = client.post(target.url, content=body, headers={**headers, **target.headers},
                               extensions=target.extensions, timeout=TIMEOUT_SECONDS)  # fmt: skip
        delivery.last_status, ok = response.status_code, 200 <= response.status_code < 300
        delivery.last_error = "" if ok else f"HTTP {response.status_code}"
    except httpx.HTTPError as exc:
        # The class only (ConnectError, ReadTimeout): the message would quote addresses and ports.
        ok, delivery.last_error = False, type(exc).__name__
    delivery.next_attempt_at = None
    if ok:
        delivery.state, delivery.delivered_at = DeliveryState.DELIVERED.value, now
        session.commit()
        return DeliveryOutcome(delivery.state)
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.state = DeliveryState.FAILED.value
        session.commit()
        return DeliveryOutcome(delivery.state)
    retry_in = backoff_seconds(delivery.attempts, backoff_base)
    delivery.next_attempt_at = now + timedelta(seconds=retry_in)
    session.commit()
    return DeliveryOutcome(delivery.state, retry_in=retry_in)


def lost_delivery_ids(session: Session, older_than: datetime, limit: int = 500) -> list[int]:
    """Pending deliveries whose job was lost: never tried since before ``older_than`` (broker down),
    or a retry due before ``older_than`` that never ran (its worker was killed while holding it)."""
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(
                WebhookDelivery.state == DeliveryState.PENDING.value,
                or_(
                    and_(WebhookDelivery.attempts == 0, WebhookDelivery.created_at < older_than),
                    WebhookDelivery.next_attempt_at < older_than,
                ),
            )
            .order_by(WebhookDelivery.id)
            .limit(limit)
        )
    )
