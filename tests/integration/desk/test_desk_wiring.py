"""Desk wiring on real PostgreSQL and Redis: customer messages reach tickets, SLA pauses while pending,
solving offers a CSAT survey, and a signed alert cannot be replayed."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.jobs import create_celery
from config.models import Role
from desk.desk_helpers import ALERT_SECRET, Api, RecordingScheduler, SmsGateway, make_user
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction
from tickets.conversations.services import add_message, open_conversation
from tickets.csat.models import CsatSurvey
from tickets.csat.offers import SEND_CSAT_TASK
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_or_create_customer
from tickets.desk import services
from tickets.desk.inbound import customer_wrote
from tickets.desk.models import Ticket, TicketNote
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import NoteCreate, TicketCreate, TicketUpdate
from tickets.desk.services import Actor
from tickets.desk.surveys import CsatSurveys, enqueue_on
from tickets.sla import policies
from tickets.sla.clock import SettableClock
from tickets.sla.models import SlaPolicy, SlaTimer
from tickets.sla.schemas import PolicyCreate
from tickets.sla.services import fire_timer
from tickets.webhooks.signing import sign

pytestmark = pytest.mark.integration


@pytest.fixture
def low_policy(session: Session) -> Iterator[SlaPolicy]:
    """Low priority on SMS: first response 30 min, next response 20 min, resolution 60 min (remind 10
    min before each)."""
    policy = policies.create_policy(
        session,
        PolicyCreate(
            name=f"low-sms-{uuid.uuid4().hex[:6]}",
            priority="low",
            channel="sms",
            first_response_minutes=30,
            next_response_minutes=20,
            resolution_minutes=60,
            remind_before_minutes=10,
        ),
    )
    yield policy
    policy.active = False  # policies are global: leave none behind for other tests
    session.commit()


def sms_thread(session: Session, kind: IdentityKind = IdentityKind.PHONE) -> Conversation:
    value = f"+1202555{uuid.uuid4().int % 10_000:04d}" if kind is IdentityKind.PHONE else uuid.uuid4().hex
    customer = find_or_create_customer(session, kind, value, "US")
    return open_conversation(session, customer.id, Channel.SMS, external_ref=f"thread-{uuid.uuid4().hex}")


def sms_ticket(session: Session, runtime: DeskRuntime, conversation: Conversation) -> Ticket:
    data = TicketCreate(
        subject="Parcel never arrived",
        priority="low",
        channel="sms",
        customer_id=conversation.customer_id,
        conversation_id=conversation.id,
    )
    return services.create_ticket(session, runtime, data, Actor("bot"))


def timers(session: Session, ticket_id: int, target: str) -> list[SlaTimer]:
    session.expire_all()
    return list(
        session.scalars(
            select(SlaTimer)
            .where(SlaTimer.ticket_id == ticket_id, SlaTimer.target == target)
            .order_by(SlaTimer.id)
        )
    )


def test_a_customer_message_on_the_tickets_conversation_starts_the_next_response_clock(
    session: Session,
    desk_factory: sessionmaker[Session],
    runtime: DeskRuntime,
    clock: SettableClock,
    low_policy: SlaPolicy,
) -> None:
    agent = make_user(desk_factory, Role.AGENT)
    conversation = sms_thread(session)
    ticket = sms_ticket(session, runtime, conversation)
    reply = NoteCreate(body="We are checking with the courier.", internal=False)
    gateway = SmsGateway()
    services.add_note(
        session, runtime, ticket.id, reply, Actor(agent.username, agent.id), replies=gateway.replies()
    )
    assert timers(session, ticket.id, "next_response") == []
    assert [sms["body"] for sms in gateway.sent] == ["We are checking with the courier."]

    clock.advance(minutes=10)
    customer_wrote(
        session,
        add_message(session, conversation, Direction.INBOUND, AuthorKind.CUSTOMER, "Any news?"),
        runtime,
    )
    [running] = timers(session, ticket.id, "next_response")
    assert running.state == "running" and running.started_at == clock.now()
    assert running.due_at == clock.now() + timedelta(minutes=20)
    assert isinstance(runtime.timers, RecordingScheduler)
    assert (running.id, clock.now() + timedelta(minutes=10)) in runtime.timers.scheduled  # its reminder

    # The agent's own outbound line and a second customer line start nothing more.
    add_message(session, conversation, Direction.OUTBOUND, AuthorKind.AGENT, "Soon")
    customer_wrote(
        session, add_message(session, conversation, Direction.INBOUND, AuthorKind.CUSTOMER, "Hello?"), runtime
    )
    assert len(timers(session, ticket.id, "next_response")) == 1

    services.add_note(
        session, runtime, ticket.id, reply, Actor(agent.username, agent.id), replies=gateway.replies()
    )
    assert timers(session, ticket.id, "next_response")[0].state == "met"


def test_sla_pauses_while_pending_and_resumes_with_the_time_left_when_the_customer_answers(
    session: Session, runtime: DeskRuntime, clock: SettableClock, low_policy: SlaPolicy
) -> None:
    conversation = sms_thread(session)
    start = clock.now()
    ticket = sms_ticket(session, runtime, conversation)
    clock.advance(minutes=30)  # 30 of the 60 resolution minutes used
    services.update_ticket(session, runtime, ticket.id, TicketUpdate(status="pending"), Actor("agent"))
    [resolution] = timers(session, ticket.id, "resolution")
    assert resolution.state == "paused" and resolution.paused_at == clock.now()

    clock.set(start + timedelta(hours=3))  # long past the original deadline: nothing fires while paused
    assert fire_timer(session, resolution.id, runtime) == "ignored"
    session.refresh(ticket)
    assert ticket.priority == "low" and ticket.escalation_level == 0

    clock.set(start + timedelta(hours=4))
    customer_wrote(
        session,
        add_message(session, conversation, Direction.INBOUND, AuthorKind.CUSTOMER, "Still nothing"),
        runtime,
    )
    session.refresh(ticket)
    assert ticket.status == "open"
    [resolution] = timers(session, ticket.id, "resolution")
    resumed = clock.now()
    assert resolution.state == "running" and resolution.paused_at is None
    assert resolution.due_at == resumed + timedelta(minutes=30)  # the 30 minutes that were left
    assert resolution.remind_at == resumed + timedelta(minutes=20)
    assert isinstance(runtime.timers, RecordingScheduler)
    assert (resolution.id, resumed + timedelta(minutes=20)) in runtime.timers.scheduled

    clock.set(resumed + timedelta(minutes=29))
    assert fire_timer(session, resolution.id, runtime) == "reminded"
    clock.set(resumed + timedelta(minutes=30))
    assert fire_timer(session, resolution.id, runtime) == "breached"


def test_a_pending_ticket_solved_ends_its_paused_clocks_as_met(
    session: Session, runtime: DeskRuntime, clock: SettableClock, low_policy: SlaPolicy
) -> None:
    ticket = sms_ticket(session, runtime, sms_thread(session))
    services.update_ticket(session, runtime, ticket.id, TicketUpdate(status="pending"), Actor("agent"))
    clock.advance(hours=5)
    services.update_ticket(session, runtime, ticket.id, TicketUpdate(status="solved"), Actor("agent"))
    [resolution] = timers(session, ticket.id, "resolution")
    assert resolution.state == "met" and resolution.stopped_at == clock.now()


@pytest.fixture
def survey_runtime(runtime: DeskRuntime, broker: str) -> DeskRuntime:
    """Surveys queue their send job on the desk tests' own Redis database (a real Celery publish)."""
    runtime.surveys = CsatSurveys(enqueue_on(create_celery(broker)), delay_seconds=60)
    return runtime


def queued_survey_jobs(broker: str) -> list[int]:
    """Survey ids of the send jobs waiting in the broker's default queue."""
    client = redis.Redis.from_url(broker)
    ids = []
    for raw in client.lrange("celery", 0, -1):
        message = json.loads(raw)
        if message["headers"]["task"] == SEND_CSAT_TASK:
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            ids.append(int(args[0]))
    return ids


def test_solving_a_ticket_offers_its_customer_one_survey(
    session: Session, desk_factory: sessionmaker[Session], survey_runtime: DeskRuntime, broker: str
) -> None:
    agent = make_user(desk_factory, Role.AGENT)
    conversation = sms_thread(session)
    ticket = sms_ticket(session, survey_runtime, conversation)
    assign = TicketUpdate(assignee_id=agent.id)
    services.update_ticket(session, survey_runtime, ticket.id, assign, Actor(agent.username, agent.id))
    solve = TicketUpdate(status="solved")
    services.update_ticket(session, survey_runtime, ticket.id, solve, Actor(agent.username, agent.id))

    [survey] = session.scalars(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket.id)).all()
    assert survey.conversation_id == conversation.id and survey.agent_id == agent.id
    assert survey.via == "sms"  # the customer has a phone number and no e-mail address
    assert queued_survey_jobs(broker) == [survey.id]

    # Reopened and solved again: still one survey, one job.
    reopen = TicketUpdate(status="open")
    services.update_ticket(session, survey_runtime, ticket.id, reopen, Actor(agent.username, agent.id))
    services.update_ticket(session, survey_runtime, ticket.id, solve, Actor(agent.username, agent.id))
    assert len(session.scalars(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket.id)).all()) == 1
    assert queued_survey_jobs(broker) == [survey.id]


def test_a_ticket_whose_customer_has_no_address_is_solved_without_a_survey(
    session: Session, survey_runtime: DeskRuntime, broker: str
) -> None:
    ticket = sms_ticket(session, survey_runtime, sms_thread(session, IdentityKind.WEBCHAT))
    solve = TicketUpdate(status="solved")
    solved = services.update_ticket(session, survey_runtime, ticket.id, solve, Actor("agent"))
    assert solved.status == "solved"
    assert session.scalars(select(CsatSurvey).where(CsatSurvey.ticket_id == ticket.id)).all() == []
    assert queued_survey_jobs(broker) == []


def post_alert(api: Api, body: bytes, timestamp: int):  # type: ignore[no-untyped-def]
    headers = {
        "Content-Type": "application/json",
        "X-Voxdesk-Timestamp": str(timestamp),
        "X-Voxdesk-Signature": sign(ALERT_SECRET, timestamp, body),
    }
    return api.client.post("/api/alerts/device", content=body, headers=headers)


def test_the_same_signed_alert_sent_again_inside_the_window_is_refused_and_adds_nothing(api: Api) -> None:
    serial = f"SN-{uuid.uuid4().hex[:10].upper()}"
    body = json.dumps({"device_serial": serial, "alert_code": "OIL_LOW", "severity": "major"}).encode()
    now = int(time.time())
    first = post_alert(api, body, now)
    assert first.status_code == 201, first.text
    replayed = post_alert(api, body, now)
    assert replayed.status_code == 409 and "replay" in replayed.json()["detail"]
    with api.factory() as session:
        ticket_id = first.json()["ticket_id"]
        assert session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket_id)).all() == []

    # The device's next report is a new signed request: it becomes a note on the open ticket.
    again = post_alert(api, body, now + 1)
    assert again.status_code == 200 and again.json()["ticket_id"] == ticket_id
    with api.factory() as session:
        assert len(session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket_id)).all()) == 1


def test_a_refused_alert_can_be_sent_again_unchanged(api: Api) -> None:
    body = json.dumps({"device_serial": "SN-1", "alert_code": "X", "severity": "dire"}).encode()
    now = int(time.time())
    assert post_alert(api, body, now).status_code == 422
    assert post_alert(api, body, now).status_code == 422  # not 409: nothing was accepted the first time
