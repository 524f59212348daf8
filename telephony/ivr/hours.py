"""Opening hours: weekly ranges in a timezone, minus holidays (fixed dates or every-year MM-DD)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
END_OF_DAY = time(23, 59, 59, 999999)


def parse_range(text: str) -> tuple[time, time]:
    """``"09:00-17:30"`` -> (09:00, 17:30); ``24:00`` means the end of the day.

    Raises:
        ValueError: not ``HH:MM-HH:MM`` or the range is empty.
    """
    try:
        start_text, end_text = (part.strip() for part in text.split("-"))
        start = time.fromisoformat(start_text)
        end = END_OF_DAY if end_text == "24:00" else time.fromisoformat(end_text)
    except ValueError:
        raise ValueError(f"{text!r} is not a range like '09:00-17:30'") from None
    if end <= start:
        raise ValueError(f"{text!r} ends before it starts (split ranges over midnight in two days)")
    return start, end


def parse_holiday(value: date | str) -> date | tuple[int, int]:
    """A fixed date, or (month, day) for ``"12-25"`` which repeats every year."""
    if isinstance(value, date):
        return value
    try:
        if len(value) == 5:
            month, day = (int(part) for part in value.split("-"))
            date(2000, month, day)  # 2000 is a leap year, so 02-29 passes
            return month, day
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"holiday {value!r} is not YYYY-MM-DD or MM-DD") from None


@dataclass(frozen=True)
class BusinessHours:
    """When a line is open."""

    zone: ZoneInfo
    weekly: tuple[tuple[tuple[time, time], ...], ...]  # index 0 = Monday
    fixed_holidays: frozenset[date]
    yearly_holidays: frozenset[tuple[int, int]]

    @classmethod
    def build(
        cls, timezone: str, schedule: Mapping[Any, Iterable[str]], holidays: Iterable[date | str] = ()
    ) -> BusinessHours:
        """Parse and check; raises ValueError naming the bad part."""
        try:
            zone = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone {timezone!r}") from None
        weekly = tuple(tuple(parse_range(r) for r in schedule.get(day, ())) for day in DAYS)
        parsed = [parse_holiday(h) for h in holidays]
        return cls(
            zone=zone,
            weekly=weekly,
            fixed_holidays=frozenset(h for h in parsed if isinstance(h, date)),
            yearly_holidays=frozenset(h for h in parsed if isinstance(h, tuple)),
        )

    def is_open(self, now: datetime) -> bool:
        """Whether ``now`` (timezone-aware) falls in an opening range on a non-holiday."""
        if now.tzinfo is None:
            raise ValueError("business hours need a timezone-aware time")
        local = now.astimezone(self.zone)
        day = local.date()
        if day in self.fixed_holidays or (day.month, day.day) in self.yearly_holidays:
            return False
        moment = local.time().replace(tzinfo=None)
        return any(start <= moment < end for start, end in self.weekly[local.weekday()])
