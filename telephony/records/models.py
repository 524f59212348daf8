"""The call record table (analytics read it; call control writes it once per call)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Float, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class CallRecord(Base):
    """A finished call: times, durations in seconds, where it went, who took it, how it ended."""

    __tablename__ = "call_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    direction: Mapped[str] = mapped_column(String(16), default="inbound")
    caller_number: Mapped[str] = mapped_column(String(64), default="")
    dialed_number: Mapped[str] = mapped_column(String(64), default="")
    customer_id: Mapped[str | None] = mapped_column(String(64), default=None)
    ivr_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    ivr_choice: Mapped[str] = mapped_column(String(32), default="")
    queue_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    first_queue_id: Mapped[str | None] = mapped_column(String(64), default=None)
    agent_id: Mapped[str | None] = mapped_column(String(64), default=None, index=True)
    disposition: Mapped[str] = mapped_column(String(32), index=True)
    offered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    queued_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    abandoned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ended_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    queue_wait_s: Mapped[float] = mapped_column(Float, default=0.0)
    talk_s: Mapped[float] = mapped_column(Float, default=0.0)
    hold_s: Mapped[float] = mapped_column(Float, default=0.0)
    wrap_up_s: Mapped[float] = mapped_column(Float, default=0.0)
    missed_offers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    callback_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    recording_name: Mapped[str | None] = mapped_column(String(128), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
