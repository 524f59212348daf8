"""The Celery worker's app: ``celery -A voxdesk.jobs:celery_app worker``, with every feature's tasks."""

from __future__ import annotations

from typing import Any

from celery.signals import after_setup_logger, after_setup_task_logger

from config.jobs import celery_app
from qa.pci.logs import install_log_redaction
from voxdesk.events import import_event_modules
from voxdesk.modules import TASK_MODULES, import_all, import_models

# Explicit imports rather than Celery's lazy ``include``: a task module that fails to import stops
# the worker at start-up instead of leaving its jobs unconsumed.
import_all(TASK_MODULES)
# Jobs load rows across features (a ticket's customer, conversation, assignee): every table is known.
import_models()
import_event_modules()


@after_setup_logger.connect
@after_setup_task_logger.connect
def _redact_card_data_in_logs(**_: Any) -> None:
    """Celery sets up its own handlers when the worker starts: card data is masked on them too."""
    install_log_redaction()


__all__ = ["celery_app"]
