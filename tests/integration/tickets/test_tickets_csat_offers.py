"""After a call ends, the caller gets a survey link by SMS (or e-mail) through the real loopback servers,
credited to the agent who answered; the link's random token is what answers it."""

from __future__ import annotations

import uuid
from email import message_from_bytes, policy

import phonenumbers
import pytest
from fastapi.testclient import TestClient
from loopback_servers import GATEWAY_SECRET, Gateway, RelayInbox
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.accounts import create_user
from config.models import Role
from config.settings import ChannelSettings
from tickets.channels.email import EmailAdapter
from tickets.channels.providers import HttpMessagingProvider
from tickets.channels.sms import SmsAdapter
from tickets.conversations.models import Message
from tickets.conversations.voice import record_call_answered, record_call_conversation
from tickets.csat.models import CsatSurvey
from tickets.csat.offers import SEND_CSAT_TASK, offer_call_survey, send_survey
from tickets.csat.services import CsatError
from tickets.customers.services import add_identity
from voxdesk.jobs import celery_app  # the worker's app: every feature's tasks registered

pytestmark = pytest.mark.integration
BASE_URL = "https://desk.example"


class Queue:
    """Records what would go to Celery (the enqueue seam); the job itself is run below for real."""

    def __init__(self) -> None:
        self.jobs: list[tuple[str, int, int]] = []

    def __call__(self, task: str, survey_id: int, delay: int) -> None:
        self.jobs.append((task, survey_id, delay))


def caller_number() -> str:
    while True:
        digits = f"718{uuid.uuid4().int % 8_000_000 + 2_000_000}"
        if phonenumbers.is_valid_number(phonenumbers.parse(digits, "US")):
            return f"+1{digits}"


def test_the_send_csat_job_is_registered_under_its_name() -> None:
    celery_app.loader.import_default_modules()
    assert SEND_CSAT_TASK in celery_app.tasks


def test_a_call_that_ends_gets_one_survey_by_sms_with_a_link_that_records_the_score(
    session: Session, client: TestClient, gateway_url: str
) -> None:
    number = caller_number()
    call = record_call_conversation(session, f"call-{uuid.uuid4().hex}", number, "US")
    sip_name = f"ag{uuid.uuid4().hex[:8]}"
    agent = create_user(session, sip_name, "Ada Lovelace", Role.AGENT, "Ada-Vox-7rq-long", "sip-Vox-7rq-long")
    session.commit()
    record_call_answered(session, call.external_ref or "", sip_name, "sales")
    queue = Queue()

    survey = offer_call_survey(session, call.external_ref or "", delay_seconds=30, enqueue=queue)
    again = offer_call_survey(session, call.external_ref or "", enqueue=queue)  # a repeated hang-up
    assert again.id == survey.id and survey.via == "sms" and survey.customer_id == call.customer_id
    assert survey.agent_id == agent.id  # credited to the agent the call's record names
    assert queue.jobs == [(SEND_CSAT_TASK, survey.id, 30)]

    sms = SmsAdapter("US", HttpMessagingProvider(gateway_url, GATEWAY_SECRET), None)
    email = EmailAdapter(ChannelSettings(), "US", None)
    message = send_survey(session, survey.id, BASE_URL, email, sms)
    rerun = send_survey(session, survey.id, BASE_URL, email, sms)  # the job ran twice
    assert rerun.id == message.id and len(Gateway.received) == 1
    [sent] = Gateway.received
    assert sent["to"] == number and f"{BASE_URL}/csat#token=" in sent["body"]
    assert message.delivery == "sent"

    token = sent["body"].rsplit("#token=", 1)[1]
    kept = session.get(Message, message.id)
    assert kept is not None and token not in kept.body  # the thread's copy leaves the token out
    answered = client.post("/api/csat/answers", json={"token": token, "score": 4, "comment": "quick"})
    assert answered.status_code == 200, answered.text
    session.expire_all()
    stored = session.get(CsatSurvey, survey.id)
    assert stored is not None and stored.score == 4 and stored.message_id == message.id


def test_a_caller_known_only_by_email_gets_the_survey_through_the_relay(
    session: Session, relay: tuple[int, RelayInbox]
) -> None:
    port, inbox = relay
    call = record_call_conversation(session, f"call-{uuid.uuid4().hex}", caller_number(), "US")
    address = f"dee.{uuid.uuid4().hex[:8]}@example.com"
    add_identity(session, call.customer_id, "email", address, "US")
    survey = offer_call_survey(session, call.external_ref or "", prefer="email", enqueue=Queue())
    assert survey.via == "email"

    settings = ChannelSettings(relay_host="127.0.0.1", relay_port=port, support_address="help@shop.test")
    email = EmailAdapter(settings, "US", None)
    message = send_survey(session, survey.id, BASE_URL, email, SmsAdapter("US", None, None))
    [envelope] = inbox.envelopes
    mail = message_from_bytes(envelope.original_content or b"", policy=policy.default)
    assert mail["To"] == address and mail["From"] == "help@shop.test"
    assert mail["Subject"] == "How did we do?" and mail["Message-ID"] == message.external_id
    assert f"{BASE_URL}/csat#token=" in mail.get_content()


def test_a_caller_we_cannot_reach_gets_a_clear_error_and_no_survey(session: Session) -> None:
    anonymous = record_call_conversation(session, f"call-{uuid.uuid4().hex}", "anonymous", "US")
    queue = Queue()
    with pytest.raises(CsatError, match="no phone number or e-mail address"):
        offer_call_survey(session, anonymous.external_ref or "", enqueue=queue)
    assert queue.jobs == []
    assert session.scalar(select(CsatSurvey).where(CsatSurvey.conversation_id == anonymous.id)) is None
    with pytest.raises(CsatError, match="no conversation for call"):
        offer_call_survey(session, "no-such-call", enqueue=queue)
