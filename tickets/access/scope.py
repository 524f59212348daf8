"""Who is asking, as object-level access sees them: role, groups, the people whose work they see.

Built once per request (or per WebSocket) by :func:`load_scope`; every rule in :mod:`tickets.access`
reads only this value, so the same user gets the same answer from a list, a single object and a feed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from config.models import Role
from tickets.desk.models import Group, GroupMember

SEES_ALL_ROLES = frozenset({Role.ADMIN, Role.QA_MANAGER})


@dataclass(frozen=True)
class Scope:
    """The signed-in user's reach.

    ``group_ids``: groups they are a member or the lead of. ``people``: users whose assigned work
    they see (themselves; a supervisor also every member and lead of their groups). ``agent_id`` and
    ``queues``: their SIP user name and the call queues they serve (None and empty without one).
    """

    user_id: int
    role: Role
    group_ids: frozenset[int] = frozenset()
    people: frozenset[int] = frozenset()
    agent_id: str | None = None
    queues: frozenset[str] = frozenset()

    @property
    def sees_all(self) -> bool:
        """Admins and QA managers read every ticket, conversation and customer."""
        return self.role in SEES_ALL_ROLES

    @property
    def read_only(self) -> bool:
        """QA managers review; they never change a ticket, conversation or customer."""
        return self.role is Role.QA_MANAGER

    def in_group(self, group_id: int | None) -> bool:
        return group_id is not None and group_id in self.group_ids


def load_scope(
    session: Session,
    user_id: int,
    role: Role,
    agent_id: str | None = None,
    queues: Iterable[str] = (),
) -> Scope:
    """The user's scope from their group memberships (no queries for admins and QA managers)."""
    if role in SEES_ALL_ROLES:
        return Scope(user_id, role, agent_id=agent_id, queues=frozenset(queues))
    member_of = select(GroupMember.group_id).where(GroupMember.user_id == user_id)
    group_ids = frozenset(
        session.scalars(select(Group.id).where(or_(Group.id.in_(member_of), Group.lead_id == user_id)))
    )
    people = {user_id}
    if role is Role.SUPERVISOR and group_ids:
        people |= set(session.scalars(select(GroupMember.user_id).where(GroupMember.group_id.in_(group_ids))))
        leads = session.scalars(
            select(Group.lead_id).where(Group.id.in_(group_ids), Group.lead_id.is_not(None))
        )
        people |= {lead for lead in leads if lead is not None}
    return Scope(user_id, role, group_ids, frozenset(people), agent_id, frozenset(queues))
