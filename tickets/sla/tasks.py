"""Celery jobs of the SLA: fire one timer at its moment, and re-arm timers on start and periodically.

Jobs carry only the timer id; the row decides what happens, so a job delivered twice, early or to
a worker that replaced a killed one is harmless.
"""

from __future__ import annotations

import logging
from datetime import datetime
from functools import lru_cache
from typing import Any

from celery import Celery
from celery.signals import worker_ready
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.events import Notifier
from config.jobs import celery_app
from config.settings import load_settings
from tickets.channels.notices import notice_mailer
from tickets.desk.outbox import DeskRuntime
from tickets.desk.surveys import CsatSurveys, enqueue_on
from tickets.progress.notices import ProgressNotices
from tickets.sla.clock import SystemClock
from tickets.sla.services import fire_timer, rearm_timers

log = logging.getLogger(__name__)
FIRE_TIMER = "voxdesk.sla.fire_timer"
REARM = "voxdesk.sla.rearm"


class CeleryTimerScheduler:
    """Queues a :data:`FIRE_TIMER` job for ``eta`` (the web app and workers use this)."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def schedule(self, timer_id: int, eta: datetime) -> None:
        try:
            self._app.send_task(FIRE_TIMER, args=[timer_id], eta=eta)
        except Exception as exc:  # broker down: the periodic re-arm fires the timer once it is back
            log.warning("SLA timer %s not queued: %s", timer_id, exc)


class CeleryDeliveryQueue:
    """Queues webhook deliveries (see tickets.webhooks.tasks)."""

    def __init__(self, app: Celery) -> None:
        self._app = app

    def enqueue(self, delivery_id: int) -> None:
        try:
            self._app.send_task("voxdesk.webhooks.deliver", args=[delivery_id])
        except Exception as exc:  # the periodic sweep sends pending deliveries later
            log.warning("webhook delivery %s not queued: %s", delivery_id, exc)


@lru_cache(maxsize=1)
def worker_state() -> tuple[sessionmaker[Session], DeskRuntime]:
    settings = load_settings()
    redis_url = settings.redis.url or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"
    factory = make_session_factory(make_engine(settings.effective_database_url))
    runtime = DeskRuntime(
        clock=SystemClock(),
        events=Notifier.from_url(redis_url),
        timers=CeleryTimerScheduler(celery_app),
        deliveries=CeleryDeliveryQueue(celery_app),
        surveys=CsatSurveys(enqueue_on(celery_app)),
        progress=ProgressNotices(celery_app),
        mailer=notice_mailer(settings),
    )
    return factory, runtime


@celery_app.task(name=FIRE_TIMER)
def fire_timer_job(timer_id: int) -> str:
    factory, runtime = worker_state()
    with factory() as session:
        outcome = fire_timer(session, timer_id, runtime)
    log.info("SLA timer %s: %s", timer_id, outcome)
    return outcome


@celery_app.task(name=REARM)
def rearm_job(force: bool = False) -> int:
    factory, runtime = worker_state()
    with factory() as session:
        return rearm_timers(session, runtime, force=force)


@worker_ready.connect
def _rearm_after_start(**_: Any) -> None:
    """A worker that replaces a killed one re-queues the wake-ups the dead one held in memory."""
    try:
        rearm_job.delay(force=True)
    except Exception as exc:
        log.warning("could not queue the SLA re-arm: %s", exc)


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "voxdesk-sla-rearm": {"task": REARM, "schedule": 300.0},
}
