"""Import orders from CSV: every row is checked first; one bad row means nothing is stored."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickets.connectors.lookup import ORDER_STATUSES
from tickets.connectors.models import Order
from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.identities import normalise_email, normalise_phone
from tickets.customers.models import IdentityKind
from tickets.customers.services import find_customer

REQUIRED_COLUMNS = ("order_number", "status")
OPTIONAL_COLUMNS = ("email", "phone", "carrier", "tracking_number", "estimated_delivery")
MAX_ROWS = 100_000


@dataclass
class ImportReport:
    imported: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)  # "line 7: status 'lost' is not one of ..."


def _check_row(row: dict[str, str], region: str) -> tuple[dict[str, object], list[str]]:
    problems: list[str] = []
    number = (row.get("order_number") or "").strip().upper()
    if not number or len(number) > 64:
        problems.append("order_number is empty or longer than 64 characters")
    status = (row.get("status") or "").strip().lower()
    if status not in ORDER_STATUSES:
        problems.append(f"status {status!r} is not one of {', '.join(ORDER_STATUSES)}")
    values: dict[str, object] = {"order_number": number, "status": status}
    for name, normalise in (("email", normalise_email), ("phone", lambda v: normalise_phone(v, region))):
        raw = (row.get(name) or "").strip()
        try:
            values[name] = normalise(raw) if raw else None
        except InvalidIdentityError as exc:
            problems.append(str(exc))
    for name in ("carrier", "tracking_number"):
        text = (row.get(name) or "").strip()
        if len(text) > 64:
            problems.append(f"{name} is longer than 64 characters")
        values[name] = text
    eta = (row.get("estimated_delivery") or "").strip()
    try:
        values["estimated_delivery"] = date.fromisoformat(eta) if eta else None
    except ValueError:
        problems.append(f"estimated_delivery {eta!r} is not a date like 2026-12-24")
    return values, problems


def import_orders_csv(session: Session, text: str, region: str) -> ImportReport:
    """Validate every row, then upsert by order number; returns counts or the bad lines."""
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text))
    header = reader.fieldnames or []
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    unknown = [c for c in header if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    if missing or unknown:
        report.errors.append(f"line 1: missing columns {missing}, unknown columns {unknown}")
        return report
    rows: list[dict[str, object]] = []
    seen: dict[str, int] = {}
    try:
        for row in reader:
            line = reader.line_num
            if None in row:
                report.errors.append(f"line {line}: more values than columns")
                continue
            values, problems = _check_row(row, region)
            number = str(values["order_number"])
            if number and number in seen:
                problems.append(f"order {number} already appears on line {seen[number]}")
            seen[number] = line
            report.errors.extend(f"line {line}: {p}" for p in problems)
            rows.append(values)
            if len(rows) > MAX_ROWS:
                report.errors.append(f"line {line}: more than {MAX_ROWS} rows; split the file")
                break
    except csv.Error as exc:
        report.errors.append(f"line {reader.line_num}: {exc}")
    if report.errors:
        return report
    for values in rows:
        existing = session.scalar(select(Order).where(Order.order_number == values["order_number"]))
        order = existing or Order(order_number=values["order_number"])
        for key, value in values.items():
            if key in header:  # a column left out of the file keeps its stored value
                setattr(order, key, value)
        order.updated_at = datetime.now(UTC)
        if order.customer_id is None:
            for kind, key in ((IdentityKind.EMAIL, "email"), (IdentityKind.PHONE, "phone")):
                if values.get(key) and order.customer_id is None:
                    customer = find_customer(session, kind, str(values[key]), region)
                    order.customer_id = customer.id if customer else None
        if existing is None:
            session.add(order)
            report.imported += 1
        else:
            report.updated += 1
    session.commit()
    return report
