"""Orders import from CSV: bad rows are reported by line and nothing is stored; good files upsert."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tickets.connectors.csv_import import import_orders_csv
from tickets.connectors.lookup import TableOrderLookup
from tickets.connectors.models import Order
from tickets.customers.services import find_or_create_customer

pytestmark = pytest.mark.integration


def test_a_file_with_bad_rows_names_each_line_and_stores_nothing(session: Session) -> None:
    tag = uuid.uuid4().hex[:6].upper()
    text = (
        "order_number,status,email,phone,carrier,tracking_number,estimated_delivery\n"
        f"A{tag}1,shipped,ok@example.com,,UPS,1Z1,2026-12-24\n"
        f"A{tag}2,lost,,,UPS,1Z2,\n"
        f"A{tag}3,shipped,not-an-address,,UPS,1Z3,24/12/2026\n"
        f"A{tag}1,paid,,,,,\n"
    )
    before = session.scalar(select(func.count(Order.id)))
    report = import_orders_csv(session, text, "US")
    assert report.imported == 0
    assert any(e.startswith("line 3: status 'lost'") for e in report.errors)
    assert any(e.startswith("line 4:") and "not an e-mail address" in e for e in report.errors)
    assert any(e.startswith("line 4:") and "not a date" in e for e in report.errors)
    assert any(e.startswith("line 5:") and "already appears on line 2" in e for e in report.errors)
    assert session.scalar(select(func.count(Order.id))) == before


def test_unknown_columns_are_refused_before_any_row() -> None:
    from tickets.connectors.csv_import import ImportReport

    report: ImportReport = import_orders_csv(None, "order_number,status,secret\nA1,paid,x\n", "US")  # type: ignore[arg-type]
    assert report.errors and "unknown columns ['secret']" in report.errors[0]


def test_imported_orders_answer_where_is_my_order_for_the_customer(session: Session) -> None:
    email = f"bo.{uuid.uuid4().hex[:8]}@example.com"
    customer = find_or_create_customer(session, "email", email, "US")
    number = f"B{uuid.uuid4().hex[:8].upper()}"
    text = (
        "order_number,status,email,carrier,tracking_number,estimated_delivery\n"
        f"{number},in_transit,{email.upper()},DHL,JD01,2026-12-01\n"
    )
    assert import_orders_csv(session, text, "US").imported == 1
    update = f"order_number,status\n{number.lower()},delivered\n"
    assert import_orders_csv(session, update, "US").updated == 1
    lookup = TableOrderLookup(session)
    found = lookup.find_order(number)
    assert found is not None and found.status == "delivered" and found.customer_id == customer.id
    assert (found.carrier, found.tracking_number) == ("DHL", "JD01")  # columns not in the update are kept
    assert [o.order_number for o in lookup.orders_for_customer(customer.id)] == [number]
