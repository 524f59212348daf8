"""The interfaces IVR lookups go through, and a helper the Stasis app uses to answer a ``Lookup``.

The session never does I/O: it returns ``Lookup(kind, value)``; the Stasis app calls
:func:`perform_lookup` with the injected :class:`CustomerDirectory` and :class:`OrderConnector` and feeds
the answer back with ``session.on_lookup_result(kind, result)``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Protocol

from telephony.ivr.actions import Lookup

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """What the IVR may know about a caller."""

    customer_id: str
    name: str | None = None
    segment: str | None = None
    vip: bool = False
    language: str | None = None


@dataclass(frozen=True, slots=True)
class OrderStatus:
    """An order's status as the connector reports it, ready to be read back."""

    order_number: str
    status: str
    detail: str | None = None


class CustomerDirectory(Protocol):
    async def find_by_phone(self, phone: str) -> CustomerRecord | None: ...


class OrderConnector(Protocol):
    async def order_status(self, order_number: str) -> OrderStatus | None: ...


LookupResult = CustomerRecord | OrderStatus | None


async def perform_lookup(
    action: Lookup, customers: CustomerDirectory, orders: OrderConnector
) -> LookupResult:
    """Run the lookup within its timeout; a failure or timeout counts as "not found" so the call goes on."""
    try:
        async with asyncio.timeout(action.timeout):
            if action.kind == "customer":
                return await customers.find_by_phone(action.value)
            return await orders.order_status(action.value)
    except TimeoutError:
        log.warning("IVR %s lookup timed out after %.1f s", action.kind, action.timeout)
    except Exception:  # a broken connector must not leave the caller in silence
        log.exception("IVR %s lookup failed", action.kind)
    return None
