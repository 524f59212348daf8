"""Celery job ``voxdesk.tickets.notify_progress``: tell a customer their ticket moved.

A relay or gateway outage is retried with back-off; a customer with no way to reach them (no text
conversation, phone number or e-mail address; a channel not set up) is logged and left alone.
"""

from __future__ import annotations

import logging

from celery import Task

from config.db import make_engine, make_session_factory
from config.errors import VoxdeskError
from config.events import Notifier
from config.jobs import celery_app
from config.secrets_store import web_secret
from config.settings import load_settings
from tickets.channels.exceptions import DeliveryError
from tickets.channels.registry import build_adapters
from tickets.desk.outbox import TicketMove
from tickets.progress.notices import NOTIFY_PROGRESS_TASK, send_progress_notice

log = logging.getLogger(__name__)


@celery_app.task(name=NOTIFY_PROGRESS_TASK, bind=True, max_retries=5)
def notify_progress(self: Task, ticket_id: int, kind: str, history_id: int) -> int | None:
    """Returns the id of the message that told the customer (None: already told, or no way to)."""
    settings = load_settings()
    redis_url = settings.redis.url or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"
    # A web chat visitor sees the message live: it is announced like an agent's reply.
    adapters = build_adapters(settings, Notifier.from_url(redis_url))
    engine = make_engine(settings.effective_database_url)
    move = TicketMove(ticket_id, kind, history_id)
    try:
        with make_session_factory(engine)() as session:
            message = send_progress_notice(
                session,
                move,
                secret=web_secret(settings),
                base_url=settings.channels.public_base_url,
                adapters=adapters,
            )
            return message.id if message is not None else None
    except DeliveryError as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    except VoxdeskError as exc:  # DeliveryError is one too, caught above
        log.warning("ticket %s: the customer was not told of %s: %s", ticket_id, kind, exc)
        return None
    finally:
        engine.dispose()
