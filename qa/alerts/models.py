"""One stored compliance finding: which rule, where (call or conversation), when, and the evidence."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class QaAlert(Base):
    """A forbidden statement, a missing disclosure or a disclosure said, on a call or a conversation.

    ``conversation_id`` is a plain id (conversations are the tickets feature's table, which qa may
    not depend on). ``evidence`` is the utterance as the engine saw it, already redacted; ``start``
    and ``end`` are seconds from the start of the call or conversation.
    """

    __tablename__ = "qa_alerts"
    __table_args__ = (
        Index("ix_qa_alerts_call_start", "call_id", "start"),
        Index("ix_qa_alerts_conversation", "conversation_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str | None] = mapped_column(String(64), default=None)
    conversation_id: Mapped[int | None] = mapped_column(Integer, default=None)
    channel: Mapped[str] = mapped_column(String(16), default="voice")
    agent: Mapped[str | None] = mapped_column(String(128), default=None)
    rule_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    speaker: Mapped[str] = mapped_column(String(16))
    evidence: Mapped[str] = mapped_column(Text, default="")
    start: Mapped[float] = mapped_column(Float, default=0.0)
    end: Mapped[float] = mapped_column(Float, default=0.0)
    score: Mapped[float] = mapped_column(Float, default=0.0)
    action: Mapped[str] = mapped_column(String(8), default="warn")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
