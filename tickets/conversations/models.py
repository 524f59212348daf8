"""Conversation and message tables shared by every channel."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from config.db import Base
from config.models import utcnow


class Channel(enum.StrEnum):
    WEBCHAT = "webchat"
    EMAIL = "email"
    SMS = "sms"
    WECHAT = "wechat"
    VOICE = "voice"


class Direction(enum.StrEnum):
    INBOUND = "inbound"  # from the customer
    OUTBOUND = "outbound"  # to the customer
    INTERNAL = "internal"  # notes and system lines the customer never sees


class AuthorKind(enum.StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    SYSTEM = "system"
    BOT = "bot"  # the FAQ bot (qa.faqbot): says it is a bot; never an agent's response


class Conversation(Base):
    """One thread with one customer on one channel (an e-mail thread, a chat, a call)."""

    __tablename__ = "conversations"
    __table_args__ = (
        UniqueConstraint("channel", "external_ref", name="uq_conversations_channel_external_ref"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id", ondelete="CASCADE"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(300), default="")
    # Channel's own key: the call id for voice, the visitor's chat id, the sender for SMS/WeChat.
    external_ref: Mapped[str | None] = mapped_column(String(255), default=None)
    status: Mapped[str] = mapped_column(String(16), default="open")
    assigned_agent_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Security markers agents see, name -> reason: "thread_mismatch" (a mail pointed at another
    # customer's thread and was kept apart), "spoof_suspected" (its sender failed SPF/DKIM/DMARC).
    flags: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default="{}")


class Message(Base):
    """One message, or one transcript segment when the conversation is a call."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(
        ForeignKey("conversations.id", ondelete="CASCADE"), index=True
    )
    direction: Mapped[str] = mapped_column(String(16))
    author_kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    author_name: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The channel's id for this message: an e-mail's Message-ID, an SMS sid, a WeChat MsgId.
    external_id: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    in_reply_to: Mapped[str | None] = mapped_column(String(255), default=None)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    # Transcript segments: which leg spoke, and where in the call.
    speaker: Mapped[str | None] = mapped_column(String(32), default=None)
    offset_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    duration_ms: Mapped[int | None] = mapped_column(Integer, default=None)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Derived from ``body`` by tickets.textsearch (GIN-indexed on PostgreSQL); None for rows stored
    # before the 0800 migration, which the QA search matches on ``body`` instead.
    search_text: Mapped[str | None] = mapped_column(Text, default=None)

    @property
    def delivery(self) -> str | None:
        """Outbound delivery state kept in ``meta``: pending, sent or failed (None when not tracked)."""
        value = (self.meta or {}).get("delivery")
        return str(value) if value else None

    @property
    def auth(self) -> dict[str, Any] | None:
        """Inbound e-mail: what SPF, DKIM and DMARC said (kept in ``meta``; None for other messages)."""
        value = (self.meta or {}).get("auth")
        return dict(value) if isinstance(value, dict) else None
