"""An SLA timer survives a Celery worker killed mid-way: a new worker re-arms it and it still fires."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.jobs import create_celery
from config.models import AuditEntry, Role
from desk.celery_worker import Worker, wait_for
from desk.desk_helpers import make_user
from tickets.desk import groups, services
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import GroupCreate, TicketCreate
from tickets.desk.services import Actor
from tickets.sla import policies
from tickets.sla.clock import SystemClock
from tickets.sla.models import SlaTimer
from tickets.sla.schemas import PolicyCreate
from tickets.sla.tasks import CeleryTimerScheduler

pytestmark = pytest.mark.integration


def test_a_timer_held_by_a_killed_worker_still_breaches_through_the_next_worker(
    desk_pg_url: str, desk_factory: sessionmaker[Session], broker: str, tmp_path: Path
) -> None:
    lead = make_user(desk_factory, Role.SUPERVISOR, "lead")
    workers = [Worker("first", desk_pg_url, broker, tmp_path)]
    with desk_factory() as session:
        policy = policies.create_policy(
            session,
            PolicyCreate(
                name=f"wechat-low-{uuid.uuid4().hex[:6]}",
                priority="low",
                channel="wechat",
                resolution_minutes=14 / 60,
                remind_before_minutes=9 / 60,
            ),  # remind at +5 s, due at +14 s: the first worker is killed in between, holding the breach
        )
        try:
            workers[0].wait_ready()
            runtime = DeskRuntime(clock=SystemClock(), timers=CeleryTimerScheduler(create_celery(broker)))
            team = groups.create_group(
                session, GroupCreate(name=f"wechat-{uuid.uuid4().hex[:6]}", lead_id=lead.id)
            )
            ticket = services.create_ticket(
                session,
                runtime,
                TicketCreate(subject="Machine 7 offline", priority="low", channel="wechat", group_id=team.id),
                Actor("bot"),
            )
            timer = session.scalar(select(SlaTimer).where(SlaTimer.ticket_id == ticket.id))
            assert timer is not None

            def state() -> str:
                session.expire_all()
                current = session.get(SlaTimer, timer.id)
                assert current is not None
                return current.state

            wait_for(lambda: state() == "reminded", 40, "the first worker never sent the reminder")
            workers[0].kill()  # it held the breach job in memory, unacknowledged
            assert state() == "reminded"

            workers.append(Worker("second", desk_pg_url, broker, tmp_path))
            wait_for(lambda: state() == "breached", 90, "the breach never fired after the restart")

            session.expire_all()
            session.refresh(ticket)
            assert ticket.priority == "normal" and ticket.assignee_id == lead.id
            actions = [h.action for h in services.list_history(session, ticket.id)]
            assert actions.count("sla_reminder") == 1 and actions.count("escalated") == 1
            assert (
                session.scalar(select(AuditEntry).where(AuditEntry.target == f"ticket:{ticket.id}"))
                is not None
            )
            assert "voxdesk.sla.fire_timer" in workers[1].log.read_text(errors="replace")
        finally:
            for worker in workers:
                worker.stop()
            policy.active = False
            session.commit()
