"""A text contact and its ticket as one thread of work, on real PostgreSQL, Redis, SMTP and Celery.

The inbound SMTP server runs as its own process (the ``voxdesk channels smtp-server`` command), as
deployed; the upstream relay is a real SMTP server on loopback that keeps what it is given; SLA
notices come from a real ``celery worker``.
"""

from __future__ import annotations

import json
import os
import smtplib
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from pathlib import Path

import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope
from aiosmtpd.smtp import Session as SmtpSession
from channel_senders import delivered_from_loopback, loopback_spf
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.events import Subscription, channel_name
from config.jobs import create_celery
from config.models import Role, User
from config.sessions import open_session_for
from config.settings import ChannelSettings, Settings
from desk.celery_worker import Worker, wait_for
from desk.desk_helpers import RecordingScheduler, chat_thread, make_user, redis_db_url
from tickets.channels.email import EmailAdapter, parse_email
from tickets.conversations.models import AuthorKind, Conversation, Direction
from tickets.conversations.models import Message as StoredMessage
from tickets.conversations.services import add_message
from tickets.desk import groups, membership, services
from tickets.desk.events import DESK_CHANNEL_KEY, SlaNotice
from tickets.desk.inbound import customer_wrote
from tickets.desk.models import Ticket
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import GroupCreate, TicketCreate
from tickets.desk.services import Actor
from tickets.sla import policies
from tickets.sla.clock import SystemClock
from tickets.sla.models import SlaTimer
from tickets.sla.schemas import PolicyCreate
from tickets.sla.tasks import CeleryTimerScheduler
from web.app import create_app

pytestmark = pytest.mark.integration
TEXT_REDIS_DB = 13  # this file's Celery jobs, away from the other desk tests' database 12
SUPPORT = "help@shop.test"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RelayInbox:
    """The upstream relay: a real SMTP server that keeps every mail handed to it."""

    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_DATA(self, server: SMTP, session: SmtpSession, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 2.0.0 queued"

    def mails_to(self, address: str) -> list[Message]:
        return [
            message_from_bytes(e.original_content or b"", policy=policy.default)
            for e in list(self.envelopes)
            if address in e.rcpt_tos
        ]


@pytest.fixture
def relay() -> Iterator[tuple[int, RelayInbox]]:
    inbox, port = RelayInbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, inbox
    finally:
        controller.stop()


@pytest.fixture
def text_broker(redis_url: str) -> Iterator[str]:
    url = redis_db_url(TEXT_REDIS_DB)
    yield url
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(match="*"):
        client.delete(key)


@pytest.fixture
def support_group(session: Session) -> str:
    return groups.create_group(session, GroupCreate(name=f"Support {uuid.uuid4().hex[:6]}")).name


class SmtpServerProcess:
    """``voxdesk channels smtp-server`` in a process of its own, configured by environment."""

    def __init__(self, env: dict[str, str], log: Path, port: int) -> None:
        self.port, self.log = port, log
        command = [sys.executable, "-c", "from tickets.channels.cli import smtp_server; smtp_server()"]
        with log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=os.environ | env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def wait_ready(self) -> None:
        wait_for(lambda: f"SMTP server on 127.0.0.1:{self.port}" in self.log.read_text(), 30, self.why())

    def why(self) -> str:
        return f"SMTP server process: {self.log.read_text(errors='replace')[-2000:]}"

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)


def customer_mail(
    sender: str, subject: str, body: str, message_id: str, replying_to: str | None = None
) -> bytes:
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = f"Bo Chen <{sender}>", SUPPORT, subject
    mail["Message-ID"] = message_id
    if replying_to:
        mail["In-Reply-To"], mail["References"] = replying_to, replying_to
    mail.set_content(body)
    return mail.as_bytes()


def send_to(port: int, sender: str, raw: bytes) -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=15) as smtp:
        smtp.sendmail(sender, [SUPPORT], raw)


def email_tickets(factory: sessionmaker[Session], sender: str) -> list[Ticket]:
    """Tickets on the e-mail threads ``sender`` wrote in."""
    threads = select(StoredMessage.conversation_id).where(StoredMessage.meta["from"].as_string() == sender)
    with factory() as db:
        return list(db.scalars(select(Ticket).where(Ticket.conversation_id.in_(threads)).order_by(Ticket.id)))


def web_client(
    pg_url: str, data_dir: Path, redis_url: str, relay_port: int, runtime: DeskRuntime
) -> TestClient:
    settings = Settings(
        database_url=pg_url,
        data_dir=data_dir,
        redis={"url": redis_url},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
        channels={
            "relay_host": "127.0.0.1",
            "relay_port": relay_port,
            "support_address": SUPPORT,
            "mail_domain": "shop.test",
        },
    )
    app = create_app(settings)
    app.state.desk_runtime = runtime
    return TestClient(app)


def bearer(client: TestClient, agent: User) -> dict[str, str]:
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {open_session_for(factory, agent.id)}"}


def test_an_email_to_the_smtp_server_opens_a_ticket_and_the_agents_reply_is_its_first_response(
    desk_pg_url: str,
    desk_factory: sessionmaker[Session],
    text_broker: str,
    support_group: str,
    relay: tuple[int, RelayInbox],
    tmp_path: Path,
) -> None:
    relay_port, relay_inbox = relay
    port = free_port()
    server = SmtpServerProcess(
        {
            "VOXDESK_DATABASE_URL": desk_pg_url,
            "VOXDESK_REDIS__URL": text_broker,
            "VOXDESK_DATA_DIR": str(tmp_path),
            "VOXDESK_CHANNELS__SMTP_PORT": str(port),
            "VOXDESK_CHANNELS__MAIL_DOMAIN": "shop.test",
            "VOXDESK_CHANNELS__SUPPORT_ADDRESS": SUPPORT,
            "VOXDESK_DESK__TEXT_TICKET_GROUPS": f'{{"email": "{support_group}"}}',
            # The server's SPF/DKIM/DMARC ask this map, not real DNS: example.com authorises loopback.
            "VOXDESK_CHANNELS__MAIL_DNS_STATIC_TXT": json.dumps(loopback_spf("example.com")),
        },
        tmp_path / "smtp-server.log",
        port,
    )
    sender = f"bo.{uuid.uuid4().hex[:8]}@example.com"
    root = f"<{uuid.uuid4().hex}@example.com>"
    try:
        server.wait_ready()
        send_to(port, sender, customer_mail(sender, "Kettle leaks", "The kettle leaks.\nOrder 1234.", root))
        wait_for(
            lambda: len(email_tickets(desk_factory, sender)) == 1, 20, f"no ticket opened; {server.why()}"
        )
        [ticket] = email_tickets(desk_factory, sender)
        with desk_factory() as db:
            group_id = groups.list_groups(db)
            assert ticket.group_id == next(g.id for g in group_id if g.name == support_group)
        assert (ticket.subject, ticket.channel, ticket.source, ticket.status) == (
            "Kettle leaks",
            "email",
            "message",
            "new",
        )
        assert ticket.description.startswith("The kettle leaks.") and ticket.first_response_at is None

        # The customer writes again in the same thread: the ticket is updated, no second one opens.
        again = f"<{uuid.uuid4().hex}@example.com>"
        send_to(port, sender, customer_mail(sender, "Re: Kettle leaks", "Any news?", again, replying_to=root))

        def thread_length() -> int:
            with desk_factory() as db:
                return len(services_messages(db, ticket.conversation_id))

        wait_for(lambda: thread_length() == 2, 20, f"the reply never reached the thread; {server.why()}")
        assert [t.id for t in email_tickets(desk_factory, sender)] == [ticket.id]
    finally:
        server.stop()

    # The agent answers from the console: the mail goes out threaded, and it is the first response.
    agent = make_user(desk_factory, Role.AGENT, "amy")
    with desk_factory() as db:  # she works the support group, whose tickets these mails open
        assert ticket.group_id is not None
        membership.add_member(db, ticket.group_id, agent.id, actor="test")
    runtime = DeskRuntime(clock=SystemClock(), timers=RecordingScheduler())
    with web_client(desk_pg_url, tmp_path, text_broker, relay_port, runtime) as client:
        headers = bearer(client, agent)
        answer = client.post(
            f"/api/conversations/{ticket.conversation_id}/replies",
            json={"body": "A new kettle is on its way."},
            headers=headers,
        )
        assert answer.status_code == 201, answer.text
        [mail] = relay_inbox.mails_to(sender)
        assert mail["In-Reply-To"] == again and mail["Subject"] == "Re: Kettle leaks"
        # Signed with the agent's public name (the first name), never their username.
        assert mail.get_content().strip().splitlines() == ["A new kettle is on its way.", "", "-- ", "Amy"]
        shown = client.get(f"/api/tickets/{ticket.id}", headers=headers).json()
        assert shown["status"] == "open" and shown["first_response_at"] is not None

        # An internal note stays inside; a public note is mailed to the customer.
        internal = {"body": "Refund the shipping too", "internal": True}
        assert (
            client.post(f"/api/tickets/{ticket.id}/notes", json=internal, headers=headers).status_code == 201
        )
        assert len(relay_inbox.mails_to(sender)) == 1
        public = {"body": "Shipping refunded as well.", "internal": False}
        assert client.post(f"/api/tickets/{ticket.id}/notes", json=public, headers=headers).status_code == 201
        latest = relay_inbox.mails_to(sender)[-1]
        assert len(relay_inbox.mails_to(sender)) == 2
        assert latest.get_content().strip().splitlines() == ["Shipping refunded as well.", "", "-- ", "Amy"]
        assert "Refund the shipping too" not in "".join(m.get_content() for m in relay_inbox.mails_to(sender))


def services_messages(db: Session, conversation_id: int | None) -> list[StoredMessage]:
    return list(db.scalars(select(StoredMessage).where(StoredMessage.conversation_id == conversation_id)))


def test_a_public_note_the_relay_refuses_is_a_502_and_no_response(
    desk_pg_url: str, desk_factory: sessionmaker[Session], redis_url: str, tmp_path: Path
) -> None:
    agent = make_user(desk_factory, Role.AGENT, "ben")
    with desk_factory() as db:
        conversation = _email_thread(db, f"cy.{uuid.uuid4().hex[:8]}@example.com")
        ticket = services.create_ticket(
            db,
            DeskRuntime(timers=RecordingScheduler()),
            TicketCreate(subject="Late", channel="email", conversation_id=conversation.id),
            Actor("x"),
        )
    runtime = DeskRuntime(clock=SystemClock(), timers=RecordingScheduler())
    with web_client(desk_pg_url, tmp_path, redis_url, free_port(), runtime) as client:  # nobody listens
        headers = bearer(client, agent)
        answer = client.post(
            f"/api/tickets/{ticket.id}/notes", json={"body": "Sorry!", "internal": False}, headers=headers
        )
        assert answer.status_code == 502 and "kept as not sent" in answer.json()["detail"]
        shown = client.get(f"/api/tickets/{ticket.id}", headers=headers).json()
        assert shown["first_response_at"] is None
        assert client.get(f"/api/tickets/{ticket.id}/notes", headers=headers).json() == []


def _email_thread(db: Session, sender: str) -> Conversation:
    adapter = EmailAdapter(ChannelSettings(), "US", None, DeskRuntime(timers=RecordingScheduler()))
    raw = customer_mail(sender, "Late", "Where is it?", f"<{uuid.uuid4().hex}@example.com>")
    message = adapter.receive(db, parse_email(raw), delivered_from_loopback(raw, sender))
    conversation = db.get(Conversation, message.conversation_id)
    assert conversation is not None
    return conversation


async def test_an_sla_reminder_from_a_real_worker_reaches_the_supervisors_channel_and_the_assignees_mailbox(
    desk_pg_url: str,
    desk_factory: sessionmaker[Session],
    text_broker: str,
    redis_url: str,
    relay: tuple[int, RelayInbox],
    tmp_path: Path,
) -> None:
    relay_port, relay_inbox = relay
    address = f"al.{uuid.uuid4().hex[:8]}@shop.test"
    agent = make_user(desk_factory, Role.AGENT, "al")
    with desk_factory() as db:
        row = db.get(User, agent.id)
        assert row is not None
        row.email = address
        db.commit()
    worker = Worker(
        "notices",
        desk_pg_url,
        text_broker,
        tmp_path,
        {
            "VOXDESK_DESK__SLA_NOTICE_MAIL": "true",
            "VOXDESK_CHANNELS__RELAY_HOST": "127.0.0.1",
            "VOXDESK_CHANNELS__RELAY_PORT": str(relay_port),
            "VOXDESK_CHANNELS__SUPPORT_ADDRESS": SUPPORT,
        },
    )
    with desk_factory() as db:
        sla_policy = policies.create_policy(
            db,
            PolicyCreate(
                name=f"urgent-chat-{uuid.uuid4().hex[:6]}",
                priority="urgent",
                channel="webchat",
                first_response_minutes=60,
                remind_before_minutes=59.9,  # the reminder is due 6 s after the ticket opens
            ),
        )
        try:
            worker.wait_ready()
            runtime = DeskRuntime(
                clock=SystemClock(), timers=CeleryTimerScheduler(create_celery(text_broker))
            )
            async with Subscription(redis_url, [channel_name("desk", DESK_CHANNEL_KEY)]) as supervisors:
                ticket = services.create_ticket(
                    db,
                    runtime,
                    TicketCreate(
                        subject="Chat dropped", priority="urgent", channel="webchat", assignee_id=agent.id
                    ),
                    Actor("x"),
                )
                deadline = time.monotonic() + 45
                notice = None
                while notice is None and time.monotonic() < deadline:
                    event = await supervisors.get(wait_seconds=2)
                    if isinstance(event, SlaNotice) and event.ticket_id == ticket.id:
                        notice = event
            assert notice is not None, f"no SLA notice on the supervisors' channel: {worker.log}"
            assert (notice.kind, notice.agent_id, notice.target) == ("reminder", agent.id, "first_response")
            wait_for(lambda: len(relay_inbox.mails_to(address)) == 1, 15, f"no reminder mail: {worker.log}")
            [mail] = relay_inbox.mails_to(address)
            assert mail["Subject"] == f"[SLA reminder] ticket {ticket.id}: Chat dropped"
            assert mail["From"] == SUPPORT and mail["Auto-Submitted"] == "auto-generated"
            timer = db.scalar(select(SlaTimer).where(SlaTimer.ticket_id == ticket.id))
            assert timer is not None
            db.refresh(timer)
            assert timer.state == "reminded"
        finally:
            worker.stop()
            sla_policy.active = False
            db.commit()


def test_a_web_chat_visitors_first_line_opens_a_ticket_and_the_agents_chat_reply_answers_it(
    desk_pg_url: str, desk_factory: sessionmaker[Session], redis_url: str, tmp_path: Path
) -> None:
    agent = make_user(desk_factory, Role.AGENT, "cat")
    runtime = DeskRuntime(clock=SystemClock(), timers=RecordingScheduler())
    with web_client(desk_pg_url, tmp_path, redis_url, free_port(), runtime) as client:
        token = client.post("/api/webchat/visitors").json()["visitor_token"]
        with client.websocket_connect(f"/ws/webchat/visitor?visitor_token={token}") as visitor:
            visitor.send_json({"type": "hello", "name": "Dee"})
            chat_id = visitor.receive_json()["conversation_id"]
            visitor.send_json({"type": "message", "body": "My order 12 is late\nIt was due Monday"})
            assert visitor.receive_json()["type"] == "conversation.message"
            visitor.send_json({"type": "message", "body": "Hello?"})
            assert visitor.receive_json()["type"] == "conversation.message"

        with desk_factory() as db:
            [ticket] = db.scalars(select(Ticket).where(Ticket.conversation_id == chat_id)).all()
        assert (ticket.subject, ticket.channel, ticket.status) == ("My order 12 is late", "webchat", "new")

        ws_ticket = client.post("/api/auth/ws-ticket", headers=bearer(client, agent)).json()["ticket"]
        with client.websocket_connect(f"/ws/webchat/agent/{chat_id}?ticket={ws_ticket}") as console:
            assert console.receive_json()["type"] == "ready"
            console.send_json({"type": "message", "body": "Checking with the courier now."})
            assert console.receive_json()["data"]["author_kind"] == "agent"

        with desk_factory() as db:
            answered = db.get(Ticket, ticket.id)
            assert answered is not None
            assert answered.status == "open" and answered.first_response_at is not None


def test_raising_a_tickets_priority_through_the_api_brings_its_sla_deadline_forward(
    desk_pg_url: str, desk_factory: sessionmaker[Session], redis_url: str, tmp_path: Path
) -> None:
    agent = make_user(desk_factory, Role.AGENT, "dan")
    suffix = uuid.uuid4().hex[:6]
    with desk_factory() as db:
        made = [
            policies.create_policy(
                db,
                PolicyCreate(name=f"api-{p}-{suffix}", priority=p, channel="api", first_response_minutes=m),
            )
            for p, m in (("normal", 480), ("urgent", 30))
        ]
    scheduler = RecordingScheduler()
    try:
        with web_client(
            desk_pg_url, tmp_path, redis_url, free_port(), DeskRuntime(timers=scheduler)
        ) as client:
            headers = bearer(client, agent)
            created = client.post(
                "/api/tickets", json={"subject": "Site down", "channel": "api"}, headers=headers
            )
            ticket_id = created.json()["id"]
            [before] = client.get(f"/api/tickets/{ticket_id}/sla", headers=headers).json()

            changed = client.patch(f"/api/tickets/{ticket_id}", json={"priority": "urgent"}, headers=headers)
            assert changed.status_code == 200, changed.text

            [after] = client.get(f"/api/tickets/{ticket_id}/sla", headers=headers).json()
            history = client.get(f"/api/tickets/{ticket_id}/history", headers=headers).json()
        assert after["id"] == before["id"] and after["state"] == "running"
        assert after["policy_id"] == made[1].id
        opened = datetime.fromisoformat(created.json()["created_at"])
        assert datetime.fromisoformat(after["due_at"]) == opened + timedelta(minutes=30)
        assert datetime.fromisoformat(before["due_at"]) == opened + timedelta(minutes=480)
        remind_at = datetime.fromisoformat(after["remind_at"])
        assert remind_at == opened + timedelta(minutes=15)  # the policy reminds 15 minutes before
        assert scheduler.scheduled[-1] == (after["id"], remind_at)  # re-armed for the new moment
        assert history[-1]["action"] == "sla_retargeted"
    finally:
        with desk_factory() as db:
            for row in made:
                db.merge(row).active = False
            db.commit()


def test_messages_of_a_new_contact_arriving_at_once_open_one_ticket(
    desk_factory: sessionmaker[Session],
) -> None:
    with desk_factory() as db:
        chat = chat_thread(db)
    runtime = DeskRuntime(timers=RecordingScheduler())
    start = threading.Barrier(4)

    def customer_writes(line: str) -> list[int]:
        with desk_factory() as db:
            conversation = db.get(Conversation, chat.id)
            assert conversation is not None
            message = add_message(db, conversation, Direction.INBOUND, AuthorKind.CUSTOMER, line)
            start.wait(timeout=10)
            return customer_wrote(db, message, runtime)

    with ThreadPoolExecutor(max_workers=4) as pool:
        reached = list(pool.map(customer_writes, [f"line {n}" for n in range(4)]))

    with desk_factory() as db:
        opened = db.scalars(select(Ticket.id).where(Ticket.conversation_id == chat.id)).all()
    assert len(opened) == 1 and all(ids == list(opened) for ids in reached)
