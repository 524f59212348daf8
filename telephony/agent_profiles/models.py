"""The agent profile table: skills and queues of a user who takes calls (their SIP account is elsewhere)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class AgentProfile(Base):
    """Skills (name -> level 1..10) and the queues an agent serves; read at every login."""

    __tablename__ = "agent_profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    skills: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    queues: Mapped[list[str]] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
