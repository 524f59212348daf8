"""The messages that told customers their ticket moved: one row per move, claimed before sending."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class ProgressNotice(Base):
    """``move_key`` is ``<kind>:<history id>``; the unique pair makes a job that runs twice send once."""

    __tablename__ = "ticket_progress_notices"
    __table_args__ = (UniqueConstraint("ticket_id", "move_key", name="uq_ticket_progress_notices_move"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    move_key: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8), default="en")
    # The message that carried it, once delivered (None while in flight, or with no way to reach them).
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
