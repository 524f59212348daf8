"""The audit log: who did what to which object, when, from where, and how it ended.

Services write domain events themselves (``user.created`` with its details, in the same
transaction as the change). The web app adds one entry per state-changing request of an admin or
supervisor (:mod:`web.audit`), so no action of theirs is missed even where no service writes an
event; those entries have a ``status``. Both kinds are kept: the request entry says that the call
was made and how it answered, the event says what changed. Entries never hold request bodies, so
no password or secret reaches the log.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from config.models import AuditEntry

MAX_PAGE = 500


@dataclass(frozen=True)
class RequestAudit:
    """One admin or supervisor request, as the web app saw it."""

    actor: str
    actor_id: int
    role: str
    action: str  # method and route template: "PATCH /api/desk/groups/{group_id}"
    target: str  # the path's ids, and the id a 201 answer created: "group_id=3"
    status: int
    client: str | None


def record_request(session: Session, audit: RequestAudit) -> AuditEntry:
    """Store one request entry (commits: it is written after the request's own work is done)."""
    entry = AuditEntry(
        actor=audit.actor[:64], actor_id=audit.actor_id, role=audit.role[:16], action=audit.action[:255],
        target=audit.target[:255], status=audit.status, client=(audit.client or "")[:64] or None, details={},
    )  # fmt: skip
    session.add(entry)
    session.commit()
    return entry


@dataclass(frozen=True)
class AuditFilter:
    """What to read: exact actor, text in the action or target, a time range, a page before an id."""

    actor: str | None = None
    action: str | None = None
    target: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    requests_only: bool | None = None  # True: request entries; False: domain events; None: both
    before_id: int | None = None
    limit: int = 100


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def list_entries(session: Session, wanted: AuditFilter) -> list[AuditEntry]:
    """Newest first, at most ``limit`` (capped at :data:`MAX_PAGE`) entries."""
    query = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(max(1, min(wanted.limit, MAX_PAGE)))
    if wanted.actor is not None:
        query = query.where(AuditEntry.actor == wanted.actor)
    if wanted.action is not None:
        query = query.where(AuditEntry.action.like(_contains(wanted.action), escape="\\"))
    if wanted.target is not None:
        query = query.where(AuditEntry.target.like(_contains(wanted.target), escape="\\"))
    if wanted.since is not None:
        query = query.where(AuditEntry.at >= _utc(wanted.since))
    if wanted.until is not None:
        query = query.where(AuditEntry.at < _utc(wanted.until))
    if wanted.requests_only is True:
        query = query.where(AuditEntry.status.is_not(None))
    elif wanted.requests_only is False:
        query = query.where(AuditEntry.status.is_(None))
    if wanted.before_id is not None:
        query = query.where(AuditEntry.id < wanted.before_id)
    return list(session.scalars(query))
