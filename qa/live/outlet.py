"""Where a live call's QA results go: the call's channel at once, stored alerts through Celery."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from config.errors import EventBusError
from config.events import Event, Notifier
from qa.compliance.model import Finding
from qa.live.session import finding_dict

log = logging.getLogger(__name__)

STORE_FINDINGS_TASK = "qa.store_findings"


class BusOutlet:
    """Publishes on ``voxdesk:call:<id>`` (live consoles, replay on reconnect) and enqueues the
    ``qa.store_findings`` job by name (the media worker never writes the database itself)."""

    def __init__(self, notifier: Notifier, celery: Any) -> None:
        self._notifier, self._celery = notifier, celery
        self.publish_failures = 0
        self.enqueued = 0

    def publish(self, event: Event) -> None:
        try:
            self._notifier.publish(event)
        except EventBusError:
            self.publish_failures += 1
            log.warning("could not publish %s for call %s", event.event_type, getattr(event, "call_id", "?"))

    def store(self, findings: Sequence[Finding], *, call_id: str, agent: str | None) -> None:
        # Positional JSON args: (findings, call_id, conversation_id, channel, agent).
        rows = [finding_dict(f) for f in findings]
        self._celery.send_task(STORE_FINDINGS_TASK, args=[rows, call_id, None, "voice", agent])
        self.enqueued += len(rows)
