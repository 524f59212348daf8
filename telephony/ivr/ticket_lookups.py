"""IVR lookups answered by ``tickets``: the customer by caller ID, and an order's status to read back.

SQL runs in a worker thread so the event loop (and every other caller on it) never waits on it.
Without a database every caller is unknown and every order is not found; the flow takes its
"not found" path.
"""

from __future__ import annotations

import asyncio
from datetime import date

from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from telephony.ivr import CustomerRecord, OrderStatus
from tickets.connectors.lookup import OrderInfo, TableOrderLookup
from tickets.customers.exceptions import InvalidIdentityError
from tickets.customers.models import CustomerSegment, IdentityKind
from tickets.customers.services import find_customer

STATUS_WORDS = {"in_transit": "in transit"}


class TicketsCustomerDirectory:
    """Finds a caller among the customers' phone identities (numbers normalised in ``region``)."""

    def __init__(self, factory: sessionmaker[Session], region: str) -> None:
        self._factory = factory
        self._region = region

    async def find_by_phone(self, phone: str) -> CustomerRecord | None:
        return await asyncio.to_thread(self._find, phone)

    def _find(self, phone: str) -> CustomerRecord | None:
        with session_scope(self._factory) as session:
            try:
                customer = find_customer(session, IdentityKind.PHONE, phone, self._region)
            except InvalidIdentityError:
                return None  # an extension or a withheld number: not a customer's phone
            if customer is None:
                return None
            return CustomerRecord(
                customer_id=str(customer.id),
                name=customer.display_name or None,
                segment=customer.segment,
                vip=customer.segment == CustomerSegment.VIP.value,
            )


def spoken_date(day: date) -> str:
    return f"{day:%A}, {day:%B} {day.day}"


def order_status(info: OrderInfo) -> OrderStatus:
    """What the IVR reads back: the status in words and, when known, carrier and expected delivery."""
    details = []
    if info.carrier and info.status in ("shipped", "in_transit"):
        details.append(f"It is on its way with {info.carrier}.")
    if info.estimated_delivery and info.status not in ("delivered", "cancelled", "returned"):
        details.append(f"Expected delivery is {spoken_date(info.estimated_delivery)}.")
    status = STATUS_WORDS.get(info.status, info.status.replace("_", " "))
    return OrderStatus(info.order_number, status, " ".join(details) or None)


class TicketsOrderConnector:
    """Order status through the connectors' :class:`~tickets.connectors.lookup.OrderLookup` (orders table)."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    async def order_status(self, order_number: str) -> OrderStatus | None:
        return await asyncio.to_thread(self._find, order_number)

    def _find(self, order_number: str) -> OrderStatus | None:
        with session_scope(self._factory) as session:
            info = TableOrderLookup(session).find_order(order_number)
        return order_status(info) if info else None


class NoDirectory:
    """No customer database configured: nobody is known."""

    async def find_by_phone(self, phone: str) -> CustomerRecord | None:
        return None

    async def order_status(self, order_number: str) -> OrderStatus | None:
        return None
