"""A customer's written message: the desk's side of it (a new contact opens a ticket, a reply updates it).

``tickets.conversations.services.add_message`` calls :func:`customer_wrote` for every inbound
customer message it stores (chat, e-mail, SMS, WeChat; not call transcript segments). When the
conversation has a live ticket (new, open, pending or solved) the message reaches it: the
next-response clock starts and a pending or solved ticket reopens, whichever channel the answer
came on. Otherwise the message is a new contact and the text ticket rules decide whether it opens a
ticket (see :mod:`tickets.desk.contact_rules`); a closed ticket is finished, so a message after it
opens a new one, as helpdesks do with follow-ups.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from config.errors import VoxdeskError
from config.events import Notifier
from tickets.conversations.models import Conversation, Message
from tickets.desk import history
from tickets.desk.contact_rules import (
    EveryNewContactOpensATicket,
    TextContact,
    group_id_named,
    text_rules_from_settings,
)
from tickets.desk.models import OPEN_STATUSES, Ticket, TicketStatus
from tickets.desk.outbox import DeskRuntime, commit
from tickets.desk.services import Actor, record_customer_message
from tickets.desk.sources import create_ticket_from_message

log = logging.getLogger(__name__)
CUSTOMER_ACTOR = Actor("customer")
# Tickets a customer's message belongs to: a solved one reopens; a closed one is done.
LIVE_STATUSES = (*OPEN_STATUSES, TicketStatus.SOLVED)


@lru_cache(maxsize=1)
def _job_sinks() -> DeskRuntime:
    from config.jobs import celery_app  # late: storing a message must not need the broker to import
    from config.settings import load_settings
    from tickets.desk.surveys import CsatSurveys, enqueue_on
    from tickets.progress.notices import ProgressNotices
    from tickets.sla.tasks import CeleryDeliveryQueue, CeleryTimerScheduler

    settings = load_settings()
    return DeskRuntime(
        timers=CeleryTimerScheduler(celery_app),
        deliveries=CeleryDeliveryQueue(celery_app),
        surveys=CsatSurveys(enqueue_on(celery_app)),
        progress=ProgressNotices(celery_app),
        text_rules=text_rules_from_settings(settings.desk.text_ticket_groups, settings.data_dir),
    )


def default_runtime(notifier: Notifier | None) -> DeskRuntime:
    """System clock, live events on ``notifier``, timers, webhooks and ticket rules from settings."""
    sinks = _job_sinks()
    return DeskRuntime(
        events=notifier,
        timers=sinks.timers,
        deliveries=sinks.deliveries,
        surveys=sinks.surveys,
        progress=sinks.progress,
        text_rules=sinks.text_rules,
    )


def live_ticket_ids(session: Session, conversation_id: int) -> list[int]:
    return list(
        session.scalars(
            select(Ticket.id)
            .where(
                Ticket.conversation_id == conversation_id,
                Ticket.status.in_([s.value for s in LIVE_STATUSES]),
            )
            .order_by(Ticket.id)
        ).all()
    )


def customer_wrote(
    session: Session,
    message: Message,
    runtime: DeskRuntime | None = None,
    notifier: Notifier | None = None,
) -> list[int]:
    """Give the stored ``message`` to its conversation's live tickets, or open one by the rules.

    Returns the ids of the tickets it reached or opened. Never raises a desk error: the message is
    stored already, and a ticket that cannot take it is logged. ``runtime`` defaults to
    :func:`default_runtime` with ``notifier`` for live events.
    """
    runtime = runtime or default_runtime(notifier)
    # Two messages of one new contact arriving at once must open one ticket: the first to lock the
    # conversation row decides, the second then finds its ticket.
    conversation = session.scalar(
        select(Conversation).where(Conversation.id == message.conversation_id).with_for_update()
    )
    if conversation is None:
        session.rollback()
        return []
    ticket_ids = live_ticket_ids(session, conversation.id)
    if not ticket_ids:
        opened = _open_for_new_contact(session, runtime, conversation, message)
        return [opened] if opened is not None else []
    for ticket_id in ticket_ids:
        try:
            record_customer_message(session, runtime, ticket_id, CUSTOMER_ACTOR)
        except VoxdeskError as exc:
            session.rollback()
            log.warning("ticket %s did not take the customer's message: %s", ticket_id, exc)
    return ticket_ids


def _open_for_new_contact(
    session: Session, runtime: DeskRuntime, conversation: Conversation, message: Message
) -> int | None:
    rules = runtime.text_rules or EveryNewContactOpensATicket()
    contact = TextContact(
        channel=conversation.channel,
        conversation_id=conversation.id,
        customer_id=conversation.customer_id,
        message_id=message.id,
        subject=conversation.subject,
        body=message.body,
    )
    try:
        plan = rules.plan_for_text(session, contact)
        if plan is None:
            session.commit()  # releases the conversation lock
            return None
        ticket = create_ticket_from_message(
            session,
            runtime,
            conversation.id,
            Actor(f"rule:{plan.rule}"[:64]),
            subject=plan.subject or _subject_of(conversation, message),
            priority=plan.priority,
            group_id=group_id_named(session, plan.group),
            business_area=plan.business_area,
            tags=plan.tags,
            message_id=message.id,
        )
        history.record(
            session, ticket, "rules", "opened_by_rule", {"rule": plan.rule, "message_id": message.id}
        )
        commit(session, runtime)
    except (VoxdeskError, ValidationError) as exc:  # a rule asking for a ticket the desk refuses
        session.rollback()
        session.info.pop("desk_outbox", None)
        log.warning("conversation %s: no ticket opened for message %s: %s", conversation.id, message.id, exc)
        return None
    return ticket.id


def _subject_of(conversation: Conversation, message: Message) -> str:
    """An e-mail's subject; for chat and SMS (whose conversation subject is just the channel's
    name) the message's first line."""
    if conversation.channel == "email" and conversation.subject.strip():
        return conversation.subject
    first_line = next((line.strip() for line in message.body.splitlines() if line.strip()), "")
    return first_line[:120] or conversation.subject or "Message"
