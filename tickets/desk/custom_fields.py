"""Custom fields checked against the definitions of the ticket's business area."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickets.desk.exceptions import InvalidInputError
from tickets.desk.models import FieldDefinition


def _check(definition: FieldDefinition, value: Any) -> str | None:
    """Why ``value`` does not fit ``definition``, or None when it does."""
    kind = definition.field_type
    if value is None:
        return "is required" if definition.required else None
    if kind == "text" and not isinstance(value, str):
        return "must be text"
    if kind == "number" and (isinstance(value, bool) or not isinstance(value, int | float)):
        return "must be a number"
    if kind == "boolean" and not isinstance(value, bool):
        return "must be true or false"
    if kind == "choice" and value not in definition.choices:
        return f"must be one of {', '.join(definition.choices)}"
    if kind == "date":
        try:
            date.fromisoformat(str(value))
        except ValueError:
            return "must be a date (YYYY-MM-DD)"
    return None


def validate_custom_fields(
    session: Session, business_area: str, values: dict[str, Any], *, check_required: bool
) -> dict[str, Any]:
    """``values`` when they fit the area's definitions; an area without definitions takes anything.

    Raises:
        InvalidInputError: an unknown key, a wrong type or a missing required field, all listed.
    """
    definitions = {
        d.key: d
        for d in session.scalars(
            select(FieldDefinition).where(FieldDefinition.business_area == business_area)
        )
    }
    if not definitions:
        return values
    problems = [f"{key}: not a field of {business_area}" for key in values if key not in definitions]
    for key, definition in definitions.items():
        if key in values:
            reason = _check(definition, values[key])
        elif check_required and definition.required:
            reason = "is required"
        else:
            reason = None
        if reason:
            problems.append(f"{key}: {reason}")
    if problems:
        raise InvalidInputError("custom fields: " + "; ".join(problems))
    return values
