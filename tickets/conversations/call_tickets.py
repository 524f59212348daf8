"""Tickets for calls, by the admins' ticket rules: at hang-up, and when the agent sets a disposition.

One ticket per call: the first matching rule opens it (linked to the call's conversation, so it shows
the transcript; ``call_context`` names the recording and the call record), later matches update it.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickets.conversations.call_links import CallLink
from tickets.conversations.call_schemas import CallLinkPublic, CallSummary, TranscriptLinePublic
from tickets.conversations.exceptions import ConversationNotFoundError
from tickets.conversations.models import AuthorKind, Conversation, Direction, Message
from tickets.conversations.services import add_message, get_conversation
from tickets.conversations.voice import call_link_of, find_call_link
from tickets.customers.models import Customer
from tickets.desk.exceptions import ConflictError
from tickets.desk.models import OPEN_STATUSES, Ticket, TicketPriority
from tickets.desk.outbox import DeskRuntime
from tickets.desk.sources import CallTicketRequest, create_ticket_from_call
from tickets.rules import ContactFacts, RuleFileError, TicketAction, TicketRuleBook, combine
from tickets.rules.apply import group_id_named, update_from_action

log = logging.getLogger(__name__)


def call_facts(session: Session, link: CallLink) -> ContactFacts:
    conversation = get_conversation(session, link.conversation_id)
    segment = conversation_segment(session, conversation.customer_id)
    return ContactFacts(
        channel="voice",
        ivr_choice=link.ivr_choice,
        queue=link.queue_id,
        disposition=link.disposition,
        language=link.language,
        segment=segment,
        address=link.dialed_number or None,
        ivr_path=tuple(link.ivr_path or ()),
    )


def conversation_segment(session: Session, customer_id: int) -> str | None:
    customer = session.get(Customer, customer_id)
    return customer.segment if customer is not None else None


def call_context(link: CallLink) -> dict[str, object]:
    """What a call ticket shows of its call: where to read the record, transcript and recording."""
    return {
        "call_id": link.call_id,
        "conversation_id": link.conversation_id,
        "call_record_url": f"/api/calls/records/{link.call_id}",
        "transcript_url": f"/api/conversations/{link.conversation_id}/messages",
        "recording_name": link.recording_name,
        "ivr_path": list(link.ivr_path or []),
        "ivr_choice": link.ivr_choice,
        "queue": link.queue_id,
        "agent_id": link.agent_id,
        "outcome": link.outcome,
        "disposition": link.disposition,
    }


def tickets_of_call(session: Session, call_id: str) -> list[Ticket]:
    return list(session.scalars(select(Ticket).where(Ticket.call_id == call_id).order_by(Ticket.id)))


def _open_ticket(session: Session, runtime: DeskRuntime, link: CallLink, action: TicketAction) -> Ticket:
    conversation = get_conversation(session, link.conversation_id)
    group_id = group_id_named(session, action.group)
    if action.group and group_id is None:
        log.warning("call %s: rule %s names unknown group %r", link.call_id, action.rule, action.group)
    reason = action.subject or link.ivr_choice or link.queue_id or "call"
    ticket = create_ticket_from_call(
        session,
        runtime,
        CallTicketRequest(
            call_id=link.call_id,
            reason=reason,
            summary=f"Opened by ticket rule {action.rule}. Transcript: the call's conversation.",
            ivr_path=list(link.ivr_path or []),
            transcript_url=f"/api/conversations/{link.conversation_id}/messages",
            customer_id=conversation.customer_id,
            conversation_id=conversation.id,
            priority=action.priority or TicketPriority.NORMAL,
            business_area=action.business_area or "general",
            group_id=group_id,
            tags=action.all_tags,
        ),
    )
    ticket.call_context = {**(ticket.call_context or {}), **call_context(link), "rule": action.rule}
    session.commit()
    return ticket


def apply_call_rules(
    session: Session, runtime: DeskRuntime, call_id: str, book: TicketRuleBook, *, disposition: bool
) -> Ticket | None:
    """Run the rules for the call; returns the ticket opened or updated (None: no rule matched).

    ``disposition=False`` (hang-up) judges the rules that do not name a disposition, even when the
    agent set one during wrap-up already; ``True`` judges the rules naming the call's disposition.
    """
    # The hang-up job and the agent's disposition may judge the same call at once: the row lock
    # makes the second wait until the first one's ticket exists, so a call never gets two.
    link = session.scalar(
        select(CallLink)
        .where(CallLink.call_id == call_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if link is None:
        raise ConversationNotFoundError(f"no conversation for call {call_id}")
    facts = call_facts(session, link)
    if not disposition:
        facts = replace(facts, disposition=None)
    elif facts.disposition is None:
        return None
    try:
        action = combine(book.match(facts))
    except RuleFileError as exc:  # a file broken by hand before this process read a good one
        log.error("call %s: no ticket rules applied: %s", call_id, exc)
        return None
    if action is None:
        return None
    open_tickets = [t for t in tickets_of_call(session, call_id) if t.status in OPEN_STATUSES]
    if open_tickets:
        return update_from_action(session, runtime, open_tickets[-1], action)
    ticket = _open_ticket(session, runtime, link, action)
    conversation = get_conversation(session, link.conversation_id)
    add_message(
        session,
        conversation,
        Direction.INTERNAL,
        AuthorKind.SYSTEM,
        f"Ticket #{ticket.id} by rule {action.rule}",
        meta={"kind": "ticket_rule", "ticket_id": ticket.id, "rule": action.rule},
    )
    return ticket


def refresh_call_tickets(session: Session, link: CallLink) -> None:
    """The call ended (or its disposition changed): its tickets show the final record and recording."""
    for ticket in tickets_of_call(session, link.call_id):
        ticket.call_context = {**(ticket.call_context or {}), **call_context(link)}
    session.commit()


def set_call_disposition(
    session: Session,
    runtime: DeskRuntime,
    call_id: str,
    disposition: str,
    user_id: int | None,
    book: TicketRuleBook,
) -> tuple[CallLink, Ticket | None]:
    """The agent's wrap-up code for the call; the rules naming it open or update the call's ticket.

    Setting the same code again changes nothing; a different code replaces it and is judged again.
    """
    link = find_call_link(session, call_id)
    if link is None:
        raise ConversationNotFoundError(f"no conversation for call {call_id}")
    if link.agent_id is None:
        raise ConflictError(f"call {call_id} was not answered by an agent; it has no disposition")
    if link.disposition == disposition:
        return link, None
    link.disposition, link.disposition_by = disposition, user_id
    session.commit()
    conversation = get_conversation(session, link.conversation_id)
    add_message(
        session,
        conversation,
        Direction.INTERNAL,
        AuthorKind.SYSTEM,
        f"Disposition: {disposition}",
        author_id=user_id,
        meta={"kind": "disposition", "disposition": disposition},
    )
    ticket = apply_call_rules(session, runtime, call_id, book, disposition=True)
    refresh_call_tickets(session, link)
    return link, ticket


def call_summary(session: Session, conversation: Conversation, transcript_limit: int = 500) -> CallSummary:
    """One call conversation with its call, transcript lines (speaker turns only) and tickets."""
    link = call_link_of(session, conversation.id)
    lines = session.scalars(
        select(Message)
        .where(Message.conversation_id == conversation.id, Message.speaker.is_not(None))
        .order_by(Message.id)
        .limit(transcript_limit)
    )
    ticket_ids = (
        [t.id for t in tickets_of_call(session, conversation.external_ref)]
        if conversation.external_ref
        else []
    )
    summary = CallSummary.model_validate(conversation)
    return summary.model_copy(
        update={
            "call": CallLinkPublic.model_validate(link) if link is not None else None,
            "call_record_url": f"/api/calls/records/{link.call_id}" if link is not None else None,
            "transcript": [TranscriptLinePublic.model_validate(m) for m in lines],
            "ticket_ids": ticket_ids,
        }
    )
