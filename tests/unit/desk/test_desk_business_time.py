"""Deadlines in business time: opening hours, weekends, holidays and time zones."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from tickets.sla.business_time import BusinessHours

WEEKDAYS_9_TO_5 = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}


def berlin(holidays: list[date] | None = None) -> BusinessHours:
    return BusinessHours.from_config("Europe/Berlin", WEEKDAYS_9_TO_5, holidays or [])


def test_ninety_minutes_from_friday_afternoon_lands_on_monday_morning() -> None:
    friday_1630_berlin = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    assert berlin().add(friday_1630_berlin, 90) == datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # Mon 10:00 CET


def test_a_holiday_monday_pushes_the_deadline_to_tuesday() -> None:
    friday_1630_berlin = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    due = berlin([date(2026, 12, 7)]).add(friday_1630_berlin, 90)
    assert due == datetime(2026, 12, 8, 9, 0, tzinfo=UTC)


def test_time_before_opening_starts_counting_at_opening() -> None:
    tuesday_0600_utc = datetime(2026, 12, 8, 6, 0, tzinfo=UTC)  # 07:00 in Berlin
    assert berlin().add(tuesday_0600_utc, 30) == datetime(2026, 12, 8, 8, 30, tzinfo=UTC)


def test_opening_hours_follow_daylight_saving_time() -> None:
    summer_monday = datetime(2026, 7, 6, 7, 0, tzinfo=UTC)  # 09:00 CEST
    assert berlin().add(summer_monday, 60) == datetime(2026, 7, 6, 8, 0, tzinfo=UTC)


def test_around_the_clock_is_plain_addition_and_elapsed_measures_business_time() -> None:
    start = datetime(2026, 12, 4, 15, 30, tzinfo=UTC)
    assert BusinessHours.around_the_clock().add(start, 90) == start + timedelta(minutes=90)
    assert berlin().elapsed(start, datetime(2026, 12, 7, 9, 0, tzinfo=UTC)) == timedelta(minutes=90)


def test_a_calendar_with_no_hours_is_refused_instead_of_looping() -> None:
    with pytest.raises(ValueError, match="no opening hours"):
        BusinessHours.from_config("UTC", {}, []).add(datetime(2026, 1, 1, tzinfo=UTC), 1)


def test_bad_calendar_config_is_refused_with_the_reason() -> None:
    with pytest.raises(ValueError, match="unknown weekday"):
        BusinessHours.from_config("UTC", {"monday": [["09:00", "17:00"]]}, [])
    with pytest.raises(ValueError, match="not before closing"):
        BusinessHours.from_config("UTC", {"mon": [["17:00", "09:00"]]}, [])
