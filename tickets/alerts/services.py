"""Proactive tickets: a device alert opens one ticket per device and alert code while it is open.

The device's owner is found through the customers package (a ``device_serial`` identity); when no
one owns the serial yet, the ticket keeps the serial and :func:`link_device_tickets` attaches the
owner later. A repeat alert adds a note; a partial unique index settles two alerts racing.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tickets.alerts.schemas import AlertOutcome, DeviceAlert
from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.identities import normalise_identity
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_customer
from tickets.desk import history
from tickets.desk.exceptions import InvalidInputError
from tickets.desk.models import OPEN_STATUSES, Ticket, TicketNote, TicketPriority, TicketSource
from tickets.desk.outbox import DeskRuntime, commit
from tickets.desk.schemas import TicketChannel, TicketCreate
from tickets.desk.services import Actor, create_ticket

ALERT_ACTOR = Actor("device-alert")
SEVERITY_PRIORITY = {
    "critical": TicketPriority.URGENT,
    "major": TicketPriority.HIGH,
    "minor": TicketPriority.NORMAL,
    "warning": TicketPriority.LOW,
}


def _open_ticket(session: Session, serial: str, code: str) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(
            Ticket.device_serial == serial,
            Ticket.alert_code == code,
            Ticket.status.in_([s.value for s in OPEN_STATUSES]),
        )
    )


def _add_repeat_note(
    session: Session, runtime: DeskRuntime, ticket: Ticket, alert: DeviceAlert
) -> AlertOutcome:
    note = TicketNote(
        ticket_id=ticket.id,
        author=ALERT_ACTOR.name,
        body=f"Alert {alert.alert_code} ({alert.severity}) again: {alert.message}"[:20_000],
        internal=True,
        created_at=runtime.clock.now(),
    )
    session.add(note)
    session.flush()
    history.record(session, ticket, ALERT_ACTOR.name, "alert_repeated", {"note_id": note.id})
    commit(session, runtime)
    return AlertOutcome(ticket_id=ticket.id, created=False, customer_id=ticket.customer_id)


def open_alert_ticket(
    session: Session, runtime: DeskRuntime, alert: DeviceAlert, region: str
) -> AlertOutcome:
    """One open ticket per device and alert code; a repeat becomes a note on it."""
    try:
        serial = normalise_identity(IdentityKind.DEVICE_SERIAL, alert.device_serial, region)
    except InvalidIdentityError as exc:
        raise InvalidInputError(str(exc)) from exc
    existing = _open_ticket(session, serial, alert.alert_code)
    if existing is not None:
        return _add_repeat_note(session, runtime, existing, alert)
    owner = find_customer(session, IdentityKind.DEVICE_SERIAL, serial, region)
    data = TicketCreate(
        subject=f"{alert.severity.title()} alert {alert.alert_code} on device {serial}"[:300],
        description=alert.message,
        priority=SEVERITY_PRIORITY[alert.severity],
        business_area="devices",
        channel=TicketChannel.ALERT,
        customer_id=owner.id if owner else None,
        tags=["device-alert", alert.severity],
    )
    try:
        ticket = create_ticket(
            session,
            runtime,
            data,
            ALERT_ACTOR,
            source=TicketSource.ALERT,
            extra={"device_serial": serial, "alert_code": alert.alert_code},
        )
    except IntegrityError:  # the same alert arrived twice at once; the other request opened it
        session.rollback()
        session.info.pop("desk_outbox", None)
        racing = _open_ticket(session, serial, alert.alert_code)
        if racing is None:
            raise
        return _add_repeat_note(session, runtime, racing, alert)
    return AlertOutcome(ticket_id=ticket.id, created=True, customer_id=ticket.customer_id)


def link_device_tickets(session: Session, serial: str, customer_id: int, region: str) -> int:
    """Attach tickets opened for an unowned serial to the customer who now owns it."""
    value = normalise_identity(IdentityKind.DEVICE_SERIAL, serial, region)
    result = session.execute(
        update(Ticket)
        .where(Ticket.device_serial == value, Ticket.customer_id.is_(None))
        .values(customer_id=customer_id)
    )
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)
