"""Stored scorecards (one per call) and the coaching notes on them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class Scorecard(Base):
    """The automatic result of one call and, kept beside it, a QA manager's review.

    ``auto_items`` are the computed items (JSON of :class:`~qa.scorecards.schemas.ScoreItem`);
    ``overrides`` maps an item key to ``{"status", "reason"}``; ``facts`` are the call facts the
    score came from, so late transcript segments can be scored again without call control.
    """

    __tablename__ = "qa_scorecards"
    __table_args__ = (
        # Analytics reads the (few) reviewed scorecards one by one: web.analytics.training.
        Index(
            "ix_qa_scorecards_reviewed_at",
            "reviewed_at",
            postgresql_where=text("reviewed_at IS NOT NULL"),
            sqlite_where=text("reviewed_at IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    call_id: Mapped[str] = mapped_column(String(64), unique=True)
    agent_id: Mapped[str] = mapped_column(String(64), index=True)  # the agent's SIP user name
    queue_id: Mapped[str | None] = mapped_column(String(64), default=None)
    channel: Mapped[str] = mapped_column(String(16), default="voice")
    call_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None, index=True)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    auto_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    auto_total: Mapped[float] = mapped_column(Float, default=0.0)
    segments_scored: Mapped[int] = mapped_column(Integer, default=0)
    scored_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    overrides: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    override_total: Mapped[float | None] = mapped_column(Float, default=None)
    override_reason: Mapped[str | None] = mapped_column(Text, default=None)
    reviewed: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    reviewed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    reviewed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # The total as shown (review, else automatic), kept in step so searches filter on it in SQL.
    effective_total: Mapped[float | None] = mapped_column(Float, default=None, index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class CoachingNote(Base):
    """A note from a QA manager or supervisor to the agent, on one scorecard."""

    __tablename__ = "qa_coaching_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecards.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    author_name: Mapped[str] = mapped_column(String(128), default="")
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Calibration(Base):
    """One QA reviewer's own, independent result of every item of a scorecard (calibration sessions:
    several reviewers score the same call, and their agreement shows how consistently QA scores)."""

    __tablename__ = "qa_calibrations"
    __table_args__ = (
        UniqueConstraint("scorecard_id", "reviewer_id", name="uq_qa_calibrations_scorecard_reviewer"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scorecard_id: Mapped[int] = mapped_column(ForeignKey("qa_scorecards.id", ondelete="CASCADE"), index=True)
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reviewer_name: Mapped[str] = mapped_column(String(128), default="")
    items: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)  # item key -> status
    total: Mapped[float] = mapped_column(Float, default=0.0)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
