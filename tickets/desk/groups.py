"""Groups (teams with a lead) and custom field definitions per business area."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from config.models import User
from tickets.desk.exceptions import ConflictError, InvalidInputError, NotFoundError
from tickets.desk.models import FieldDefinition, Group
from tickets.desk.schemas import FieldDefinitionCreate, GroupCreate, GroupUpdate


def require_user(session: Session, user_id: int | None, what: str) -> None:
    if user_id is not None and session.get(User, user_id) is None:
        raise InvalidInputError(f"{what} {user_id} is not a user")


def get_group(session: Session, group_id: int) -> Group:
    group = session.get(Group, group_id)
    if group is None:
        raise NotFoundError(f"group {group_id} does not exist")
    return group


def require_group(session: Session, group_id: int | None) -> None:
    if group_id is not None and session.get(Group, group_id) is None:
        raise InvalidInputError(f"group {group_id} does not exist")


def _commit_unique(session: Session, what: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"{what} already exists") from exc


def create_group(session: Session, data: GroupCreate) -> Group:
    require_user(session, data.lead_id, "lead")
    group = Group(**data.model_dump())
    session.add(group)
    _commit_unique(session, f"a group named {data.name!r}")
    return group


def update_group(session: Session, group_id: int, data: GroupUpdate) -> Group:
    group = get_group(session, group_id)
    changes = data.model_dump(exclude_unset=True)
    if "name" in changes and changes["name"] is None:
        raise InvalidInputError("name cannot be null")
    require_user(session, changes.get("lead_id"), "lead")
    for key, value in changes.items():
        setattr(group, key, value if value is not None or key == "lead_id" else getattr(group, key))
    _commit_unique(session, f"a group named {group.name!r}")
    return group


def list_groups(session: Session) -> Sequence[Group]:
    return session.scalars(select(Group).order_by(Group.name)).all()


def create_field_definition(session: Session, data: FieldDefinitionCreate) -> FieldDefinition:
    if data.field_type == "choice" and not data.choices:
        raise InvalidInputError("a choice field needs at least one choice")
    definition = FieldDefinition(**data.model_dump())
    session.add(definition)
    _commit_unique(session, f"field {data.key!r} of {data.business_area!r}")
    return definition


def list_field_definitions(session: Session, business_area: str | None = None) -> Sequence[FieldDefinition]:
    query = select(FieldDefinition).order_by(FieldDefinition.business_area, FieldDefinition.key)
    if business_area is not None:
        query = query.where(FieldDefinition.business_area == business_area)
    return session.scalars(query).all()
