"""SLA tables: policies, business calendars with holidays, and one timer row per running target.

The timer rows are the source of truth; Celery ETA jobs only wake a worker at the right moment,
and every job re-reads its row before acting, so duplicates and restarts are harmless.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class SlaTarget(enum.StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


class TimerState(enum.StrEnum):
    RUNNING = "running"
    REMINDED = "reminded"  # reminder sent, deadline still ahead
    BREACHED = "breached"
    MET = "met"
    CANCELLED = "cancelled"
    PAUSED = "paused"  # the ticket waits on the customer; resumes with the time that was left


ACTIVE_TIMER_STATES = (TimerState.RUNNING.value, TimerState.REMINDED.value)
# Timers that can still end as met, breached or cancelled (a paused one is not ticking).
LIVE_TIMER_STATES = (*ACTIVE_TIMER_STATES, TimerState.PAUSED.value)


class BusinessCalendar(Base):
    """Opening hours in a time zone; ``hours`` maps ``mon``..``sun`` to ``[["09:00", "17:00"], ...]``."""

    __tablename__ = "sla_calendars"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    hours: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Holiday(Base):
    """A whole day a calendar is closed."""

    __tablename__ = "sla_holidays"
    __table_args__ = (UniqueConstraint("calendar_id", "day", name="uq_sla_holidays_calendar_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("sla_calendars.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(100), default="")


class SlaPolicy(Base):
    """Targets for tickets of a priority and/or channel (None matches any); the most specific wins.

    Durations are business minutes (fractions allowed); no calendar means around the clock.
    """

    __tablename__ = "sla_policies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    priority: Mapped[str | None] = mapped_column(String(16), default=None)
    channel: Mapped[str | None] = mapped_column(String(16), default=None)
    first_response_minutes: Mapped[float | None] = mapped_column(Float, default=None)
    next_response_minutes: Mapped[float | None] = mapped_column(Float, default=None)
    resolution_minutes: Mapped[float | None] = mapped_column(Float, default=None)
    remind_before_minutes: Mapped[float] = mapped_column(Float, default=15.0)
    calendar_id: Mapped[int | None] = mapped_column(
        ForeignKey("sla_calendars.id", ondelete="SET NULL"), default=None
    )
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SlaTimer(Base):
    """One target running for one ticket: when to remind, when it breaches, and what happened."""

    __tablename__ = "sla_timers"
    __table_args__ = (Index("ix_sla_timers_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    policy_id: Mapped[int | None] = mapped_column(ForeignKey("sla_policies.id", ondelete="SET NULL"))
    target: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), default=TimerState.RUNNING.value)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    remind_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    due_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    reminded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    breached_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    stopped_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    paused_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The wake-up moment a job was last queued for; the periodic re-arm skips timers already armed.
    armed_eta: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
