"""Managing SLA policies and business calendars."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tickets.desk.exceptions import ConflictError, InvalidInputError
from tickets.sla.models import BusinessCalendar, Holiday, SlaPolicy, SlaTimer
from tickets.sla.schemas import CalendarCreate, CalendarPublic, PolicyCreate


def _commit(session: Session, what: str) -> None:
    try:
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"{what} already exists") from exc


def create_policy(session: Session, data: PolicyCreate) -> SlaPolicy:
    if data.calendar_id is not None and session.get(BusinessCalendar, data.calendar_id) is None:
        raise InvalidInputError(f"calendar {data.calendar_id} does not exist")
    if not (data.first_response_minutes or data.next_response_minutes or data.resolution_minutes):
        raise InvalidInputError(
            "a policy needs at least one target (first response, next response, resolution)"
        )
    policy = SlaPolicy(**data.model_dump(mode="json"))
    session.add(policy)
    _commit(session, f"a policy named {data.name!r}")
    return policy


def list_policies(session: Session) -> Sequence[SlaPolicy]:
    return session.scalars(select(SlaPolicy).order_by(SlaPolicy.id)).all()


def create_calendar(session: Session, data: CalendarCreate) -> CalendarPublic:
    calendar = BusinessCalendar(
        name=data.name,
        timezone=data.timezone,
        hours={k: [list(span) for span in v] for k, v in data.hours.items()},
    )
    session.add(calendar)
    try:
        session.flush()
    except IntegrityError as exc:
        session.rollback()
        raise ConflictError(f"a calendar named {data.name!r} already exists") from exc
    session.add_all(Holiday(calendar_id=calendar.id, day=day) for day in sorted(set(data.holidays)))
    _commit(session, "that calendar")
    return calendar_public(session, calendar)


def calendar_public(session: Session, calendar: BusinessCalendar) -> CalendarPublic:
    days = session.scalars(
        select(Holiday.day).where(Holiday.calendar_id == calendar.id).order_by(Holiday.day)
    )
    return CalendarPublic(
        id=calendar.id,
        name=calendar.name,
        timezone=calendar.timezone,
        hours=calendar.hours,
        holidays=list(days),
    )


def list_calendars(session: Session) -> list[CalendarPublic]:
    return [
        calendar_public(session, c)
        for c in session.scalars(select(BusinessCalendar).order_by(BusinessCalendar.id))
    ]


def list_ticket_timers(session: Session, ticket_id: int) -> Sequence[SlaTimer]:
    return session.scalars(
        select(SlaTimer).where(SlaTimer.ticket_id == ticket_id).order_by(SlaTimer.id)
    ).all()
