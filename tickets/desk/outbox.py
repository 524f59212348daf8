"""Side effects that must wait for a commit: live events, SLA timers, webhooks, surveys, notice mails,
and the customer's word that their ticket moved.

Services queue them on the session while they work and :func:`commit` sends them once the rows
are durable, so a console or webhook never hears of a ticket the database rolled back.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from config.errors import VoxdeskError
from config.events import Event
from tickets.desk.contact_rules import TextTicketRules
from tickets.desk.models import TicketHistory
from tickets.sla.clock import Clock, SystemClock

log = logging.getLogger(__name__)


class EventSink(Protocol):
    def publish(self, event: Event) -> int: ...


class TimerScheduler(Protocol):
    def schedule(self, timer_id: int, eta: datetime) -> None:
        """Wake a worker at ``eta`` to look at SLA timer ``timer_id``."""
        ...


class DeliveryQueue(Protocol):
    def enqueue(self, delivery_id: int) -> None:
        """Send webhook delivery ``delivery_id`` soon."""
        ...


@dataclass(frozen=True)
class SurveyRequest:
    """A solved ticket whose customer gets a CSAT survey once the solve is committed."""

    ticket_id: int
    conversation_id: int
    agent_id: int | None


class SurveyOffer(Protocol):
    def offer(self, session: Session, request: SurveyRequest) -> None:
        """Create the survey and schedule its link (tickets.csat); may commit ``session``."""
        ...


# What the customer is told when one unit of work moves their ticket several ways at once (the last
# task done also ends its step and solves the ticket): the biggest move only, so one message.
MOVE_RANK = {"task_done": 1, "step_done": 2, "solved": 3}


@dataclass(frozen=True)
class TicketMove:
    """A move the customer hears of: a task done, a step of the flow done, the ticket solved.

    ``history_id`` is the ticket history entry that recorded it, so a job that runs twice still
    tells the customer once, while a ticket solved again after reopening is a move of its own.
    """

    ticket_id: int
    kind: str
    history_id: int


class ProgressNotifier(Protocol):
    def notify(self, move: TicketMove) -> None:
        """Schedule the message to the customer (tickets.progress); must not raise for a broker outage."""
        ...


@dataclass(frozen=True)
class NoticeMail:
    """A plain-text e-mail to an agent or lead (an SLA reminder, an escalation)."""

    to: str
    subject: str
    body: str


class NoticeMailer(Protocol):
    def send(self, mail: NoticeMail) -> None:
        """Send ``mail`` now; raises a VoxdeskError when the relay refuses it."""
        ...


@dataclass
class DeskRuntime:
    """What services need besides the session: the clock, where side effects go, the ticket rules.

    ``text_rules`` decides which new text contacts open a ticket (None: every one does, without a
    group); ``mailer`` e-mails SLA notices (None: outbound notice mail is not configured).
    """

    clock: Clock = field(default_factory=SystemClock)
    events: EventSink | None = None
    timers: TimerScheduler | None = None
    deliveries: DeliveryQueue | None = None
    surveys: SurveyOffer | None = None
    text_rules: TextTicketRules | None = None
    mailer: NoticeMailer | None = None
    progress: ProgressNotifier | None = None


@dataclass
class Outbox:
    events: list[Event] = field(default_factory=list)
    timers: list[tuple[int, datetime]] = field(default_factory=list)
    deliveries: list[int] = field(default_factory=list)
    surveys: list[SurveyRequest] = field(default_factory=list)
    mails: list[NoticeMail] = field(default_factory=list)
    moves: list[tuple[str, TicketHistory]] = field(default_factory=list)


def outbox(session: Session) -> Outbox:
    box = session.info.get("desk_outbox")
    if box is None:
        box = session.info["desk_outbox"] = Outbox()
    return box


def queue_move(session: Session, kind: str, entry: TicketHistory) -> None:
    """Tell the ticket's customer about ``kind`` (a key of MOVE_RANK) once ``entry`` is committed."""
    outbox(session).moves.append((kind, entry))


def biggest_moves(moves: list[tuple[str, TicketHistory]]) -> list[TicketMove]:
    """One move per ticket, the biggest of those queued (ids read after the commit)."""
    chosen: dict[int, TicketMove] = {}
    for kind, entry in moves:
        move = TicketMove(entry.ticket_id, kind, entry.id)
        held = chosen.get(move.ticket_id)
        if held is None or MOVE_RANK[kind] > MOVE_RANK[held.kind]:
            chosen[move.ticket_id] = move
    return list(chosen.values())


def commit(session: Session, runtime: DeskRuntime) -> None:
    """Commit the unit of work, then send what it queued (a failed send is logged, not raised)."""
    try:
        session.commit()
    except BaseException:
        session.rollback()
        session.info.pop("desk_outbox", None)
        raise
    box: Outbox = session.info.pop("desk_outbox", None) or Outbox()
    for event in box.events:
        if runtime.events is not None:
            try:
                runtime.events.publish(event)
            except VoxdeskError as exc:  # the row is saved; consoles catch up from history
                log.warning("live event %s not published: %s", event.event_type, exc)
    for timer_id, eta in box.timers:
        if runtime.timers is not None:
            runtime.timers.schedule(timer_id, eta)
    for delivery_id in box.deliveries:
        if runtime.deliveries is not None:
            runtime.deliveries.enqueue(delivery_id)
    for mail in box.mails:
        if runtime.mailer is not None:
            try:
                runtime.mailer.send(mail)
            except VoxdeskError as exc:  # the notice is in history and on the console already
                log.warning("notice mail %r not sent: %s", mail.subject, exc)
    if runtime.progress is not None:
        for move in biggest_moves(box.moves):
            runtime.progress.notify(move)
    for request in box.surveys:
        if runtime.surveys is not None:
            try:
                runtime.surveys.offer(session, request)
            except VoxdeskError as exc:  # no phone or e-mail, broker down: the ticket stays solved
                session.rollback()
                log.warning("no CSAT survey for ticket %s: %s", request.ticket_id, exc)
