"""Celery job ``voxdesk.tickets.send_csat``: send a survey's link by SMS or e-mail.

A relay or gateway outage is retried with back-off; the attempt stays in the conversation as a
reply marked not sent, so nothing is lost while it waits.
"""

from __future__ import annotations

from celery import Task

from config.db import make_engine, make_session_factory
from config.jobs import celery_app
from config.settings import load_settings
from tickets.channels.email import EmailAdapter
from tickets.channels.exceptions import DeliveryError
from tickets.channels.registry import build_adapters
from tickets.channels.sms import SmsAdapter
from tickets.conversations.models import Channel
from tickets.csat.offers import SEND_CSAT_TASK, send_survey


@celery_app.task(name=SEND_CSAT_TASK, bind=True, max_retries=5)
def send_csat(self: Task, survey_id: int) -> int:
    """Returns the id of the message that carried the link."""
    settings = load_settings()
    adapters = build_adapters(settings, None)
    email, sms = adapters[Channel.EMAIL], adapters[Channel.SMS]
    assert isinstance(email, EmailAdapter) and isinstance(sms, SmsAdapter)
    engine = make_engine(settings.effective_database_url)
    try:
        with make_session_factory(engine)() as session:
            message = send_survey(session, survey_id, settings.channels.public_base_url, email, sms)
            return message.id
    except DeliveryError as exc:
        raise self.retry(exc=exc, countdown=60 * 2**self.request.retries) from exc
    finally:
        engine.dispose()
