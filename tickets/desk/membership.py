"""Group membership: who works a group's tickets (object-level access reads it), audited.

Admins and supervisors add and remove members; each change is an :class:`config.models.AuditEntry`
written in the same transaction, like every other admin action.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.models import AuditEntry, User
from tickets.desk.exceptions import ConflictError, InvalidInputError, NotFoundError
from tickets.desk.groups import get_group
from tickets.desk.models import Group, GroupMember


def list_members(session: Session, group_id: int) -> Sequence[GroupMember]:
    get_group(session, group_id)
    return session.scalars(
        select(GroupMember).where(GroupMember.group_id == group_id).order_by(GroupMember.user_id)
    ).all()


def add_member(session: Session, group_id: int, user_id: int, actor: str) -> GroupMember:
    """Put ``user_id`` in the group; 409 if already there, 422 if there is no such user."""
    get_group(session, group_id)
    if session.get(User, user_id) is None:
        raise InvalidInputError(f"user {user_id} does not exist")
    member = GroupMember(group_id=group_id, user_id=user_id)
    session.add(member)
    session.add(_audit(actor, "group.member_added", group_id, user_id))
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"user {user_id} is already in group {group_id}") from exc
    return member


def remove_member(session: Session, group_id: int, user_id: int, actor: str) -> None:
    get_group(session, group_id)
    member = session.scalars(
        select(GroupMember).where(GroupMember.group_id == group_id, GroupMember.user_id == user_id)
    ).first()
    if member is None:
        raise NotFoundError(f"user {user_id} is not in group {group_id}")
    session.delete(member)
    session.add(_audit(actor, "group.member_removed", group_id, user_id))
    session.commit()


def groups_of(session: Session, user_id: int) -> Sequence[Group]:
    """The groups a user works: those they are a member of, and those they lead."""
    member_of = select(GroupMember.group_id).where(GroupMember.user_id == user_id)
    return session.scalars(
        select(Group).where(or_(Group.id.in_(member_of), Group.lead_id == user_id)).order_by(Group.name)
    ).all()


def _audit(actor: str, action: str, group_id: int, user_id: int) -> AuditEntry:
    return AuditEntry(
        actor=actor[:64], action=action, target=f"group:{group_id}", details={"user_id": user_id}
    )
