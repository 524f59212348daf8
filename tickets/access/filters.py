"""The access rule as SQL conditions: one per kind of object, used by lists and single objects alike.

Each function returns None when the scope sees every row (admins, QA managers), else a condition
on the object's table. Definitions (non-recursive, so each is one query):

- *owned ticket*: assigned to someone in ``scope.people``; or of one of ``scope.group_ids``; or with a
  task of those groups or assigned to those people; or in the pool (no assignee and no group).
- *direct conversation*: assigned to someone in ``scope.people``, or a call the user answered
  (its call link names their SIP user name).
- *ticket*: owned, or on a direct conversation.
- *pool conversation*: nobody's yet: unassigned, no ticket with an assignee or group, and either a
  text thread or a call nobody answered that waited in a queue the user serves.
- *conversation*: direct, or carrying an owned ticket, or in the pool; for a supervisor also every
  call (calls are the floor's: supervisors watch and may join any call, on every queue).
- *customer*: has a visible conversation or ticket, or has no conversation and no ticket at all
  (just created by a look-up or an import: nothing to reveal).
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, not_, or_, select

from config.models import Role
from tickets.access.scope import Scope
from tickets.conversations.call_links import CallLink
from tickets.conversations.models import Conversation
from tickets.customers.models import Customer
from tickets.desk.models import Ticket, TicketTask


def _owned_ticket(scope: Scope) -> ColumnElement[bool]:
    people, groups = sorted(scope.people), sorted(scope.group_ids)
    task_of_mine = select(TicketTask.ticket_id).where(
        or_(TicketTask.group_id.in_(groups), TicketTask.assignee_id.in_(people))
    )
    return or_(
        Ticket.assignee_id.in_(people),
        Ticket.group_id.in_(groups),
        Ticket.id.in_(task_of_mine),
        and_(Ticket.assignee_id.is_(None), Ticket.group_id.is_(None)),
    )


def _direct_conversation(scope: Scope) -> ColumnElement[bool]:
    clauses = [Conversation.assigned_agent_id.in_(sorted(scope.people))]
    if scope.agent_id is not None:
        answered = select(CallLink.conversation_id).where(CallLink.agent_id == scope.agent_id)
        clauses.append(Conversation.id.in_(answered))
    return or_(*clauses)


def visible_tickets(scope: Scope) -> ColumnElement[bool] | None:
    if scope.sees_all:
        return None
    direct = select(Conversation.id).where(_direct_conversation(scope))
    return or_(_owned_ticket(scope), Ticket.conversation_id.in_(direct))


def _pool_conversation(scope: Scope) -> ColumnElement[bool]:
    # Correlated on the conversation only: these stay right inside queries that join calls or tickets.
    claimed_by_ticket = (
        exists()
        .where(
            Ticket.conversation_id == Conversation.id,
            or_(Ticket.assignee_id.is_not(None), Ticket.group_id.is_not(None)),
        )
        .correlate(Conversation)
    )
    is_call = exists().where(CallLink.conversation_id == Conversation.id).correlate(Conversation)
    waiting = [not_(is_call)]  # a text thread nobody has taken
    if scope.queues:  # a call nobody answered, of a queue the user serves
        waiting.append(
            exists()
            .where(
                CallLink.conversation_id == Conversation.id,
                CallLink.agent_id.is_(None),
                CallLink.queue_id.in_(sorted(scope.queues)),
            )
            .correlate(Conversation)
        )
    return and_(Conversation.assigned_agent_id.is_(None), not_(claimed_by_ticket), or_(*waiting))


def visible_conversations(scope: Scope) -> ColumnElement[bool] | None:
    if scope.sees_all:
        return None
    owned_tickets = select(Ticket.conversation_id).where(
        Ticket.conversation_id.is_not(None), _owned_ticket(scope)
    )
    clauses = [_direct_conversation(scope), Conversation.id.in_(owned_tickets), _pool_conversation(scope)]
    if scope.role is Role.SUPERVISOR:  # calls are the floor's: supervisors watch every queue
        clauses.append(Conversation.id.in_(select(CallLink.conversation_id)))
    return or_(*clauses)


def visible_customers(scope: Scope) -> ColumnElement[bool] | None:
    if scope.sees_all:
        return None
    conversations = visible_conversations(scope)
    tickets = visible_tickets(scope)
    assert conversations is not None and tickets is not None
    no_contact = and_(
        not_(exists().where(Conversation.customer_id == Customer.id).correlate(Customer)),
        not_(exists().where(Ticket.customer_id == Customer.id).correlate(Customer)),
    )
    return or_(
        Customer.id.in_(select(Conversation.customer_id).where(conversations)),
        Customer.id.in_(select(Ticket.customer_id).where(Ticket.customer_id.is_not(None), tickets)),
        no_contact,
    )
