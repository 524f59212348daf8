"""Celery jobs that deliver outgoing webhooks, retrying with exponential backoff."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache

import httpx
from celery import Task

from config.jobs import celery_app
from config.settings import load_settings
from tickets.sla.tasks import worker_state
from tickets.webhooks.egress import OutboundGuard
from tickets.webhooks.services import deliver, lost_delivery_ids

DELIVER = "voxdesk.webhooks.deliver"
SWEEP = "voxdesk.webhooks.sweep"


@lru_cache(maxsize=1)
def retry_base_seconds() -> float:
    return load_settings().desk.webhook_retry_base_seconds


@lru_cache(maxsize=1)
def outbound_guard() -> OutboundGuard:
    return OutboundGuard.from_setting(load_settings().desk.webhook_allowed_networks)


@celery_app.task(name=DELIVER, bind=True, max_retries=None)
def deliver_job(self: Task, delivery_id: int) -> str:
    """One attempt; a failure re-queues this job after the backoff (services.deliver gives up)."""
    factory, _runtime = worker_state()
    with factory() as session, httpx.Client(follow_redirects=False) as client:
        outcome = deliver(session, delivery_id, client, datetime.now(UTC), retry_base_seconds(),
                          outbound_guard())  # fmt: skip
    if outcome.retry_in is not None:
        raise self.retry(countdown=outcome.retry_in)
    return outcome.state


@celery_app.task(name=SWEEP)
def sweep_job() -> int:
    """Re-queue pending deliveries whose job was lost (broker down when the ticket changed)."""
    factory, _runtime = worker_state()
    with factory() as session:
        ids = lost_delivery_ids(session, datetime.now(UTC) - timedelta(minutes=5))
    for delivery_id in ids:
        deliver_job.delay(delivery_id)
    return len(ids)


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "voxdesk-webhooks-sweep": {"task": SWEEP, "schedule": 300.0},
}
