"""Celery beat job: purge call recordings past their retention, once an hour."""

from __future__ import annotations

import logging

from config.db import make_engine, make_session_factory
from config.jobs import celery_app
from config.settings import load_settings
from telephony.recording.files import recordings_dir
from telephony.recording.retention import purge_recordings

log = logging.getLogger(__name__)

PURGE = "voxdesk.telephony.purge_recordings"


@celery_app.task(name=PURGE)
def purge_recordings_job() -> int:
    """Delete expired recordings of Voxdesk's Asterisk; returns how many went."""
    settings = load_settings()
    directory = recordings_dir(settings)
    if directory is None:
        log.info("external Asterisk: its recordings are purged on the PBX, not here")
        return 0
    engine = make_engine(settings.effective_database_url)
    try:
        report = purge_recordings(
            directory, settings.telephony.recording.retention_days, make_session_factory(engine)
        )
    finally:
        engine.dispose()
    if report.deleted:
        log.info("purged %d expired recordings", len(report.deleted))
    return len(report.deleted)


celery_app.conf.beat_schedule = {
    **(celery_app.conf.beat_schedule or {}),
    "voxdesk-telephony-purge-recordings": {"task": PURGE, "schedule": 3600.0},
}
