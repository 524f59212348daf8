"""Who is calling: the customers package answers this once it is wired in."""

from __future__ import annotations

from typing import Protocol


class CustomerLookup(Protocol):
    async def customer_id_for_number(self, number: str) -> str | None: ...


class NoCustomerLookup:
    """Used until ``tickets`` provides lookups: every caller is unknown."""

    async def customer_id_for_number(self, number: str) -> str | None:
        return None
