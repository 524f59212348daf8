"""The parts of the access rule that need no database: role limits, escalations, live notices."""

from __future__ import annotations

from typing import Any

from config.errors import ForbiddenError
from config.models import Role
from tickets.access.scope import Scope
from tickets.desk.models import TicketStatus

# A ticket escalated to its group's lead stays with the lead: outsiders may not move it or end it.
ENDING_STATUSES = frozenset({TicketStatus.SOLVED.value, TicketStatus.CLOSED.value})


class AccessDeniedError(ForbiddenError):
    """The user may see the object but not do this to it (a QA manager writing, an escalation)."""


def require_write(scope: Scope, what: str) -> None:
    """QA managers read everything and change nothing."""
    if scope.read_only:
        raise AccessDeniedError(f"role {scope.role.value} may read {what} but not change it")


def escalation_refusal(
    scope: Scope,
    *,
    escalation_level: int,
    assignee_id: int | None,
    group_id: int | None,
    lead_id: int | None,
    changes: dict[str, Any],
) -> str | None:
    """Why this change of an escalated ticket is refused, or None when it is allowed.

    A ticket an SLA breach handed to its group's lead may be re-assigned, moved to another group,
    solved or closed only by an admin or someone in that group (member or lead)."""
    escalated_to_lead = escalation_level > 0 and lead_id is not None and assignee_id == lead_id
    if not escalated_to_lead or scope.role is Role.ADMIN or scope.in_group(group_id):
        return None
    if "assignee_id" in changes and changes["assignee_id"] != lead_id:
        return "the ticket was escalated to its group's lead; only its group may re-assign it"
    if "group_id" in changes and changes["group_id"] != group_id:
        return "the ticket was escalated to its group's lead; only its group may move it"
    if changes.get("status") in ENDING_STATUSES:
        return "the ticket was escalated to its group's lead; only its group may solve or close it"
    return None


def sees_ticket_notice(scope: Scope, assignee_id: object, group_id: object) -> bool:
    """A live ticket notice (``/ws/calls``): the ticket is assigned to someone whose work the user
    sees, or belongs to one of their groups. Admins and QA managers see every notice."""
    if scope.sees_all:
        return True
    return (isinstance(assignee_id, int) and assignee_id in scope.people) or (
        isinstance(group_id, int) and group_id in scope.group_ids
    )
