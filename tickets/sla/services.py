"""SLA timers: start them with a ticket, stop them on replies and solving, fire them when due.

:func:`fire_timer` is what the Celery job runs. It locks the timer row and compares the clock with
the stored deadlines, so a job that arrives early, late, twice or after a restart does the right
thing exactly once: reminder, then breach with escalation to the group's lead.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from config.models import AuditEntry, User
from tickets.desk import history
from tickets.desk.events import SlaNotice
from tickets.desk.models import PRIORITY_ORDER, Group, Ticket, TicketPriority
from tickets.desk.outbox import DeskRuntime, NoticeMail, commit, outbox
from tickets.sla.business_time import BusinessHours
from tickets.sla.clock import as_utc
from tickets.sla.models import (
    ACTIVE_TIMER_STATES,
    LIVE_TIMER_STATES,
    BusinessCalendar,
    Holiday,
    SlaPolicy,
    SlaTarget,
    SlaTimer,
    TimerState,
)

# Jobs are queued only this far ahead: Redis redelivers unacknowledged jobs after the broker's
# visibility timeout (an hour), so later deadlines are armed by the periodic re-arm instead.
ARM_WINDOW = timedelta(minutes=50)
# A deadline this far in the past with no outcome means its job was lost: fire it now.
LOST_JOB_GRACE = timedelta(minutes=1)
SYSTEM_ACTOR = "sla"


def resolve_policy(session: Session, priority: str, channel: str) -> SlaPolicy | None:
    """The active policy for this priority and channel; priority+channel beats either beats neither."""
    candidates = session.scalars(
        select(SlaPolicy).where(
            SlaPolicy.active.is_(True),
            or_(SlaPolicy.priority.is_(None), SlaPolicy.priority == priority),
            or_(SlaPolicy.channel.is_(None), SlaPolicy.channel == channel),
        )
    ).all()

    def specificity(policy: SlaPolicy) -> tuple[int, int, int]:
        return (policy.priority is not None, policy.channel is not None, -policy.id)

    return max(candidates, key=specificity, default=None)


def business_hours(session: Session, calendar_id: int | None) -> BusinessHours:
    if calendar_id is None:
        return BusinessHours.around_the_clock()
    calendar = session.get(BusinessCalendar, calendar_id)
    if calendar is None:
        return BusinessHours.around_the_clock()
    days = session.scalars(select(Holiday.day).where(Holiday.calendar_id == calendar_id)).all()
    return BusinessHours.from_config(calendar.timezone, calendar.hours, days)


def _next_moment(timer: SlaTimer) -> datetime:
    if timer.state == TimerState.RUNNING and timer.remind_at is not None:
        return as_utc(timer.remind_at)
    return as_utc(timer.due_at)


def _arm(session: Session, timer: SlaTimer, now: datetime, *, force: bool = False) -> bool:
    """Queue a wake-up job for the timer's next moment when it falls inside the arm window."""
    moment = _next_moment(timer)
    if moment > now + ARM_WINDOW:
        return False
    armed = as_utc(timer.armed_eta) if timer.armed_eta else None
    if not force and armed == moment and moment > now - LOST_JOB_GRACE:
        return False
    timer.armed_eta = moment
    session.flush()
    outbox(session).timers.append((timer.id, moment))
    return True


def target_minutes(policy: SlaPolicy, target: SlaTarget) -> float | None:
    return {
        SlaTarget.FIRST_RESPONSE: policy.first_response_minutes,
        SlaTarget.NEXT_RESPONSE: policy.next_response_minutes,
        SlaTarget.RESOLUTION: policy.resolution_minutes,
    }[target]


def start_timer(
    session: Session,
    ticket: Ticket,
    policy: SlaPolicy,
    target: SlaTarget,
    start: datetime,
    now: datetime | None = None,
) -> SlaTimer | None:
    """A timer for ``target`` counted from ``start`` (armed as of ``now``, default ``start``)."""
    minutes = target_minutes(policy, target)
    if not minutes:
        return None
    hours = business_hours(session, policy.calendar_id)
    due = hours.add(start, minutes)
    remind = (
        hours.add(start, minutes - policy.remind_before_minutes)
        if minutes > policy.remind_before_minutes
        else None
    )
    timer = SlaTimer(
        ticket_id=ticket.id,
        policy_id=policy.id,
        target=target.value,
        started_at=start,
        remind_at=remind,
        due_at=due,
    )
    session.add(timer)
    session.flush()
    _arm(session, timer, now or start)
    return timer


def start_ticket_timers(session: Session, ticket: Ticket, now: datetime) -> list[SlaTimer]:
    """First-response and resolution timers for a new ticket, by its priority and channel."""
    policy = resolve_policy(session, ticket.priority, ticket.channel)
    if policy is None:
        return []
    timers = [
        start_timer(session, ticket, policy, target, now)
        for target in (SlaTarget.FIRST_RESPONSE, SlaTarget.RESOLUTION)
    ]
    return [t for t in timers if t is not None]


ALL_TARGETS = tuple(SlaTarget)


def active_timers(
    session: Session,
    ticket_id: int,
    targets: tuple[SlaTarget, ...],
    states: tuple[str, ...] = ACTIVE_TIMER_STATES,
) -> list[SlaTimer]:
    return list(
        session.scalars(
            select(SlaTimer).where(
                SlaTimer.ticket_id == ticket_id,
                SlaTimer.state.in_(states),
                SlaTimer.target.in_([t.value for t in targets]),
            )
        ).all()
    )


def stop_timers(
    session: Session, ticket_id: int, targets: tuple[SlaTarget, ...], now: datetime, state: TimerState
) -> int:
    """End running, reminded and paused timers as met or cancelled."""
    timers = active_timers(session, ticket_id, targets, LIVE_TIMER_STATES)
    for timer in timers:
        timer.state, timer.stopped_at = state.value, now
    return len(timers)


def pause_timers(session: Session, ticket_id: int, now: datetime) -> int:
    """The ticket waits on the customer: its clocks stop (a queued wake-up finds nothing to do)."""
    timers = active_timers(session, ticket_id, ALL_TARGETS)
    for timer in timers:
        timer.state, timer.paused_at = TimerState.PAUSED.value, now
    return len(timers)


def _left(hours: BusinessHours, paused_at: datetime, moment: datetime) -> float:
    """Business minutes that were still to run from the pause until ``moment``."""
    return hours.elapsed(paused_at, moment).total_seconds() / 60


def resume_timers(session: Session, ticket_id: int, now: datetime) -> int:
    """The customer is back: paused clocks run again from ``now`` with the time they had left."""
    timers = active_timers(session, ticket_id, ALL_TARGETS, (TimerState.PAUSED.value,))
    for timer in timers:
        policy = session.get(SlaPolicy, timer.policy_id) if timer.policy_id else None
        hours = business_hours(session, policy.calendar_id if policy else None)
        paused_at = as_utc(timer.paused_at or now)
        timer.due_at = hours.add(now, _left(hours, paused_at, as_utc(timer.due_at)))
        if timer.remind_at is not None and timer.reminded_at is None:
            timer.remind_at = hours.add(now, _left(hours, paused_at, as_utc(timer.remind_at)))
        timer.state = (TimerState.REMINDED if timer.reminded_at else TimerState.RUNNING).value
        timer.paused_at = None
        _arm(session, timer, now, force=True)
    return len(timers)


def record_agent_response(session: Session, ticket: Ticket, now: datetime) -> None:
    """A public reply meets the first-response and next-response targets."""
    stop_timers(session, ticket.id, (SlaTarget.FIRST_RESPONSE, SlaTarget.NEXT_RESPONSE), now, TimerState.MET)


def record_customer_message(session: Session, ticket: Ticket, now: datetime) -> SlaTimer | None:
    """After the first reply, a customer's new message starts the next-response clock."""
    if ticket.first_response_at is None or active_timers(session, ticket.id, (SlaTarget.NEXT_RESPONSE,)):
        return None
    policy = resolve_policy(session, ticket.priority, ticket.channel)
    return start_timer(session, ticket, policy, SlaTarget.NEXT_RESPONSE, now) if policy else None


def _notify(
    session: Session, agent_id: int | None, ticket: Ticket, timer: SlaTimer, kind: str, text: str
) -> None:
    """Tell the agent, the ticket's group and supervisors live; e-mail the agent when they have an
    address (sent after the commit, when the runtime has a mailer: outbound notice mail set up)."""
    due = as_utc(timer.due_at)
    outbox(session).events.append(
        SlaNotice(
            kind=kind,
            ticket_id=ticket.id,
            subject=ticket.subject,
            target=timer.target,
            due_at=due,
            agent_id=agent_id,
            group_id=ticket.group_id,
            priority=ticket.priority,
            escalation_level=ticket.escalation_level,
            text=text,
        )
    )
    user = session.get(User, agent_id) if agent_id is not None else None
    if user is not None and user.email and user.is_active:
        what = "SLA reminder" if kind == "reminder" else "Escalated"
        body = (
            f"{text}\n\nTicket {ticket.id}: {ticket.subject}\nPriority: {ticket.priority}\n"
            f"Target: {timer.target.replace('_', ' ')}, due {due:%Y-%m-%d %H:%M} UTC\n"
        )
        outbox(session).mails.append(
            NoticeMail(
                to=user.email, subject=f"[{what}] ticket {ticket.id}: {ticket.subject}"[:300], body=body
            )
        )


def _group_lead(session: Session, ticket: Ticket) -> int | None:
    group = session.get(Group, ticket.group_id) if ticket.group_id else None
    return group.lead_id if group else None


def _remind(session: Session, timer: SlaTimer, ticket: Ticket, now: datetime) -> None:
    timer.state, timer.reminded_at = TimerState.REMINDED.value, now
    due = as_utc(timer.due_at)
    details = {
        "target": timer.target,
        "due_at": due.isoformat(),
        "minutes_left": round((due - now).total_seconds() / 60, 2),
    }
    history.record(session, ticket, SYSTEM_ACTOR, "sla_reminder", details)
    who = ticket.assignee_id or _group_lead(session, ticket)
    text = f"{timer.target.replace('_', ' ')} due at {due:%H:%M} UTC"
    _notify(session, who, ticket, timer, "reminder", text)


def _escalate(session: Session, timer: SlaTimer, ticket: Ticket, now: datetime) -> None:
    """At a breach: raise the priority one step and hand the ticket to the group's lead."""
    timer.state, timer.breached_at = TimerState.BREACHED.value, now
    old_priority, old_assignee = ticket.priority, ticket.assignee_id
    rank = PRIORITY_ORDER.index(TicketPriority(ticket.priority))
    ticket.priority = PRIORITY_ORDER[min(rank + 1, len(PRIORITY_ORDER) - 1)].value
    lead = _group_lead(session, ticket)
    if lead is not None:
        ticket.assignee_id = lead
    ticket.escalation_level += 1
    ticket.updated_at = now
    details = {
        "target": timer.target,
        "due_at": as_utc(timer.due_at).isoformat(),
        "breached_at": now.isoformat(),
        "priority": [old_priority, ticket.priority],
        "assignee_id": [old_assignee, ticket.assignee_id],
        "level": ticket.escalation_level,
    }
    history.record(session, ticket, SYSTEM_ACTOR, "sla_breached", {"target": timer.target})
    history.record(session, ticket, SYSTEM_ACTOR, "escalated", details)
    session.add(
        AuditEntry(
            actor=SYSTEM_ACTOR, action="ticket.escalated", target=f"ticket:{ticket.id}", details=details
        )
    )
    text = f"ticket {ticket.id} breached its {timer.target.replace('_', ' ')} target"
    _notify(session, lead if lead is not None else ticket.assignee_id, ticket, timer, "escalation", text)


def fire_timer(session: Session, timer_id: int, runtime: DeskRuntime) -> str:
    """Act on timer ``timer_id`` if (and only if) its moment has come; returns what it did."""
    timer = session.get(SlaTimer, timer_id, with_for_update=True)
    if timer is None or timer.state not in ACTIVE_TIMER_STATES:
        session.rollback()
        return "ignored"
    ticket = session.get(Ticket, timer.ticket_id)
    assert ticket is not None  # the timer row cascades with its ticket
    now = runtime.clock.now()
    if now >= as_utc(timer.due_at):
        _escalate(session, timer, ticket, now)
        outcome = "breached"
    elif timer.state == TimerState.RUNNING and timer.remind_at is not None and now >= as_utc(timer.remind_at):
        _remind(session, timer, ticket, now)
        _arm(session, timer, now, force=True)
        outcome = "reminded"
    else:  # woke early (clock skew, a stale duplicate): make sure the real moment is armed
        _arm(session, timer, now)
        outcome = "early"
    commit(session, runtime)
    return outcome


def rearm_timers(session: Session, runtime: DeskRuntime, *, force: bool = False) -> int:
    """Queue jobs for active timers coming due within the window (all of them when ``force``).

    Workers run this on start (``force``: jobs a killed worker held are gone from its memory) and
    every few minutes (arms later deadlines as they come into the window; refires lost ones).
    """
    now = runtime.clock.now()
    horizon = now + ARM_WINDOW
    timers = session.scalars(
        select(SlaTimer)
        .where(SlaTimer.state.in_(ACTIVE_TIMER_STATES))
        .where(or_(SlaTimer.due_at <= horizon, SlaTimer.remind_at <= horizon))
    ).all()
    armed = sum(_arm(session, timer, now, force=force) for timer in timers)
    commit(session, runtime)
    return armed


def _retarget(
    session: Session, timer: SlaTimer, policy: SlaPolicy, minutes: float, now: datetime
) -> dict[str, Any]:
    """Move a live timer to ``policy``'s minutes, keeping its start and the time it spent paused."""
    old_policy = session.get(SlaPolicy, timer.policy_id) if timer.policy_id else None
    old_due = as_utc(timer.due_at)
    paused_for = 0.0
    if old_policy is not None:
        old_minutes = target_minutes(old_policy, SlaTarget(timer.target)) or 0.0
        old_hours = business_hours(session, old_policy.calendar_id)
        counted = old_hours.elapsed(as_utc(timer.started_at), old_due).total_seconds() / 60
        paused_for = max(0.0, counted - old_minutes)  # resumes pushed the deadline this far
    hours = business_hours(session, policy.calendar_id)
    start = as_utc(timer.started_at)
    timer.due_at = hours.add(start, minutes + paused_for)
    if timer.reminded_at is None:
        timer.remind_at = (
            hours.add(start, minutes - policy.remind_before_minutes + paused_for)
            if minutes > policy.remind_before_minutes
            else None
        )
    timer.policy_id = policy.id
    if timer.state in ACTIVE_TIMER_STATES:
        _arm(session, timer, now, force=True)
    return {"target": timer.target, "due_at": [old_due.isoformat(), as_utc(timer.due_at).isoformat()]}


def retarget_timers(session: Session, ticket: Ticket, now: datetime) -> list[dict[str, Any]]:
    """The ticket's priority changed: its live timers take the targets of the policy now in force.

    A live timer keeps its start (and its paused time) and gets the new policy's deadline and
    reminder, re-armed at once (a job queued for the old moment wakes early and does nothing); a
    target the new policy lacks is cancelled; a target no timer counts yet (first response before
    the first reply, resolution) starts counting from the ticket's creation, as helpdesks measure
    it. Escalation raises the priority itself and does not come here: the breach is the news.
    Returns what moved.
    """
    if ticket.status in ("solved", "closed"):
        return []
    policy = resolve_policy(session, ticket.priority, ticket.channel)
    changes: list[dict[str, Any]] = []
    # Targets already counted (running, paused, met, breached) are not started again.
    seen = {
        SlaTarget(t)
        for t in session.scalars(
            select(SlaTimer.target).where(
                SlaTimer.ticket_id == ticket.id, SlaTimer.state != TimerState.CANCELLED.value
            )
        ).all()
    }
    for timer in active_timers(session, ticket.id, ALL_TARGETS, LIVE_TIMER_STATES):
        if policy is not None and timer.policy_id == policy.id:
            continue
        minutes = target_minutes(policy, SlaTarget(timer.target)) if policy is not None else None
        if not minutes or policy is None:
            timer.state, timer.stopped_at = TimerState.CANCELLED.value, now
            changes.append({"target": timer.target, "cancelled": True})
            continue
        changes.append(_retarget(session, timer, policy, minutes, now))
    if policy is None:
        return changes
    wanted = [SlaTarget.RESOLUTION] + ([SlaTarget.FIRST_RESPONSE] if ticket.first_response_at is None else [])
    for target in wanted:
        if target in seen:
            continue
        started = start_timer(session, ticket, policy, target, as_utc(ticket.created_at), now)
        if started is None:
            continue
        if ticket.status == "pending":  # waiting on the customer: it starts paused, like the others
            started.state, started.paused_at = TimerState.PAUSED.value, now
        due = as_utc(started.due_at).isoformat()
        changes.append({"target": target.value, "started": True, "due_at": due})
    return changes
