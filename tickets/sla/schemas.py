"""SLA policy and calendar shapes."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from tickets.desk.models import TicketPriority
from tickets.desk.schemas import MAX_ID, Strict, TicketChannel
from tickets.sla.business_time import BusinessHours

Minutes = Annotated[float, Field(gt=0, le=525_600)]  # up to a year
HhMm = Annotated[str, StringConstraints(pattern=r"^(([01]\d|2[0-3]):[0-5]\d|24:00)$")]


class CalendarCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    timezone: str = Field(default="UTC", max_length=64)
    hours: dict[str, list[tuple[HhMm, HhMm]]] = Field(description='{"mon": [["09:00", "17:00"]], ...}')
    holidays: list[date] = Field(default_factory=list, max_length=400)

    @field_validator("hours")
    @classmethod
    def _valid_week(cls, value: dict[str, list[tuple[str, str]]]) -> dict[str, list[tuple[str, str]]]:
        BusinessHours.from_config("UTC", value, [])
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value


class CalendarPublic(BaseModel):
    id: int
    name: str
    timezone: str
    hours: dict[str, list[list[str]]]
    holidays: list[date]


class PolicyCreate(Strict):
    name: str = Field(min_length=1, max_length=100)
    priority: TicketPriority | None = None
    channel: TicketChannel | None = None
    first_response_minutes: Minutes | None = None
    next_response_minutes: Minutes | None = None
    resolution_minutes: Minutes | None = None
    remind_before_minutes: float = Field(default=15.0, ge=0, le=10_080)
    calendar_id: int | None = Field(default=None, ge=1, le=MAX_ID)
    active: bool = True


class PolicyPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    priority: str | None
    channel: str | None
    first_response_minutes: float | None
    next_response_minutes: float | None
    resolution_minutes: float | None
    remind_before_minutes: float
    calendar_id: int | None
    active: bool
    created_at: datetime


class TimerPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    ticket_id: int
    policy_id: int | None
    target: str
    state: str
    started_at: datetime
    remind_at: datetime | None
    due_at: datetime
    reminded_at: datetime | None
    breached_at: datetime | None
    stopped_at: datetime | None
