"""Stored transcript: one row per final segment of one leg of one call."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Float, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class TranscriptSegment(Base):
    """What one speaker said between two pauses, with word timings.

    ``start_ms``/``end_ms`` are on the leg clock (since the leg's media started); the unique key
    makes storing idempotent, so a job redelivered after a worker crash does not duplicate a row.
    """

    __tablename__ = "transcript_segments"
    __table_args__ = (
        UniqueConstraint("call_id", "leg", "start_ms", name="uq_transcript_segments_call_leg_start"),
        Index("ix_transcript_segments_call_start", "call_id", "start_ms"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64))
    leg: Mapped[str] = mapped_column(String(32))
    speaker: Mapped[str | None] = mapped_column(String(128), default=None)
    start_ms: Mapped[int] = mapped_column(Integer)
    end_ms: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    confidence: Mapped[float] = mapped_column(Float)
    words: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    engine: Mapped[str] = mapped_column(String(32), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
