"""SLA on real PostgreSQL and Redis: reminder then breach with escalation, driven by a settable clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.events import Subscription, channel_name
from config.models import AuditEntry, Role
from desk.desk_helpers import RecordingScheduler, chat_replies, chat_thread, make_user
from tickets.desk import groups, services
from tickets.desk.events import DESK_CHANNEL_KEY, SlaNotice
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import GroupCreate, NoteCreate, TicketCreate
from tickets.desk.services import Actor
from tickets.sla import policies
from tickets.sla.clock import SettableClock
from tickets.sla.models import SlaPolicy, SlaTimer
from tickets.sla.schemas import CalendarCreate, PolicyCreate
from tickets.sla.services import fire_timer

pytestmark = pytest.mark.integration


@pytest.fixture
def email_high_policy(session: Session) -> Iterator[SlaPolicy]:
    """High-priority e-mail: first response in 60 min (reminder 15 min before), resolution in 4 h."""
    policy = policies.create_policy(
        session,
        PolicyCreate(
            name=f"high-email-{uuid.uuid4().hex[:6]}",
            priority="high",
            channel="email",
            first_response_minutes=60,
            resolution_minutes=240,
            remind_before_minutes=15,
        ),
    )
    yield policy
    policy.active = False  # policies are global: leave none behind for other tests
    session.commit()


def timer_of(session: Session, ticket_id: int, target: str) -> SlaTimer:
    timer = session.scalar(select(SlaTimer).where(SlaTimer.ticket_id == ticket_id, SlaTimer.target == target))
    assert timer is not None
    session.refresh(timer)
    return timer


async def test_first_response_reminds_the_lead_then_breaches_and_escalates_exactly_once(
    desk_factory: sessionmaker[Session],
    email_high_policy: SlaPolicy,
    clock: SettableClock,
    runtime: DeskRuntime,
    redis_url: str,
) -> None:
    lead = make_user(desk_factory, Role.SUPERVISOR, "lead")
    agent = make_user(desk_factory, Role.AGENT, "agent")
    start = clock.now()
    with desk_factory() as session:
        team = groups.create_group(
            session, GroupCreate(name=f"support-{uuid.uuid4().hex[:6]}", lead_id=lead.id)
        )
        ticket = services.create_ticket(
            session,
            runtime,
            TicketCreate(
                subject="Cannot log in",
                priority="high",
                channel="email",
                group_id=team.id,
                assignee_id=agent.id,
            ),
            Actor("alice"),
        )
        first = timer_of(session, ticket.id, "first_response")
        assert first.due_at == start + timedelta(minutes=60)
        assert isinstance(runtime.timers, RecordingScheduler)
        assert (first.id, start + timedelta(minutes=45)) in runtime.timers.scheduled

        clock.advance(minutes=10)
        assert fire_timer(session, first.id, runtime) == "early"

        async with (
            Subscription(redis_url, [channel_name("agent", agent.id), channel_name("agent", lead.id)]) as sub,
            Subscription(redis_url, [channel_name("desk", DESK_CHANNEL_KEY)]) as supervisors,
            Subscription(redis_url, [channel_name("group", team.id)]) as group_feed,
        ):
            clock.set(start + timedelta(minutes=45))
            assert await asyncio.to_thread(fire_timer, session, first.id, runtime) == "reminded"
            reminder = await sub.get(wait_seconds=5)
            assert isinstance(reminder, SlaNotice) and reminder.kind == "reminder"
            assert reminder.agent_id == agent.id and reminder.target == "first_response"
            assert reminder.due_at == start + timedelta(minutes=60) and reminder.subject == "Cannot log in"
            seen_by_supervisors = await supervisors.get(wait_seconds=5)
            assert isinstance(seen_by_supervisors, SlaNotice) and seen_by_supervisors.id == reminder.id
            group_events = [await group_feed.get(wait_seconds=5) for _ in range(2)]
            assert reminder.id in {e.id for e in group_events if e is not None}  # beside its TicketChanged
            assert (first.id, start + timedelta(minutes=60)) in runtime.timers.scheduled

            clock.set(start + timedelta(minutes=50))
            assert fire_timer(session, first.id, runtime) == "early"  # a duplicate job before the deadline

            clock.set(start + timedelta(minutes=60))
            assert await asyncio.to_thread(fire_timer, session, first.id, runtime) == "breached"
            escalation = await sub.get(wait_seconds=5)
            assert isinstance(escalation, SlaNotice) and escalation.kind == "escalation"
            assert escalation.agent_id == lead.id and escalation.priority == "urgent"
            assert escalation.escalation_level == 1
            assert (await supervisors.get(wait_seconds=5)) == escalation

        assert fire_timer(session, first.id, runtime) == "ignored"  # redelivered job after the breach
        session.refresh(ticket)
        assert ticket.priority == "urgent" and ticket.assignee_id == lead.id and ticket.escalation_level == 1
        history = [h.action for h in services.list_history(session, ticket.id)]
        assert history.count("sla_reminder") == 1 and history.count("escalated") == 1
        audit = session.scalars(select(AuditEntry).where(AuditEntry.target == f"ticket:{ticket.id}")).all()
        assert [a.action for a in audit] == ["ticket.escalated"]
        assert audit[0].details["priority"] == ["high", "urgent"]
        assert timer_of(session, ticket.id, "resolution").state == "running"  # resolution target still ahead


def test_a_reply_in_time_meets_the_target_and_the_deadline_job_does_nothing(
    session: Session,
    email_high_policy: SlaPolicy,
    clock: SettableClock,
    runtime: DeskRuntime,
    desk_factory: sessionmaker[Session],
) -> None:
    agent = make_user(desk_factory)
    chat = chat_thread(session)  # the e-mail policy applies by the ticket's channel; the reply goes by chat
    ticket = services.create_ticket(
        session,
        runtime,
        TicketCreate(subject="Refund status", priority="high", channel="email", conversation_id=chat.id),
        Actor("x"),
    )
    clock.advance(minutes=30)
    services.add_note(
        session,
        runtime,
        ticket.id,
        NoteCreate(body="Refund sent today", internal=False),
        Actor(agent.username, agent.id),
        replies=chat_replies(),
    )
    first = timer_of(session, ticket.id, "first_response")
    assert first.state == "met"
    clock.advance(minutes=60)
    assert fire_timer(session, first.id, runtime) == "ignored"
    session.refresh(ticket)
    assert ticket.priority == "high" and ticket.escalation_level == 0


def test_deadlines_count_business_hours_and_skip_holidays(
    session: Session, desk_factory: sessionmaker[Session]
) -> None:
    calendar = policies.create_calendar(
        session,
        CalendarCreate(
            name=f"berlin-{uuid.uuid4().hex[:6]}",
            timezone="Europe/Berlin",
            hours={d: [("09:00", "17:00")] for d in ("mon", "tue", "wed", "thu", "fri")},
            holidays=[datetime(2026, 12, 7).date()],
        ),
    )
    policy = policies.create_policy(
        session,
        PolicyCreate(
            name=f"sms-urgent-{uuid.uuid4().hex[:6]}",
            priority="urgent",
            channel="sms",
            first_response_minutes=90,
            remind_before_minutes=30,
            calendar_id=calendar.id,
        ),
    )
    try:
        friday_1630_berlin = SettableClock(datetime(2026, 12, 4, 15, 30, tzinfo=UTC))
        runtime = DeskRuntime(clock=friday_1630_berlin, timers=RecordingScheduler())
        ticket = services.create_ticket(
            session, runtime, TicketCreate(subject="Outage", priority="urgent", channel="sms"), Actor("x")
        )
        timer = timer_of(session, ticket.id, "first_response")
        assert timer.due_at == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)  # Tuesday 10:00: Monday is a holiday
        assert timer.remind_at == datetime(2026, 12, 8, 8, 30, tzinfo=UTC)
        assert runtime.timers.scheduled == []  # days away: the periodic re-arm queues it when it is near
    finally:
        policy.active = False
        session.commit()
