"""Ticket tables: groups, tickets, per-group tasks, notes, history, templates and field definitions.

Enumerations are stored as short strings (checked by the service and the schemas) so adding a
value never needs a PostgreSQL enum migration.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
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


class TicketPriority(enum.StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


# Escalation raises a ticket one step along this order.
PRIORITY_ORDER = [TicketPriority.LOW, TicketPriority.NORMAL, TicketPriority.HIGH, TicketPriority.URGENT]


class TicketStatus(enum.StrEnum):
    NEW = "new"
    OPEN = "open"
    PENDING = "pending"  # waiting on the customer
    SOLVED = "solved"
    CLOSED = "closed"


OPEN_STATUSES = (TicketStatus.NEW, TicketStatus.OPEN, TicketStatus.PENDING)


class TicketSource(enum.StrEnum):
    AGENT = "agent"
    RULE = "rule"
    CALL = "call"
    MESSAGE = "message"
    ALERT = "alert"
    TEMPLATE = "template"


class TaskStatus(enum.StrEnum):
    WAITING = "waiting"  # a later step of a flow, not handed over yet
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


FINISHED_TASK_STATUSES = (TaskStatus.DONE, TaskStatus.CANCELLED)


class Group(Base):
    """A team that works tickets (after-sales, QA, academic affairs), with a lead for escalations."""

    __tablename__ = "desk_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    description: Mapped[str] = mapped_column(String(500), default="")
    lead_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class GroupMember(Base):
    """A user who works a group's tickets: object-level access (tickets.access) reads it."""

    __tablename__ = "desk_group_members"
    __table_args__ = (UniqueConstraint("group_id", "user_id", name="uq_desk_group_members_group_user"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("desk_groups.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Ticket(Base):
    """One problem someone owns until it is solved."""

    __tablename__ = "tickets"
    __table_args__ = (
        Index("ix_tickets_status_priority_id", "status", "priority", "id"),
        # One open ticket per device and alert code; a repeat alert becomes a note instead.
        Index(
            "uq_tickets_open_device_alert",
            "device_serial",
            "alert_code",
            unique=True,
            postgresql_where=text("status IN ('new', 'open', 'pending') AND alert_code IS NOT NULL"),
            sqlite_where=text("status IN ('new', 'open', 'pending') AND alert_code IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default=TicketStatus.NEW.value)
    priority: Mapped[str] = mapped_column(String(16), default=TicketPriority.NORMAL.value)
    business_area: Mapped[str] = mapped_column(String(64), default="general", index=True)
    channel: Mapped[str] = mapped_column(String(16), default="web")
    source: Mapped[str] = mapped_column(String(16), default=TicketSource.AGENT.value)
    customer_id: Mapped[int | None] = mapped_column(
        ForeignKey("customers.id", ondelete="SET NULL"), default=None, index=True
    )
    conversation_id: Mapped[int | None] = mapped_column(
        ForeignKey("conversations.id", ondelete="SET NULL"), default=None, index=True
    )
    call_id: Mapped[str | None] = mapped_column(String(128), default=None, index=True)
    assignee_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None, index=True
    )
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("desk_groups.id", ondelete="SET NULL"), default=None, index=True
    )
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("desk_templates.id", ondelete="SET NULL"), default=None
    )
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    custom_fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Where a call ticket came from: IVR path, reason, transcript link, summary.
    call_context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    device_serial: Mapped[str | None] = mapped_column(String(255), default=None, index=True)
    alert_code: Mapped[str | None] = mapped_column(String(64), default=None)
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    first_response_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    solved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    # Derived from subject, description and tags by tickets.textsearch (GIN-indexed on PostgreSQL).
    search_text: Mapped[str] = mapped_column(Text, default="")


class TicketTask(Base):
    """One group's part of a ticket (a refund by after-sales, a quality report by QA)."""

    __tablename__ = "ticket_tasks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("desk_groups.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16), default=TaskStatus.OPEN.value)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    # Position in a template flow; tasks of one step run in parallel, the next step waits.
    step: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class TicketNote(Base):
    """An internal note (agents only) or a public reply; ``mentions`` holds mentioned user ids."""

    __tablename__ = "ticket_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    author: Mapped[str] = mapped_column(String(64))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), default=None)
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool] = mapped_column(Boolean, default=True)
    mentions: Mapped[list[int]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TicketHistory(Base):
    """Append-only log of what happened to a ticket (status, assignment, SLA, escalation)."""

    __tablename__ = "ticket_history"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class TicketTemplate(Base):
    """A multi-step flow: each step is a list of tasks for groups, handed over in order."""

    __tablename__ = "desk_templates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    business_area: Mapped[str] = mapped_column(String(64), default="general")
    description: Mapped[str] = mapped_column(String(500), default="")
    default_priority: Mapped[str] = mapped_column(String(16), default=TicketPriority.NORMAL.value)
    # [{"title": "Consult", "group_id": 1}, ...] validated by tickets.desk.schemas.TemplateStep.
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FieldDefinition(Base):
    """A custom field a business area's tickets carry (e.g. education: ``course``, ``campus``)."""

    __tablename__ = "desk_field_definitions"
    __table_args__ = (UniqueConstraint("business_area", "key", name="uq_desk_field_definitions_area_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    business_area: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    label: Mapped[str] = mapped_column(String(200))
    field_type: Mapped[str] = mapped_column(String(16))  # text, number, boolean, choice, date
    required: Mapped[bool] = mapped_column(Boolean, default=False)
    choices: Mapped[list[str]] = mapped_column(JSON, default=list)
