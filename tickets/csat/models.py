"""One survey per conversation (and ticket), answered once with a 1-5 score."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class CsatSurvey(Base):
    __tablename__ = "csat_surveys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    # Tickets live in another feature's table; kept as a plain id so either can migrate alone.
    ticket_id: Mapped[int | None] = mapped_column(Integer, default=None, index=True)
    # SHA-256 of the random token in the customer's link; the token itself is never stored.
    token_hash: Mapped[str | None] = mapped_column(String(64), default=None, unique=True, index=True)
    via: Mapped[str] = mapped_column(String(16))  # chat, email, sms, ivr
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    score: Mapped[int | None] = mapped_column(Integer, default=None)
    comment: Mapped[str] = mapped_column(Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The SMS or e-mail that carried the link, once delivered (a re-run job then sends nothing).
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("messages.id", ondelete="SET NULL"), default=None
    )
