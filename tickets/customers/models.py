"""Customer tables: a customer, the identities that point at them, and merge records."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class CustomerSegment(enum.StrEnum):
    """Service tier; stored as plain text so adding a tier needs no enum migration."""

    STANDARD = "standard"
    VIP = "vip"


class Customer(Base):
    """A person or organisation we serve, whatever channel they come through."""

    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    segment: Mapped[str] = mapped_column(String(32), default=CustomerSegment.STANDARD.value)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
