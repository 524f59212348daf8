"""CSAT surveys for solved tickets: the desk's side of ``tickets.csat.offers.offer_ticket_survey``."""

from __future__ import annotations

import logging

from celery import Celery
from sqlalchemy.orm import Session

from config.errors import VoxdeskError
from tickets.csat.offers import DEFAULT_DELAY_SECONDS, Enqueue, offer_ticket_survey
from tickets.desk.outbox import SurveyRequest

log = logging.getLogger(__name__)


def enqueue_on(app: Celery) -> Enqueue:
    """Send the survey job by name on ``app``'s broker (the web app's, not the module default)."""

    def enqueue(task: str, survey_id: int, delay_seconds: int) -> None:
        app.send_task(task, args=[survey_id], countdown=delay_seconds)

    return enqueue


class CsatSurveys:
    """Offers one survey per solved ticket, by e-mail (else SMS), a minute after the solve."""

    def __init__(self, enqueue: Enqueue, delay_seconds: int = DEFAULT_DELAY_SECONDS) -> None:
        self._enqueue = enqueue
        self._delay = delay_seconds

    def offer(self, session: Session, request: SurveyRequest) -> None:
        try:
            offer_ticket_survey(
                session,
                request.ticket_id,
                request.conversation_id,
                agent_id=request.agent_id,
                delay_seconds=self._delay,
                enqueue=self._enqueue,
            )
        except VoxdeskError:
            raise
        except Exception as exc:  # the broker is down: the survey row is kept, its link not sent yet
            log.warning("CSAT survey job for ticket %s not queued: %s", request.ticket_id, exc)
