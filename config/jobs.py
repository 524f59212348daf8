"""The Celery app: background jobs on the same Redis as the event bus.

Jobs are named by string (``voxdesk.<package>.<job>``) so callers never import worker code. The
live audio path never waits on a job: jobs persist, link, remind and summarise.
"""

from __future__ import annotations

import os

from celery import Celery

# Modules whose tasks the worker registers; packages add theirs here.
TASK_MODULES: list[str] = [
    "config.tasks",
    "asr.transcripts.tasks",
    "tickets.sla.tasks",
    "tickets.webhooks.tasks",
    "tickets.csat.tasks",
    "tickets.conversations.call_tasks",
    "telephony.recording.tasks",
]


def create_celery(broker_url: str | None = None) -> Celery:
    """A Celery app on ``broker_url`` (default: VOXDESK_REDIS__URL, as set by ``voxdesk up``)."""
    url = broker_url or os.environ.get("VOXDESK_REDIS__URL") or "redis://127.0.0.1:6379/0"
    app = Celery("voxdesk", broker=url, backend=url, include=TASK_MODULES)
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        timezone="UTC",
        enable_utc=True,
        # Acknowledge after the job ran, so a worker killed mid-job leaves it for the next one.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        result_expires=3600,
        # ETA jobs (SLA timers) must outlive a worker restart: redelivery after this visibility window.
        broker_transport_options={"visibility_timeout": 3600},
    )
    return app


celery_app = create_celery()
