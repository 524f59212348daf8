"""The first tables: users with roles, agents' SIP credentials, and the audit log."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from config.db import Base


def utcnow() -> datetime:
    """Timezone-aware now, so PostgreSQL and SQLite rows compare the same way."""
    return datetime.now(UTC)


class Role(enum.StrEnum):
    """What a user may do; each route and WebSocket names the roles it admits."""

    AGENT = "agent"
    SUPERVISOR = "supervisor"
    QA_MANAGER = "qa_manager"
    ADMIN = "admin"


class User(Base):
    """A person who signs in to the console."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    # What customers see (chat, e-mail, surveys); unset means the first name of display_name.
    public_name: Mapped[str | None] = mapped_column(String(64), default=None)
    email: Mapped[str | None] = mapped_column(String(255), default=None)
    role: Mapped[Role] = mapped_column(
        Enum(Role, name="user_role", values_callable=lambda roles: [r.value for r in roles])
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    sip_credential: Mapped[SipCredential | None] = relationship(
        back_populates="user", lazy="raise", cascade="all, delete-orphan", uselist=False
    )


class SipCredential(Base):
    """An agent's SIP account. Only the digest hash (HA1) is kept, never the password."""

    __tablename__ = "sip_credentials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    realm: Mapped[str] = mapped_column(String(64), default="voxdesk")
    ha1: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    user: Mapped[User] = relationship(back_populates="sip_credential", lazy="raise")


class AuditEntry(Base):
    """Who did what to which object, and when; never edited.

    Two kinds share the table: domain events written by services (``user.created``, with details),
    and one entry per state-changing request of an admin or supervisor, written by the web app
    (action ``POST /api/admin/users``; those carry the role, the answer's status and the client).
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(255))
    target: Mapped[str] = mapped_column(String(255))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor_id: Mapped[int | None] = mapped_column(Integer, default=None)
    role: Mapped[str | None] = mapped_column(String(16), default=None)
    status: Mapped[int | None] = mapped_column(Integer, default=None)
    client: Mapped[str | None] = mapped_column(String(64), default=None)


class UserSession(Base):
    """A signed-in session: revocable, and found by the SHA-256 of its token (the token is never kept).

    The role is not stored here: every request reads the user's current role and ``is_active``.
    """

    __tablename__ = "user_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # hex SHA-256 of the client's token
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    user_agent: Mapped[str | None] = mapped_column(String(256), default=None)
    address: Mapped[str | None] = mapped_column(String(64), default=None)
