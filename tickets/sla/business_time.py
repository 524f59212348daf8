"""Deadline arithmetic in business time: opening hours per weekday, a time zone and holidays.

Adding 90 business minutes to Friday 16:30 with 09:00-17:00 hours lands on Monday 10:00 (or
Tuesday when Monday is a holiday). Times are local to the calendar's zone, so DST shifts are right.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tickets.sla.clock import as_utc

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_DAYS_SEARCHED = 3 * 366  # a calendar with no opening hours at all must not loop forever


def parse_hhmm(value: str) -> time:
    hours, minutes = value.split(":")
    if hours == "24" and minutes == "00":
        return time.max
    return time(int(hours), int(minutes))


@dataclass(frozen=True)
class BusinessHours:
    """Opening intervals per weekday in ``timezone``; no intervals for a weekday means closed."""

    timezone: str = "UTC"
    weekly: dict[str, list[tuple[time, time]]] = field(default_factory=dict)
    holidays: frozenset[date] = frozenset()
    always_open: bool = False

    @classmethod
    def around_the_clock(cls) -> BusinessHours:
        return cls(always_open=True)

    @classmethod
    def from_config(
        cls, timezone: str, hours: Mapping[str, Iterable[Iterable[str]]], holidays: Iterable[date]
    ) -> BusinessHours:
        """Build from the stored form ``{"mon": [["09:00", "17:00"]], ...}``."""
        ZoneInfo(timezone)  # raises for an unknown zone
        weekly: dict[str, list[tuple[time, time]]] = {}
        for day, spans in hours.items():
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {day!r}; use {', '.join(WEEKDAYS)}")
            parsed = sorted((parse_hhmm(a), parse_hhmm(b)) for a, b in spans)
            for start, end in parsed:
                if start >= end:
                    raise ValueError(f"{day}: opening {start} is not before closing {end}")
            weekly[day] = parsed
        return cls(timezone=timezone, weekly=weekly, holidays=frozenset(holidays))

    def _open_spans(self, day: date) -> list[tuple[datetime, datetime]]:
        if day in self.holidays:
            return []
        zone = ZoneInfo(self.timezone)
        spans = []
        for start, end in self.weekly.get(WEEKDAYS[day.weekday()], []):
            begin = datetime.combine(day, start, zone)
            finish = (
                datetime.combine(day + timedelta(days=1), time.min, zone)
                if end == time.max
                else (datetime.combine(day, end, zone))
            )
            spans.append((as_utc(begin), as_utc(finish)))
        return spans

    def add(self, start: datetime, minutes: float) -> datetime:
        """The moment ``minutes`` of business time after ``start``."""
        start = as_utc(start)
        if self.always_open:
            return start + timedelta(minutes=minutes)
        remaining = timedelta(minutes=minutes)
        local_day = start.astimezone(ZoneInfo(self.timezone)).date()
        for offset in range(MAX_DAYS_SEARCHED):
            for begin, end in self._open_spans(local_day + timedelta(days=offset)):
                if end <= start:
                    continue
                begin = max(begin, start)
                if begin + remaining <= end:
                    return begin + remaining
                remaining -= end - begin
        raise ValueError("the calendar has no opening hours within three years")

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Business time between two moments (used to report how late a breach was)."""
        start, end = as_utc(start), as_utc(end)
        if end <= start:
            return timedelta(0)
        if self.always_open:
            return end - start
        total = timedelta(0)
        day = start.astimezone(ZoneInfo(self.timezone)).date()
        last = end.astimezone(ZoneInfo(self.timezone)).date()
        while day <= last:
            for begin, finish in self._open_spans(day):
                overlap = min(finish, end) - max(begin, start)
                if overlap > timedelta(0):
                    total += overlap
            day += timedelta(days=1)
        return total
