"""Single objects under the access rule: fetch, check, and answer 404 for what the user may not see.

An object the user may not read answers exactly like one that does not exist (404, same message), so
ids reveal nothing. One they may read but not change (a QA manager, an escalation kept with its lead)
answers 403: they already know it exists.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from config.models import Role
from tickets.access.filters import visible_conversations, visible_customers, visible_tickets
from tickets.access.rules import AccessDeniedError, escalation_refusal, require_write
from tickets.access.scope import Scope
from tickets.conversations.call_links import CallLink
from tickets.conversations.exceptions import ConversationNotFoundError
from tickets.conversations.models import Conversation
from tickets.customers.exceptions import CustomerNotFoundError
from tickets.customers.models import Customer
from tickets.desk.exceptions import InvalidInputError, NotFoundError
from tickets.desk.models import FINISHED_TASK_STATUSES, Group, Ticket, TicketStatus, TicketTask

FINISHED = tuple(s.value for s in FINISHED_TASK_STATUSES)
Model = type[Ticket] | type[Conversation] | type[Customer]


def _visible(session: Session, model: Model, object_id: int, condition: ColumnElement[bool] | None) -> bool:
    if condition is None:
        return True
    return session.scalar(select(model.id).where(model.id == object_id, condition)) is not None


def ticket_for(session: Session, scope: Scope, ticket_id: int, *, write: bool = False) -> Ticket:
    """The ticket, if the user may read it (and change it, with ``write``)."""
    ticket = session.get(Ticket, ticket_id)
    if ticket is None or not _visible(session, Ticket, ticket_id, visible_tickets(scope)):
        raise NotFoundError(f"ticket {ticket_id} does not exist")
    if write:
        require_write(scope, f"ticket {ticket_id}")
    return ticket


def ticket_for_update(session: Session, scope: Scope, ticket_id: int, changes: dict[str, Any]) -> Ticket:
    """The ticket, if the user may make these changes (``changes``: the fields sent)."""
    ticket = ticket_for(session, scope, ticket_id, write=True)
    _check_escalation(session, scope, ticket, changes)
    return ticket


def ticket_for_task_update(
    session: Session, scope: Scope, ticket_id: int, task_id: int, new_status: str | None
) -> Ticket:
    """The ticket, if the user may move this task so: finishing a ticket's last task solves it,
    which the escalation rule reserves to the ticket's group."""
    ticket = ticket_for(session, scope, ticket_id, write=True)
    if new_status in FINISHED:
        others = select(TicketTask.id).where(
            TicketTask.ticket_id == ticket_id, TicketTask.id != task_id, TicketTask.status.not_in(FINISHED)
        )
        if session.scalar(others.limit(1)) is None:
            _check_escalation(session, scope, ticket, {"status": TicketStatus.SOLVED.value})
    return ticket


def _check_escalation(session: Session, scope: Scope, ticket: Ticket, changes: dict[str, Any]) -> None:
    group = session.get(Group, ticket.group_id) if ticket.group_id is not None else None
    refusal = escalation_refusal(
        scope,
        escalation_level=ticket.escalation_level,
        assignee_id=ticket.assignee_id,
        group_id=ticket.group_id,
        lead_id=group.lead_id if group else None,
        changes=changes,
    )
    if refusal is not None:
        raise AccessDeniedError(f"ticket {ticket.id}: {refusal}")


def check_new_ticket_links(
    session: Session, scope: Scope, customer_id: int | None, conversation_id: int | None
) -> None:
    """A new ticket may name only a customer and conversation the user may see (else, seeing the
    ticket, they would see them); the answer is the one for a missing id."""
    if customer_id is not None and not customer_visible(session, scope, customer_id):
        raise InvalidInputError(f"customer {customer_id} does not exist")
    if conversation_id is not None and not _visible(
        session, Conversation, conversation_id, visible_conversations(scope)
    ):
        raise InvalidInputError(f"conversation {conversation_id} does not exist")


def conversation_for(
    session: Session, scope: Scope, conversation_id: int, *, write: bool = False
) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or not _visible(
        session, Conversation, conversation_id, visible_conversations(scope)
    ):
        raise ConversationNotFoundError(f"conversation {conversation_id} does not exist")
    if write:
        require_write(scope, f"conversation {conversation_id}")
    return conversation


def take_conversation(session: Session, scope: Scope, conversation_id: int) -> Conversation:
    """The conversation, to act on (reply, chat): an agent acting on one nobody has yet takes it, so
    from then on it is theirs (and out of the other agents' pool)."""
    conversation = conversation_for(session, scope, conversation_id, write=True)
    if conversation.assigned_agent_id is None and scope.role is Role.AGENT:
        conversation.assigned_agent_id = scope.user_id
        session.commit()
    return conversation


def call_link_for(session: Session, scope: Scope, call_id: str, *, write: bool = False) -> CallLink:
    """A call's link to its conversation, if the user may see that conversation (an agent: the calls
    they answered, and any call conversation the rule gives them)."""
    link = session.scalar(select(CallLink).where(CallLink.call_id == call_id))
    if link is None:
        raise ConversationNotFoundError(f"no conversation for call {call_id}")
    try:
        conversation_for(session, scope, link.conversation_id, write=write)
    except ConversationNotFoundError:
        raise ConversationNotFoundError(f"no conversation for call {call_id}") from None
    return link


def customer_visible(session: Session, scope: Scope, customer_id: int) -> bool:
    return _visible(session, Customer, customer_id, visible_customers(scope))


def customer_for(session: Session, scope: Scope, customer_id: int, *, write: bool = False) -> Customer:
    customer = session.get(Customer, customer_id)
    if customer is None or not customer_visible(session, scope, customer_id):
        raise CustomerNotFoundError(f"customer {customer_id} does not exist")
    if write:
        require_write(scope, f"customer {customer_id}")
    return customer
