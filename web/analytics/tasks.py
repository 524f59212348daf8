"""The Celery jobs of analytics: keeping the rollups fresh (PostgreSQL materialized views), and the
daily report mailed at 06:00 UTC to ``analytics.daily_report_to`` (:mod:`web.analytics.daily_report`).

Celery beat runs the refresh every :data:`REFRESH_EVERY_S` seconds, and a worker that starts runs it once,
so a new deployment reads views within a minute. The figures therefore trail the records by at most
that long (the wallboard shows today's live figures). On SQLite it does nothing: figures are
computed from the records on each request.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from celery.schedules import crontab
from celery.signals import worker_ready
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from config.db import make_engine
from config.jobs import celery_app
from config.settings import load_settings
from web.analytics.daily_report import send_daily_report
from web.analytics.rollups import refresh_views

log = logging.getLogger(__name__)

REFRESH_TASK = "voxdesk.analytics.refresh"
DAILY_REPORT_TASK = "voxdesk.analytics.daily_report"
REFRESH_EVERY_S = 300.0


@lru_cache(maxsize=2)
def _engine(database_url: str) -> Engine:
    return make_engine(database_url, pool_size=1)


@celery_app.task(name=REFRESH_TASK)
def refresh_rollups() -> list[str]:
    """Create or refresh every analytics view; returns the views done (none on SQLite)."""
    engine = _engine(load_settings().effective_database_url)
    with engine.begin() as connection:
        done = refresh_views(connection)
    log.info("analytics rollups refreshed: %s", ", ".join(done) or "none (not PostgreSQL)")
    return done


@celery_app.task(name=DAILY_REPORT_TASK)
def daily_report(day: str | None = None) -> bool:
    """Mail ``day``'s (ISO date; default yesterday, UTC) analytics to ``analytics.daily_report_to``."""
    settings = load_settings()
    wanted = date.fromisoformat(day) if day else datetime.now(UTC).date() - timedelta(days=1)
    with Session(_engine(settings.effective_database_url)) as session:
        sent = send_daily_report(session, settings, wanted)
    log.info("daily analytics report for %s: %s", wanted, "sent" if sent else "no recipients")
    return sent


@worker_ready.connect
def _refresh_after_start(**_: Any) -> None:
    try:
        refresh_rollups.delay()
    except Exception as exc:  # the beat schedule tries again within REFRESH_EVERY_S
        log.warning("could not queue the analytics refresh: %s", exc)


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "voxdesk-analytics-refresh": {"task": REFRESH_TASK, "schedule": REFRESH_EVERY_S},
    "voxdesk-analytics-daily-report": {"task": DAILY_REPORT_TASK, "schedule": crontab(minute=0, hour=6)},
}
