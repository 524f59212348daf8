"""A ticket's customer follows it by a signed link and is told on their channel when it moves, on real
PostgreSQL, Redis (the Celery broker) and the loopback SMS gateway.

The progress API shows the ticket's status, tasks and the replies sent to the customer, never an
internal note or another ticket, and refuses a forged, expired or borrowed token. Solving a ticket
or finishing a task queues one job on the broker; the job's body sends one SMS with the link, in the
customer's language, and sends nothing more when it runs again.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient
from loopback_servers import GATEWAY_SECRET, Gateway
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.jobs import create_celery
from config.settings import ChannelSettings
from tickets.channels.base import ChannelAdapter
from tickets.channels.email import EmailAdapter
from tickets.channels.providers import HttpMessagingProvider
from tickets.channels.replies import ChannelReplies
from tickets.channels.signing import sign_token
from tickets.channels.sms import SmsAdapter
from tickets.channels.webchat import new_visitor_token
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.conversations.services import add_message, open_conversation
from tickets.csat.offers import offer_survey, send_survey
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_or_create_customer
from tickets.desk import flows, services
from tickets.desk.groups import create_group
from tickets.desk.models import Ticket
from tickets.desk.outbox import DeskRuntime, TicketMove
from tickets.desk.schemas import GroupCreate, NoteCreate, TaskCreate, TaskUpdate, TicketCreate, TicketUpdate
from tickets.desk.services import Actor
from tickets.progress.links import PROGRESS_TOKEN_PURPOSE, issue_progress_token
from tickets.progress.models import ProgressNotice
from tickets.progress.notices import NOTIFY_PROGRESS_TASK, ProgressNotices, send_progress_notice
from voxdesk.jobs import celery_app  # the worker's app: every feature's tasks registered

pytestmark = pytest.mark.integration
BASE_URL = "https://desk.example"
PROGRESS = "/api/public/tickets/progress"


@pytest.fixture
def broker(redis_url: str) -> Iterator[str]:
    """The tests' own Redis database as a Celery broker, emptied of queued jobs before and after."""
    client = redis.Redis.from_url(redis_url)
    client.delete("celery")
    yield redis_url
    client.delete("celery")


def queued_moves(broker: str) -> list[list[object]]:
    """The arguments of the progress jobs waiting in the broker's default queue, oldest first."""
    found = []
    for raw in reversed(redis.Redis.from_url(broker).lrange("celery", 0, -1)):  # Celery pushes left
        message = json.loads(raw)
        if message["headers"]["task"] == NOTIFY_PROGRESS_TASK:
            args, _kwargs, _embed = json.loads(base64.b64decode(message["body"]))
            found.append(args)
    return found


def app_secret(client: TestClient) -> str:
    secret: str = client.app.state.secret_key  # type: ignore[attr-defined]
    return secret


def customer_on_sms(session: Session, says: str) -> Conversation:
    number = f"+1202555{uuid.uuid4().int % 10_000:04d}"
    customer = find_or_create_customer(session, IdentityKind.PHONE, number, "US")
    conversation = open_conversation(session, customer.id, Channel.SMS, external_ref=number, subject="SMS")
    add_message(session, conversation, Direction.INBOUND, AuthorKind.CUSTOMER, says)
    return conversation


def ticket_on(session: Session, runtime: DeskRuntime, conversation: Conversation, subject: str) -> Ticket:
    data = TicketCreate(
        subject=subject, channel="sms", customer_id=conversation.customer_id, conversation_id=conversation.id
    )
    return services.create_ticket(session, runtime, data, Actor("bot"))


def adapters(gateway_url: str) -> dict[Channel, ChannelAdapter]:
    return {
        Channel.SMS: SmsAdapter("US", HttpMessagingProvider(gateway_url, GATEWAY_SECRET), None),
        Channel.EMAIL: EmailAdapter(ChannelSettings(), "US", None),
    }


def test_the_progress_job_is_registered_under_its_name() -> None:
    celery_app.loader.import_default_modules()
    assert NOTIFY_PROGRESS_TASK in celery_app.tasks


def test_the_progress_api_shows_public_replies_only_and_refuses_forged_expired_and_borrowed_tokens(
    session: Session, client: TestClient, gateway_url: str
) -> None:
    runtime = DeskRuntime()
    conversation = customer_on_sms(session, "My router keeps rebooting")
    ticket = ticket_on(session, runtime, conversation, "Router keeps rebooting")
    other = ticket_on(session, runtime, customer_on_sms(session, "hello"), "Someone else's ticket")
    replies = ChannelReplies(adapters(gateway_url))
    public = NoteCreate(body="We are sending a new router today.", internal=False)
    services.add_note(session, runtime, ticket.id, public, Actor("agent"), replies)
    internal = NoteCreate(body="Customer sounded angry, VIP flag?", internal=True)
    services.add_note(session, runtime, ticket.id, internal, Actor("agent"))
    elsewhere = NoteCreate(body="Reply on the other ticket", internal=False)
    services.add_note(session, runtime, other.id, elsewhere, Actor("agent"), replies)
    assert len(Gateway.received) == 2  # the public replies went out by SMS

    token = issue_progress_token(app_secret(client), ticket.id)
    answer = client.get(PROGRESS, headers={"X-Progress-Token": token})
    assert answer.status_code == 200, answer.text
    assert answer.headers["cache-control"] == "no-store"
    progress = answer.json()
    assert progress["ticket_id"] == ticket.id and progress["status"] == "new"
    assert [u["body"] for u in progress["updates"]] == ["We are sending a new router today."]
    assert "angry" not in answer.text and "other ticket" not in answer.text
    assert "assignee" not in answer.text and "group" not in answer.text

    _ticket, expiry, signature = token.split(".")
    forged = f"{other.id}.{expiry}.{signature}"  # another ticket's id under this ticket's signature
    expired = sign_token(
        app_secret(client), PROGRESS_TOKEN_PURPOSE, str(ticket.id), 60, now=time.time() - 3600
    )
    other_key = issue_progress_token("not-the-app-secret-" + uuid.uuid4().hex, ticket.id)
    _visitor, chat_token = new_visitor_token(app_secret(client))  # signed by us, for another purpose
    for bad in (forged, expired, other_key, chat_token, "x" * 40):
        refused = client.get(PROGRESS, headers={"X-Progress-Token": bad})
        assert refused.status_code == 401, (bad, refused.text)
        assert "router" not in refused.text.lower()
    in_url = client.get(PROGRESS, params={"token": token})  # a token in the URL is not read
    assert in_url.status_code == 422


def test_solving_a_ticket_tells_the_customer_once_by_sms_with_a_link_that_opens_its_progress(
    session: Session, client: TestClient, gateway_url: str, broker: str
) -> None:
    runtime = DeskRuntime(progress=ProgressNotices(create_celery(broker)))
    conversation = customer_on_sms(session, "My parcel never arrived")
    ticket = ticket_on(session, runtime, conversation, "Parcel never arrived")
    services.update_ticket(session, runtime, ticket.id, TicketUpdate(status="open"), Actor("agent"))
    assert queued_moves(broker) == []  # opening is no move the customer is told of
    services.update_ticket(session, runtime, ticket.id, TicketUpdate(status="solved"), Actor("agent"))
    [[ticket_id, kind, history_id]] = queued_moves(broker)
    assert (ticket_id, kind) == (ticket.id, "solved")

    move = TicketMove(ticket.id, "solved", int(history_id))  # what the worker runs, for real here
    sent = send_progress_notice(
        session, move, secret=app_secret(client), base_url=BASE_URL, adapters=adapters(gateway_url)
    )
    again = send_progress_notice(
        session, move, secret=app_secret(client), base_url=BASE_URL, adapters=adapters(gateway_url)
    )
    assert sent is not None and again is not None and again.id == sent.id
    [sms] = Gateway.received  # one message, although the job ran twice
    assert sms["to"] == conversation.external_ref
    assert "is solved" in sms["body"] and f"{BASE_URL}/track?lang=en#token=" in sms["body"]
    token = sms["body"].rsplit("#token=", 1)[1]
    kept = session.get(Message, sent.id)
    assert kept is not None and token not in kept.body and kept.conversation_id == conversation.id
    progress = client.get(PROGRESS, headers={"X-Progress-Token": token})
    assert progress.status_code == 200 and progress.json()["status"] == "solved"


def test_a_task_done_tells_a_chinese_customer_once_and_the_last_one_only_that_it_is_solved(
    session: Session, client: TestClient, gateway_url: str, broker: str
) -> None:
    runtime = DeskRuntime(progress=ProgressNotices(create_celery(broker)))
    conversation = customer_on_sms(session, "我的路由器一直重启，请帮忙处理")
    ticket = ticket_on(session, runtime, conversation, "路由器一直重启")
    group = create_group(session, GroupCreate(name=f"售后-{uuid.uuid4().hex[:6]}"))
    swap = flows.add_task(
        session, runtime, ticket.id, TaskCreate(group_id=group.id, title="更换路由器"), Actor("a")
    )
    check = flows.add_task(
        session, runtime, ticket.id, TaskCreate(group_id=group.id, title="回访"), Actor("a")
    )

    done = TaskUpdate(status="done")
    flows.update_task(session, runtime, ticket.id, swap.id, done, Actor("agent"))
    [[_, kind, history_id]] = queued_moves(broker)
    assert kind == "task_done"
    message = send_progress_notice(
        session,
        TicketMove(ticket.id, kind, int(history_id)),
        secret=app_secret(client),
        base_url=BASE_URL,
        adapters=adapters(gateway_url),
    )
    assert message is not None
    [sms] = Gateway.received
    assert "“更换路由器”已完成" in sms["body"] and f"{BASE_URL}/track?lang=zh#token=" in sms["body"]

    # The last task: done, and the ticket solved by it. One message, that it is solved.
    flows.update_task(session, runtime, ticket.id, check.id, done, Actor("agent"))
    assert [args[1] for args in queued_moves(broker)] == ["task_done", "solved"]
    notices = session.scalars(select(ProgressNotice).where(ProgressNotice.ticket_id == ticket.id)).all()
    assert [n.language for n in notices] == ["zh"]


def test_a_customer_who_writes_chinese_gets_the_survey_in_chinese_with_a_link_to_the_chinese_page(
    session: Session, client: TestClient, gateway_url: str
) -> None:
    conversation = customer_on_sms(session, "谢谢，问题已经解决了")
    survey = offer_survey(session, conversation.id, enqueue=lambda *_: None)
    sms, email = adapters(gateway_url)[Channel.SMS], adapters(gateway_url)[Channel.EMAIL]
    assert isinstance(sms, SmsAdapter) and isinstance(email, EmailAdapter)
    send_survey(session, survey.id, BASE_URL, email, sms)
    [sent] = Gateway.received
    assert "请打 1 到 5 分" in sent["body"] and f"{BASE_URL}/csat?lang=zh#token=" in sent["body"]
    page = client.get("/csat", params={"lang": "zh"}, headers={"accept-language": "en-US"})
    assert page.headers["content-language"] == "zh" and "提交评价" in page.text


def test_the_worker_job_itself_tells_the_customer_with_the_settings_of_the_deployment(
    session: Session,
    client: TestClient,
    gateway_url: str,
    tickets_pg_url: str,
    redis_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The registered task run as the worker runs it: settings from the environment, the web's key,
    the SMS gateway the deployment names."""
    for name, value in {
        "VOXDESK_DATABASE_URL": tickets_pg_url,
        "VOXDESK_DATA_DIR": str(tmp_path),
        "VOXDESK_REDIS__URL": redis_url,
        "VOXDESK_WEB__SECRET_KEY": app_secret(client),
        "VOXDESK_CHANNELS__SMS_PROVIDER_URL": gateway_url,
        "VOXDESK_CHANNELS__SMS_WEBHOOK_SECRET": GATEWAY_SECRET,
        "VOXDESK_CHANNELS__PUBLIC_BASE_URL": BASE_URL,
    }.items():
        monkeypatch.setenv(name, value)
    runtime = DeskRuntime()
    conversation = customer_on_sms(session, "Card was charged twice")
    ticket = ticket_on(session, runtime, conversation, "Charged twice")
    services.update_ticket(session, runtime, ticket.id, TicketUpdate(status="solved"), Actor("agent"))
    solved = max(e.id for e in services.list_history(session, ticket.id) if e.action == "status_changed")

    task = celery_app.tasks[NOTIFY_PROGRESS_TASK]
    message_id = task.apply(args=[ticket.id, "solved", solved]).get()
    assert task.apply(args=[ticket.id, "solved", solved]).get() == message_id  # told once
    [sms] = Gateway.received
    assert sms["to"] == conversation.external_ref and f"{BASE_URL}/track?lang=en#token=" in sms["body"]
    token = sms["body"].rsplit("#token=", 1)[1]
    assert client.get(PROGRESS, headers={"X-Progress-Token": token}).json()["ticket_id"] == ticket.id
