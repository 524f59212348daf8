"""Putting a rule's action on a ticket (database side; the matching itself stays pure).

Shared by every channel: resolve the group a rule names, and update a contact's open ticket when a
later rule (a disposition, a reply) matches it again.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tickets.desk.models import PRIORITY_ORDER, Group, Ticket, TicketPriority
from tickets.desk.outbox import DeskRuntime
from tickets.desk.schemas import TicketUpdate
from tickets.desk.services import Actor, update_ticket
from tickets.rules.model import RuleSet, TicketAction

RULES_ACTOR = Actor("ticket-rules")


def group_id_named(session: Session, name: str | None) -> int | None:
    """The desk group with this name (case-insensitive), or None."""
    if not name:
        return None
    return session.scalar(select(Group.id).where(func.lower(Group.name) == name.strip().lower()))


def unknown_groups(session: Session, rules: RuleSet) -> list[str]:
    """Problems for rules naming a group the desk does not have ("rules[0].then.group: ...")."""
    problems = []
    for index, rule in enumerate(rules.rules):
        if rule.then.group and group_id_named(session, rule.then.group) is None:
            problems.append(f"rules[{index}].then.group: no desk group is named {rule.then.group!r}")
    return problems


def update_from_action(
    session: Session, runtime: DeskRuntime, ticket: Ticket, action: TicketAction
) -> Ticket:
    """A later rule matched the same contact: add its tags, set its group if it names one, and
    raise (never lower) the priority."""
    changes: dict[str, object] = {}
    tags = list(ticket.tags or [])
    added = [t for t in action.all_tags if t not in tags]
    if added:
        changes["tags"] = (tags + added)[:20]
    group_id = group_id_named(session, action.group)
    if group_id is not None and group_id != ticket.group_id:
        changes["group_id"] = group_id
    if action.priority is not None:
        current = TicketPriority(ticket.priority)
        if PRIORITY_ORDER.index(action.priority) > PRIORITY_ORDER.index(current):
            changes["priority"] = action.priority
    if action.business_area and action.business_area != ticket.business_area:
        changes["business_area"] = action.business_area
    if not changes:
        return ticket
    return update_ticket(session, runtime, ticket.id, TicketUpdate.model_validate(changes), RULES_ACTOR)
