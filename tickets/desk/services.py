"""Ticket services: create, list, update, notes with mentions, history.

Each service is one unit of work: it checks, writes, records history and commits through
:func:`tickets.desk.outbox.commit`, which then sends live events, SLA timer jobs and webhooks.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, cast, func, select
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from config.models import User
from qa.pci import redact_text
from tickets import textsearch
from tickets.conversations.models import Conversation
from tickets.desk import history
from tickets.desk.custom_fields import validate_custom_fields
from tickets.desk.events import AgentNotified
from tickets.desk.exceptions import ConflictError, InvalidInputError, NotFoundError
from tickets.desk.groups import require_group, require_user
from tickets.desk.models import (
    FINISHED_TASK_STATUSES,
    OPEN_STATUSES,
    Ticket,
    TicketHistory,
    TicketNote,
    TicketSource,
    TicketStatus,
    TicketTask,
)
from tickets.desk.outbox import DeskRuntime, SurveyRequest, commit, outbox, queue_move
from tickets.desk.replies import TEXT_CHANNELS, CustomerReplies
from tickets.desk.schemas import NoteCreate, TicketCreate, TicketFilters, TicketPublic, TicketUpdate
from tickets.sla import services as sla
from tickets.sla.models import SlaTarget, TimerState

MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9_.\-]{1,64})")
ALLOWED_TRANSITIONS: dict[TicketStatus, set[TicketStatus]] = {
    TicketStatus.NEW: {TicketStatus.OPEN, TicketStatus.PENDING, TicketStatus.SOLVED},
    TicketStatus.OPEN: {TicketStatus.PENDING, TicketStatus.SOLVED},
    TicketStatus.PENDING: {TicketStatus.OPEN, TicketStatus.SOLVED},
    TicketStatus.SOLVED: {TicketStatus.OPEN, TicketStatus.CLOSED},
    TicketStatus.CLOSED: set(),
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a signed-in user, or a system part such as ``sla`` or ``ivr``."""

    name: str
    user_id: int | None = None


def search_text_for(ticket: Ticket) -> str:
    return textsearch.search_document(ticket.subject, ticket.description, " ".join(ticket.tags or []))


def get_ticket(session: Session, ticket_id: int) -> Ticket:
    ticket = session.get(Ticket, ticket_id)
    if ticket is None:
        raise NotFoundError(f"ticket {ticket_id} does not exist")
    return ticket


def _check_references(session: Session, customer_id: int | None, conversation_id: int | None) -> None:
    from tickets.customers.models import Customer

    if customer_id is not None and session.get(Customer, customer_id) is None:
        raise InvalidInputError(f"customer {customer_id} does not exist")
    if conversation_id is not None and session.get(Conversation, conversation_id) is None:
        raise InvalidInputError(f"conversation {conversation_id} does not exist")


# Ticket fields that may hold what a customer wrote or said, with their column's length.
CUSTOMER_TEXT = {"subject": 300, "description": 20_000}


def _without_card_data(fields: dict[str, Any]) -> dict[str, Any]:
    """The customer-text fields among ``fields`` with card data masked (a mask may be longer than
    what it hides, hence the cut to the column's length)."""
    return {
        key: redact_text(fields[key])[:limit]
        for key, limit in CUSTOMER_TEXT.items()
        if isinstance(fields.get(key), str)
    }


def create_ticket(
    session: Session,
    runtime: DeskRuntime,
    data: TicketCreate,
    actor: Actor,
    *,
    source: TicketSource = TicketSource.AGENT,
    extra: dict[str, Any] | None = None,
    commit_now: bool = True,
) -> Ticket:
    """Open a ticket, start its SLA timers and log it; ``extra`` sets source-specific columns."""
    require_user(session, data.assignee_id, "assignee")
    require_group(session, data.group_id)
    _check_references(session, data.customer_id, data.conversation_id)
    validate_custom_fields(session, data.business_area, data.custom_fields, check_required=True)
    now = runtime.clock.now()
    columns = data.model_dump(mode="json") | {
        "source": source.value,
        "status": (TicketStatus.OPEN if data.assignee_id else TicketStatus.NEW).value,
        "created_by": actor.name[:64],
        "created_at": now,
        "updated_at": now,
    }
    columns |= _without_card_data(columns)
    ticket = Ticket(**(columns | (extra or {})))
    ticket.search_text = search_text_for(ticket)
    session.add(ticket)
    session.flush()
    history.record(session, ticket, actor.name, "created", {"source": source.value})
    sla.start_ticket_timers(session, ticket, now)
    if commit_now:
        commit(session, runtime)
    return ticket


def text_condition(column: Any, dialect: str, query: str) -> ColumnElement[bool] | None:
    """All of the query's tokens appear in a derived search column (None: nothing to search for)."""
    tokens = textsearch.query_tokens(query)
    if not tokens:
        return None
    if dialect == "postgresql":
        vector = func.array_to_tsvector(func.string_to_array(column, " "))
        return vector.op("@@")(cast(textsearch.postgres_tsquery(tokens), TSQUERY))
    padded = " " + column + " "
    return and_(*(padded.like(f"% {t} %") for t in tokens))


# What a ticket list shows (TicketPublic), not the derived search column; plain rows, no ORM objects.
LISTED_COLUMNS = tuple(Ticket.__table__.c[name] for name in TicketPublic.model_fields)


def list_tickets(
    session: Session, filters: TicketFilters, visible: ColumnElement[bool] | None = None
) -> tuple[Sequence[Row[Any]], bool]:
    """A page of tickets matching ``filters`` (and ``visible``, the user's access rule), newest
    first, and whether more follow."""
    query = select(*LISTED_COLUMNS)
    if visible is not None:
        query = query.where(visible)
    if filters.status:
        query = query.where(Ticket.status.in_([s.value for s in filters.status]))
    for column, value in (
        (Ticket.priority, filters.priority),
        (Ticket.group_id, filters.group_id),
        (Ticket.assignee_id, filters.assignee_id),
        (Ticket.customer_id, filters.customer_id),
        (Ticket.business_area, filters.business_area),
    ):
        if value is not None:
            query = query.where(column == value)
    if filters.q:
        condition = text_condition(Ticket.search_text, session.get_bind().dialect.name, filters.q)
        if condition is not None:
            query = query.where(condition)
    if filters.before_id is not None:
        query = query.where(Ticket.id < filters.before_id)
    # Core rows on the session's connection: no ORM loading for a read-only page.
    rows = (
        session.connection()
        .execute(query.order_by(Ticket.id.desc()).offset(filters.offset).limit(filters.limit + 1))
        .all()
    )
    return rows[: filters.limit], len(rows) > filters.limit


def open_tasks(session: Session, ticket_id: int) -> Sequence[TicketTask]:
    return session.scalars(
        select(TicketTask).where(
            TicketTask.ticket_id == ticket_id,
            TicketTask.status.not_in([s.value for s in FINISHED_TASK_STATUSES]),
        )
    ).all()


def change_status(
    session: Session, ticket: Ticket, new: TicketStatus, actor: Actor, runtime: DeskRuntime
) -> None:
    """Move ``ticket`` to ``new`` if the life cycle allows it (solving needs every task finished)."""
    old = TicketStatus(ticket.status)
    if new == old:
        return
    if new not in ALLOWED_TRANSITIONS[old]:
        raise ConflictError(f"a {old.value} ticket cannot become {new.value}")
    now = runtime.clock.now()
    if new == TicketStatus.SOLVED:
        unfinished = open_tasks(session, ticket.id)
        if unfinished:
            names = ", ".join(f"{t.title!r} ({t.status})" for t in unfinished)
            raise ConflictError(f"ticket {ticket.id} has unfinished tasks: {names}")
        ticket.solved_at = now
        sla.stop_timers(session, ticket.id, (SlaTarget.RESOLUTION,), now, TimerState.MET)
        sla.stop_timers(
            session, ticket.id, (SlaTarget.FIRST_RESPONSE, SlaTarget.NEXT_RESPONSE), now, TimerState.CANCELLED
        )
        if ticket.conversation_id is not None:  # offered after the commit (see outbox.commit)
            survey = SurveyRequest(ticket.id, ticket.conversation_id, ticket.assignee_id)
            outbox(session).surveys.append(survey)
    elif new == TicketStatus.PENDING:  # waiting on the customer: the SLA clocks stop
        sla.pause_timers(session, ticket.id, now)
    elif new == TicketStatus.CLOSED:
        ticket.closed_at = now
    elif old == TicketStatus.SOLVED:  # reopened: the resolution clock starts again
        ticket.solved_at = None
        policy = sla.resolve_policy(session, ticket.priority, ticket.channel)
        if policy is not None:
            sla.start_timer(session, ticket, policy, SlaTarget.RESOLUTION, now)
    if old == TicketStatus.PENDING and new != TicketStatus.SOLVED:  # the customer answered
        sla.resume_timers(session, ticket.id, now)
    ticket.status = new.value
    ticket.updated_at = now
    entry = history.record(
        session, ticket, actor.name, "status_changed", {"from": old.value, "to": new.value}
    )
    if new == TicketStatus.SOLVED:  # the customer is told on their channel (tickets.progress)
        queue_move(session, "solved", entry)


def update_ticket(
    session: Session, runtime: DeskRuntime, ticket_id: int, data: TicketUpdate, actor: Actor
) -> Ticket:
    """Apply the fields sent; each kind of change gets its own history entry."""
    ticket = get_ticket(session, ticket_id)
    changes = data.model_dump(exclude_unset=True, mode="json")
    changes |= _without_card_data(changes)
    for key in ("subject", "status", "priority", "business_area", "tags", "custom_fields", "description"):
        if key in changes and changes[key] is None:
            raise InvalidInputError(f"{key} cannot be null")
    if "assignee_id" in changes:
        require_user(session, changes["assignee_id"], "assignee")
    if "group_id" in changes:
        require_group(session, changes["group_id"])
    area = changes.get("business_area", ticket.business_area)
    if "custom_fields" in changes or "business_area" in changes:
        fields = changes.get("custom_fields", ticket.custom_fields)
        validate_custom_fields(session, area, fields, check_required=True)
    plain = {k: v for k, v in changes.items() if k not in ("status",)}
    updated: dict[str, list[Any]] = {}
    for key, value in plain.items():
        before = getattr(ticket, key)
        if before != value:
            updated[key] = [before, value]
            setattr(ticket, key, value)
    if updated:
        ticket.updated_at = runtime.clock.now()
        ticket.search_text = search_text_for(ticket)
        action = "assigned" if set(updated) <= {"assignee_id", "group_id"} else "updated"
        history.record(session, ticket, actor.name, action, {"changes": updated})
        if "assignee_id" in updated and ticket.assignee_id and ticket.status == TicketStatus.NEW:
            change_status(session, ticket, TicketStatus.OPEN, actor, runtime)
        if "priority" in updated:  # the targets of the new priority's policy apply from now on
            retargeted = sla.retarget_timers(session, ticket, runtime.clock.now())
            if retargeted:
                history.record(session, ticket, actor.name, "sla_retargeted", {"timers": retargeted})
    if "status" in changes:
        change_status(session, ticket, TicketStatus(changes["status"]), actor, runtime)
    commit(session, runtime)
    return ticket


def _mentioned_users(session: Session, body: str) -> list[User]:
    names = {m.group(1).rstrip(".") for m in MENTION.finditer(body)}
    if not names:
        return []
    return list(session.scalars(select(User).where(User.username.in_(names), User.is_active.is_(True))))


def _responded(session: Session, ticket: Ticket, actor: Actor, runtime: DeskRuntime, now: datetime) -> None:
    """The customer got an agent's answer: first response (once), SLA response targets met."""
    ticket.first_response_at = ticket.first_response_at or now
    sla.record_agent_response(session, ticket, now)
    if ticket.status == TicketStatus.NEW:
        change_status(session, ticket, TicketStatus.OPEN, actor, runtime)
    ticket.updated_at = now


def customer_conversation(session: Session, ticket: Ticket) -> Conversation:
    """The text conversation a public reply on ``ticket`` goes out on (ConflictError: none)."""
    conversation = session.get(Conversation, ticket.conversation_id) if ticket.conversation_id else None
    if conversation is None or conversation.channel not in TEXT_CHANNELS:
        raise ConflictError(
            f"ticket {ticket.id} has no e-mail, chat, SMS or messaging conversation to reach the "
            "customer on: add an internal note, or answer the customer on their channel"
        )
    return conversation


def add_note(
    session: Session,
    runtime: DeskRuntime,
    ticket_id: int,
    data: NoteCreate,
    actor: Actor,
    replies: CustomerReplies | None = None,
) -> TicketNote:
    """An internal note or a public reply; ``@username`` notifies that agent.

    A public reply is sent to the customer on the ticket's conversation channel (through
    ``replies``) before it is kept: only a reply that went out is the ticket's response. Internal
    notes never leave the desk.
    """
    ticket = get_ticket(session, ticket_id)
    message_id: int | None = None
    if not data.internal:
        conversation = customer_conversation(session, ticket)
        if replies is None:
            raise ConflictError("public replies cannot be sent from here: no channel is set up")
        message = replies.send_reply(session, conversation, data.body, actor.user_id, actor.name)
        message_id = message.id
    now = runtime.clock.now()
    body = redact_text(data.body)  # a note may quote the customer: no card data kept or notified
    mentioned = _mentioned_users(session, body)
    note = TicketNote(
        ticket_id=ticket.id,
        author=actor.name[:64],
        author_id=actor.user_id,
        body=body,
        internal=data.internal,
        mentions=[u.id for u in mentioned],
        created_at=now,
    )
    session.add(note)
    session.flush()
    for user in mentioned:
        outbox(session).events.append(
            AgentNotified(agent_id=user.id, ticket_id=ticket.id, reason="mention", text=body[:200])
        )
    if not data.internal and actor.user_id is not None:
        _responded(session, ticket, actor, runtime, now)
    ticket.updated_at = now
    kind = "note_added" if data.internal else "replied"
    details: dict[str, Any] = {"note_id": note.id, "mentions": note.mentions}
    if message_id is not None:
        details["message_id"] = message_id
    history.record(session, ticket, actor.name, kind, details)
    commit(session, runtime)
    return note


def agent_replied(
    session: Session, runtime: DeskRuntime, conversation_id: int, message_id: int, actor: Actor
) -> list[int]:
    """An agent's reply went out on a conversation: each of its open tickets got its response.

    Returns the ids of those tickets. Called after the channel delivered the reply (a reply kept as
    not sent is no response).
    """
    tickets = session.scalars(
        select(Ticket).where(
            Ticket.conversation_id == conversation_id,
            Ticket.status.in_([s.value for s in OPEN_STATUSES]),
        )
    ).all()
    now = runtime.clock.now()
    for ticket in tickets:
        _responded(session, ticket, actor, runtime, now)
        history.record(session, ticket, actor.name, "replied", {"message_id": message_id})
    commit(session, runtime)
    return [t.id for t in tickets]


def record_customer_message(session: Session, runtime: DeskRuntime, ticket_id: int, actor: Actor) -> Ticket:
    """The customer wrote again: reopen a pending ticket and start the next-response clock."""
    ticket = get_ticket(session, ticket_id)
    if ticket.status in (TicketStatus.PENDING, TicketStatus.SOLVED):
        change_status(session, ticket, TicketStatus.OPEN, actor, runtime)
    sla.record_customer_message(session, ticket, runtime.clock.now())
    commit(session, runtime)
    return ticket


def list_notes(session: Session, ticket_id: int, *, include_internal: bool = True) -> Sequence[TicketNote]:
    get_ticket(session, ticket_id)
    query = select(TicketNote).where(TicketNote.ticket_id == ticket_id)
    if not include_internal:
        query = query.where(TicketNote.internal.is_(False))
    return session.scalars(query.order_by(TicketNote.id)).all()


def list_history(session: Session, ticket_id: int) -> Sequence[TicketHistory]:
    get_ticket(session, ticket_id)
    return session.scalars(
        select(TicketHistory).where(TicketHistory.ticket_id == ticket_id).order_by(TicketHistory.id)
    ).all()
