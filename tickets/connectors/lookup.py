"""The order lookup interface agents, IVR and bot use, and the table-backed reference version."""

from __future__ import annotations

from datetime import date
from typing import Protocol

from pydantic import BaseModel
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tickets.connectors.models import Order
from tickets.customers.models import CustomerIdentity, IdentityKind

ORDER_STATUSES = ("pending", "paid", "packed", "shipped", "in_transit", "delivered", "cancelled", "returned")


class OrderInfo(BaseModel):
    order_number: str
    status: str
    carrier: str
    tracking_number: str
    estimated_delivery: date | None
    customer_id: int | None


class OrderLookup(Protocol):
    """Where is my order: by number, or every order of a customer."""

    def find_order(self, order_number: str) -> OrderInfo | None: ...

    def orders_for_customer(self, customer_id: int) -> list[OrderInfo]: ...


def _info(order: Order) -> OrderInfo:
    return OrderInfo(
        order_number=order.order_number,
        status=order.status,
        carrier=order.carrier,
        tracking_number=order.tracking_number,
        estimated_delivery=order.estimated_delivery,
        customer_id=order.customer_id,
    )


class TableOrderLookup:
    """Reads the ``orders`` table; matches a customer by id or by their e-mail/phone identities."""

    def __init__(self, session: Session) -> None:
        self._session = session

    def find_order(self, order_number: str) -> OrderInfo | None:
        order = self._session.scalar(select(Order).where(Order.order_number == order_number.strip().upper()))
        return _info(order) if order else None

    def orders_for_customer(self, customer_id: int) -> list[OrderInfo]:
        identities = self._session.execute(
            select(CustomerIdentity.kind, CustomerIdentity.value).where(
                CustomerIdentity.customer_id == customer_id
            )
        ).all()
        emails = [v for k, v in identities if k == IdentityKind.EMAIL.value]
        phones = [v for k, v in identities if k == IdentityKind.PHONE.value]
        conditions = [Order.customer_id == customer_id]
        if emails:
            conditions.append(Order.email.in_(emails))
        if phones:
            conditions.append(Order.phone.in_(phones))
        orders = self._session.scalars(
            select(Order).where(or_(*conditions)).order_by(Order.updated_at.desc())
        )
        return [_info(o) for o in orders]
