"""A customer's message on a conversation linked to open tickets: the desk's side of it.

``tickets.conversations.services.add_message`` calls :func:`customer_wrote` for every inbound
customer message it stores (chat, e-mail, SMS, WeChat; not call transcript segments), so the
next-response clock starts and a pending ticket reopens, whichever channel the answer came on.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.errors import VoxdeskError
from config.events import Notifier
from tickets.desk.models import OPEN_STATUSES, Ticket
from tickets.desk.outbox import DeskRuntime
from tickets.desk.services import Actor, record_customer_message

log = logging.getLogger(__name__)
CUSTOMER_ACTOR = Actor("customer")


@lru_cache(maxsize=1)
def _job_sinks() -> DeskRuntime:
    from config.jobs import celery_app  # late: storing a message must not need the broker to import
    from tickets.desk.surveys import CsatSurveys, enqueue_on
    from tickets.sla.tasks import CeleryDeliveryQueue, CeleryTimerScheduler

    return DeskRuntime(
        timers=CeleryTimerScheduler(celery_app),
        deliveries=CeleryDeliveryQueue(celery_app),
        surveys=CsatSurveys(enqueue_on(celery_app)),
    )


def default_runtime(notifier: Notifier | None) -> DeskRuntime:
    """System clock, live events on ``notifier``, timers and webhooks through the Celery app."""
    sinks = _job_sinks()
    return DeskRuntime(
        events=notifier, timers=sinks.timers, deliveries=sinks.deliveries, surveys=sinks.surveys
    )


def customer_wrote(
    session: Session,
    conversation_id: int,
    runtime: DeskRuntime | None = None,
    notifier: Notifier | None = None,
) -> list[int]:
    """Tell every open ticket of the conversation; returns their ids. Never raises a desk error:
    the message is stored already, and a ticket that cannot take it is logged.

    ``runtime`` defaults to :func:`default_runtime` with ``notifier`` for live events."""
    ticket_ids = session.scalars(
        select(Ticket.id).where(
            Ticket.conversation_id == conversation_id,
            Ticket.status.in_([s.value for s in OPEN_STATUSES]),
        )
    ).all()
    if ticket_ids and runtime is None:
        runtime = default_runtime(notifier)
    for ticket_id in ticket_ids:
        assert runtime is not None
        try:
            record_customer_message(session, runtime, ticket_id, CUSTOMER_ACTOR)
        except VoxdeskError as exc:
            session.rollback()
            log.warning("ticket %s did not take the customer's message: %s", ticket_id, exc)
    return list(ticket_ids)
