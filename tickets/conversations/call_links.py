"""What a call conversation knows about its call: the IVR path, who answered, how it ended, the
recording and the agent's disposition. One row per call, keyed by the call id (``call_records``
and the transcript use the same key)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class CallLink(Base):
    __tablename__ = "conversation_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), unique=True
    )
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    caller_number: Mapped[str] = mapped_column(String(64), default="")
    dialed_number: Mapped[str] = mapped_column(String(64), default="")
    ivr_path: Mapped[list[str]] = mapped_column(JSON, default=list)
    ivr_choice: Mapped[str | None] = mapped_column(String(64), default=None)
    queue_id: Mapped[str | None] = mapped_column(String(64), default=None)
    language: Mapped[str | None] = mapped_column(String(16), default=None)
    agent_id: Mapped[str | None] = mapped_column(String(64), default=None)  # the agent's SIP user name
    outcome: Mapped[str | None] = mapped_column(String(32), default=None)  # answered, abandoned_in_queue...
    disposition: Mapped[str | None] = mapped_column(String(32), default=None)  # the agent's wrap-up code
    disposition_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    recording_name: Mapped[str | None] = mapped_column(String(128), default=None)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    talk_s: Mapped[float | None] = mapped_column(default=None)
