"""A ticket and its text conversation as one thread of work, with fakes at the desk's seams.

The rules, the channel, the event sink, the timer scheduler and the mailer are fakes that implement
the desk's protocols; the tables live in a scratch SQLite file (PostgreSQL runs in the integration
tier).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.db import Base, make_engine, make_session_factory
from config.events import Event, channel_name
from config.models import Role, User
from tickets.channels.exceptions import DeliveryError
from tickets.conversations.models import AuthorKind, Channel, Conversation, Direction, Message
from tickets.conversations.services import add_message, open_conversation
from tickets.customers.models import Customer
from tickets.desk import services
from tickets.desk.contact_rules import EveryNewContactOpensATicket, TextContact, TicketPlan
from tickets.desk.events import DESK_CHANNEL_KEY, SlaNotice
from tickets.desk.exceptions import ConflictError
from tickets.desk.inbound import customer_wrote
from tickets.desk.models import Group, Ticket, TicketNote
from tickets.desk.outbox import DeskRuntime, NoticeMail
from tickets.desk.schemas import NoteCreate, TicketCreate, TicketUpdate
from tickets.desk.services import Actor
from tickets.sla.clock import SettableClock
from tickets.sla.models import SlaPolicy, SlaTimer
from tickets.sla.services import fire_timer
from voxdesk.modules import import_models

START = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@dataclass
class Events:
    published: list[Event] = field(default_factory=list)

    def publish(self, event: Event) -> int:
        self.published.append(event)
        return 1

    def of(self, kind: type[Event]) -> list[Event]:
        return [e for e in self.published if isinstance(e, kind)]


@dataclass
class Timers:
    scheduled: list[tuple[int, datetime]] = field(default_factory=list)

    def schedule(self, timer_id: int, eta: datetime) -> None:
        self.scheduled.append((timer_id, eta))


@dataclass
class Mailer:
    sent: list[NoticeMail] = field(default_factory=list)
    refuse: bool = False

    def send(self, mail: NoticeMail) -> None:
        if self.refuse:
            raise DeliveryError("relay down")
        self.sent.append(mail)


@dataclass
class Replies:
    """The customer's channel: stores the reply as sent, or fails like a relay that is down."""

    fail: bool = False
    sent: list[str] = field(default_factory=list)

    def send_reply(
        self, session: Session, conversation: Conversation, body: str, agent_id: int | None, agent_name: str
    ) -> Message:
        if self.fail:
            raise DeliveryError("relay refused the reply")
        self.sent.append(body)
        return add_message(
            session, conversation, Direction.OUTBOUND, AuthorKind.AGENT, body, author_id=agent_id
        )


@dataclass
class NoTicketsForChat:
    asked: list[TextContact] = field(default_factory=list)

    def plan_for_text(self, session: Session, contact: TextContact) -> TicketPlan | None:
        self.asked.append(contact)
        if contact.channel == "webchat":
            return None
        return TicketPlan(group="Billing", priority="high", tags=("refund",), rule="sms-billing")


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Session]:
    import_models()
    engine = make_engine(f"sqlite:///{tmp_path / 'desk.db'}")
    Base.metadata.create_all(engine)
    with make_session_factory(engine)() as db:
        yield db
    engine.dispose()


@pytest.fixture
def clock() -> SettableClock:
    return SettableClock(START)


@pytest.fixture
def runtime(clock: SettableClock) -> DeskRuntime:
    return DeskRuntime(
        clock=clock,
        events=Events(),
        timers=Timers(),
        mailer=Mailer(),
        text_rules=EveryNewContactOpensATicket({"email": "Support"}),
    )


def user(session: Session, name: str, email: str | None = None, role: Role = Role.AGENT) -> User:
    row = User(username=name, display_name=name.title(), role=role, password_hash="x", email=email)
    session.add(row)
    session.commit()
    return row


def thread(session: Session, channel: Channel, ref: str, subject: str = "") -> Conversation:
    customer = Customer(display_name=f"Customer {ref}")
    session.add(customer)
    session.commit()
    return open_conversation(session, customer.id, channel, external_ref=ref, subject=subject)


def customer_says(session: Session, runtime: DeskRuntime, conversation: Conversation, body: str) -> list[int]:
    message = add_message(session, conversation, Direction.INBOUND, AuthorKind.CUSTOMER, body)
    return customer_wrote(session, message, runtime)


def tickets_of(session: Session, conversation: Conversation) -> list[Ticket]:
    session.expire_all()
    return list(session.scalars(select(Ticket).where(Ticket.conversation_id == conversation.id)))


def test_a_new_email_contact_opens_a_ticket_in_the_channels_default_group(
    session: Session, runtime: DeskRuntime
) -> None:
    support = Group(name="Support")
    session.add(support)
    session.commit()
    mail = thread(session, Channel.EMAIL, "<root@example.com>", subject="Kettle leaks")

    [ticket_id] = customer_says(session, runtime, mail, "The kettle I bought leaks.\nPlease help.")

    [ticket] = tickets_of(session, mail)
    assert ticket.id == ticket_id and ticket.group_id == support.id
    assert (ticket.subject, ticket.channel, ticket.source) == ("Kettle leaks", "email", "message")
    assert ticket.customer_id == mail.customer_id and ticket.description.startswith("The kettle")
    actions = [h.action for h in services.list_history(session, ticket.id)]
    assert actions == ["created", "opened_by_rule"]


def test_a_reply_on_the_thread_updates_its_ticket_instead_of_opening_another(
    session: Session, runtime: DeskRuntime, clock: SettableClock
) -> None:
    sms = thread(session, Channel.SMS, "+12025550100", subject="SMS")
    [first] = customer_says(session, runtime, sms, "My parcel never came")
    clock.advance(minutes=5)
    assert customer_says(session, runtime, sms, "Hello??") == [first]
    [ticket] = tickets_of(session, sms)
    assert ticket.subject == "My parcel never came"  # an SMS has no subject: its first line is one


def test_a_message_after_solving_reopens_the_ticket_but_after_closing_opens_a_new_one(
    session: Session, runtime: DeskRuntime
) -> None:
    chat = thread(session, Channel.WEBCHAT, "visitor-1", subject="Web chat")
    [ticket_id] = customer_says(session, runtime, chat, "Hi, the app crashes")
    services.update_ticket(session, runtime, ticket_id, TicketUpdate(status="solved"), Actor("amy"))
    assert customer_says(session, runtime, chat, "It crashes again") == [ticket_id]
    assert services.get_ticket(session, ticket_id).status == "open"

    for status in ("solved", "closed"):
        services.update_ticket(session, runtime, ticket_id, TicketUpdate(status=status), Actor("amy"))
    [follow_up] = customer_says(session, runtime, chat, "New problem: billing")
    assert follow_up != ticket_id
    assert services.get_ticket(session, follow_up).description == "New problem: billing"


def test_the_rules_decide_which_new_contacts_open_a_ticket_and_how(
    session: Session, runtime: DeskRuntime
) -> None:
    rules = NoTicketsForChat()
    runtime.text_rules = rules
    chat = thread(session, Channel.WEBCHAT, "visitor-2")
    sms = thread(session, Channel.SMS, "+12025550101")

    assert customer_says(session, runtime, chat, "Just browsing") == []
    [ticket_id] = customer_says(session, runtime, sms, "Refund please")

    assert tickets_of(session, chat) == []
    ticket = services.get_ticket(session, ticket_id)
    # The rule names a group that does not exist: the ticket still opens, without a group.
    assert (ticket.priority, ticket.tags, ticket.group_id) == ("high", ["refund"], None)
    assert [c.channel for c in rules.asked] == ["webchat", "sms"]
    assert rules.asked[1].body == "Refund please" and rules.asked[1].conversation_id == sms.id


def test_an_agents_reply_on_the_conversation_is_the_tickets_first_response(
    session: Session, runtime: DeskRuntime, clock: SettableClock
) -> None:
    agent = user(session, "amy")
    chat = thread(session, Channel.WEBCHAT, "visitor-3")
    [ticket_id] = customer_says(session, runtime, chat, "Where is my order?")
    clock.advance(minutes=7)
    reply = Replies().send_reply(session, chat, "On its way", agent.id, agent.username)

    assert services.agent_replied(session, runtime, chat.id, reply.id, Actor("amy", agent.id)) == [ticket_id]

    ticket = services.get_ticket(session, ticket_id)
    assert ticket.first_response_at is not None
    assert ticket.first_response_at.replace(tzinfo=UTC) == START + timedelta(minutes=7)
    assert ticket.status == "open"
    replied = services.list_history(session, ticket_id)[-1]
    assert (replied.action, replied.details) == ("replied", {"message_id": reply.id})


def test_a_public_note_goes_to_the_customer_and_an_internal_one_does_not(
    session: Session, runtime: DeskRuntime
) -> None:
    agent = user(session, "ben")
    chat = thread(session, Channel.WEBCHAT, "visitor-4")
    [ticket_id] = customer_says(session, runtime, chat, "Broken screen")
    replies = Replies()

    services.add_note(
        session, runtime, ticket_id, NoteCreate(body="Check warranty"), Actor("ben", agent.id), replies
    )
    assert replies.sent == [] and services.get_ticket(session, ticket_id).first_response_at is None

    public = NoteCreate(body="We will replace it", internal=False)
    services.add_note(session, runtime, ticket_id, public, Actor("ben", agent.id), replies)
    assert replies.sent == ["We will replace it"]
    assert services.get_ticket(session, ticket_id).first_response_at is not None


def test_a_public_note_the_channel_refused_is_not_kept_and_is_no_response(
    session: Session, runtime: DeskRuntime
) -> None:
    agent = user(session, "cy")
    chat = thread(session, Channel.WEBCHAT, "visitor-5")
    [ticket_id] = customer_says(session, runtime, chat, "Hello")
    with pytest.raises(DeliveryError):
        services.add_note(
            session,
            runtime,
            ticket_id,
            NoteCreate(body="Hi!", internal=False),
            Actor("cy", agent.id),
            Replies(fail=True),
        )
    assert services.get_ticket(session, ticket_id).first_response_at is None
    assert session.scalars(select(TicketNote).where(TicketNote.ticket_id == ticket_id)).all() == []


def test_a_public_note_on_a_call_ticket_cannot_reach_the_customer_and_says_so(
    session: Session, runtime: DeskRuntime
) -> None:
    call = thread(session, Channel.VOICE, "call-1")
    ticket = services.create_ticket(
        session, runtime, TicketCreate(subject="Call", conversation_id=call.id), Actor("ivr")
    )
    with pytest.raises(ConflictError, match="internal note"):
        services.add_note(
            session, runtime, ticket.id, NoteCreate(body="Hi", internal=False), Actor("amy", 1), Replies()
        )


def policy(session: Session, name: str, priority: str, first: float, resolution: float) -> SlaPolicy:
    row = SlaPolicy(
        name=name,
        priority=priority,
        first_response_minutes=first,
        resolution_minutes=resolution,
        remind_before_minutes=10,
    )
    session.add(row)
    session.commit()
    return row


def live_timer(session: Session, ticket_id: int, target: str) -> SlaTimer:
    session.expire_all()
    [timer] = session.scalars(
        select(SlaTimer).where(
            SlaTimer.ticket_id == ticket_id, SlaTimer.target == target, SlaTimer.state == "running"
        )
    ).all()
    return timer


def test_raising_the_priority_moves_the_deadlines_to_the_new_policy_and_re_arms_them(
    session: Session, runtime: DeskRuntime, clock: SettableClock
) -> None:
    policy(session, "normal", "normal", first=240, resolution=1440)
    urgent = policy(session, "urgent", "urgent", first=30, resolution=240)
    ticket = services.create_ticket(session, runtime, TicketCreate(subject="Outage"), Actor("x"))
    assert live_timer(session, ticket.id, "first_response").due_at.replace(tzinfo=UTC) == START + timedelta(
        minutes=240
    )
    clock.advance(minutes=10)

    services.update_ticket(session, runtime, ticket.id, TicketUpdate(priority="urgent"), Actor("lead"))

    first = live_timer(session, ticket.id, "first_response")
    assert first.policy_id == urgent.id
    assert first.due_at.replace(tzinfo=UTC) == START + timedelta(minutes=30)  # counted from creation
    assert first.remind_at is not None and first.remind_at.replace(tzinfo=UTC) == START + timedelta(
        minutes=20
    )
    assert isinstance(runtime.timers, Timers)
    assert (first.id, START + timedelta(minutes=20)) in runtime.timers.scheduled  # re-armed now
    assert [h.action for h in services.list_history(session, ticket.id)][-1] == "sla_retargeted"

    clock.set(START + timedelta(minutes=30))
    assert fire_timer(session, first.id, runtime) == "breached"  # the new, earlier deadline holds


def test_lowering_to_a_priority_without_a_policy_cancels_the_timers_and_back_up_starts_them(
    session: Session, runtime: DeskRuntime, clock: SettableClock
) -> None:
    policy(session, "high", "high", first=60, resolution=480)
    ticket = services.create_ticket(
        session, runtime, TicketCreate(subject="Slow", priority="high"), Actor("x")
    )
    clock.advance(minutes=20)
    services.update_ticket(session, runtime, ticket.id, TicketUpdate(priority="low"), Actor("lead"))
    session.expire_all()
    states = set(session.scalars(select(SlaTimer.state).where(SlaTimer.ticket_id == ticket.id)))
    assert states == {"cancelled"}

    services.update_ticket(session, runtime, ticket.id, TicketUpdate(priority="high"), Actor("lead"))
    first = live_timer(session, ticket.id, "first_response")
    assert first.due_at.replace(tzinfo=UTC) == START + timedelta(minutes=60)
    assert live_timer(session, ticket.id, "resolution").due_at.replace(tzinfo=UTC) == START + timedelta(
        hours=8
    )


def test_an_sla_reminder_is_a_typed_notice_for_the_assignee_group_and_supervisors_and_a_mail(
    session: Session, runtime: DeskRuntime, clock: SettableClock
) -> None:
    lead = user(session, "lea", email="lea@shop.test", role=Role.SUPERVISOR)
    agent = user(session, "al", email="al@shop.test")
    team = Group(name="Billing", lead_id=lead.id)
    session.add(team)
    session.commit()
    policy(session, "normal", "normal", first=60, resolution=600)
    ticket = services.create_ticket(
        session,
        runtime,
        TicketCreate(subject="Charged twice", group_id=team.id, assignee_id=agent.id),
        Actor("x"),
    )
    first = live_timer(session, ticket.id, "first_response")

    clock.set(START + timedelta(minutes=50))
    assert fire_timer(session, first.id, runtime) == "reminded"
    clock.set(START + timedelta(minutes=60))
    assert fire_timer(session, first.id, runtime) == "breached"

    assert isinstance(runtime.events, Events)
    reminder, escalation = runtime.events.of(SlaNotice)
    assert isinstance(reminder, SlaNotice) and isinstance(escalation, SlaNotice)
    assert (reminder.kind, reminder.agent_id, reminder.target) == ("reminder", agent.id, "first_response")
    assert reminder.channels() == [
        channel_name("agent", agent.id),
        channel_name("group", team.id),
        channel_name("desk", DESK_CHANNEL_KEY),
    ]
    assert (escalation.kind, escalation.agent_id, escalation.priority) == ("escalation", lead.id, "high")
    assert isinstance(runtime.mailer, Mailer)
    assert [(m.to, m.subject) for m in runtime.mailer.sent] == [
        ("al@shop.test", f"[SLA reminder] ticket {ticket.id}: Charged twice"),
        ("lea@shop.test", f"[Escalated] ticket {ticket.id}: Charged twice"),
    ]
    assert "Target: first response, due 2026-12-01 10:00 UTC" in runtime.mailer.sent[0].body


def test_a_refused_notice_mail_leaves_the_reminder_done(
    session: Session, runtime: DeskRuntime, clock: SettableClock
) -> None:
    agent = user(session, "di", email="di@shop.test")
    policy(session, "normal", "normal", first=60, resolution=600)
    ticket = services.create_ticket(
        session, runtime, TicketCreate(subject="Hi", assignee_id=agent.id), Actor("x")
    )
    runtime.mailer = Mailer(refuse=True)
    clock.set(START + timedelta(minutes=55))
    assert fire_timer(session, live_timer(session, ticket.id, "first_response").id, runtime) == "reminded"
    assert isinstance(runtime.events, Events) and len(runtime.events.of(SlaNotice)) == 1
