"""The audit log for admins: every admin and supervisor request, and the services' domain events."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from config.audit import MAX_PAGE, AuditFilter, list_entries
from web.auth import require_roles
from web.deps import SessionDep

router = APIRouter(tags=["audit"])
ADMINS = require_roles()  # admins only
MAX_ID = 2**31 - 1
TEXT = r"^[^\x00-\x1f\x7f]*$"  # printable text only: a filter is matched, never shown as markup


class AuditQuery(BaseModel):
    """Filters; an unknown parameter is refused (422) rather than silently ignored."""

    model_config = ConfigDict(extra="forbid")

    actor: str | None = Field(default=None, min_length=1, max_length=64, pattern=TEXT, description="exact")
    action: str | None = Field(
        default=None, min_length=1, max_length=255, pattern=TEXT,
        description="text in the action, e.g. 'POST /api/admin/users' or 'user.'",
    )  # fmt: skip
    target: str | None = Field(
        default=None, min_length=1, max_length=255, pattern=TEXT,
        description="text in the target, e.g. 'user_id=5' or 'user:5'",
    )  # fmt: skip
    since: AwareDatetime | None = Field(default=None, description="from this time (with its offset)")
    until: AwareDatetime | None = Field(default=None, description="before this time (with its offset)")
    kind: Literal["request", "event"] | None = Field(
        default=None, description="request: one per admin/supervisor request; event: a service's record"
    )
    before_id: int | None = Field(default=None, ge=1, le=MAX_ID, description="entries older than this id")
    limit: int = Field(default=100, ge=1, le=MAX_PAGE)

    @model_validator(mode="after")
    def _ordered(self) -> AuditQuery:
        if self.since is not None and self.until is not None and self.since >= self.until:
            raise ValueError("since must be before until")
        return self


class AuditEntryPublic(BaseModel):
    id: int
    at: datetime
    actor: str
    actor_id: int | None
    role: str | None
    action: str
    target: str
    status: int | None = Field(description="the answer's status (request entries only)")
    client: str | None
    details: dict[str, Any]


class AuditPage(BaseModel):
    entries: list[AuditEntryPublic]
    next_before_id: int | None = Field(description="pass as before_id for the next (older) page")


@router.get("/api/audit", dependencies=[ADMINS])
def read_audit_log(session: SessionDep, query: Annotated[AuditQuery, Query()]) -> AuditPage:
    """Newest first. Request entries have the actor's role, the status and the client's address."""
    wanted = AuditFilter(
        actor=query.actor, action=query.action, target=query.target, since=query.since, until=query.until,
        requests_only=None if query.kind is None else query.kind == "request",
        before_id=query.before_id, limit=query.limit,
    )  # fmt: skip
    entries = list_entries(session, wanted)
    page = [AuditEntryPublic.model_validate(entry, from_attributes=True) for entry in entries]
    full = len(entries) == query.limit
    return AuditPage(entries=page, next_before_id=entries[-1].id if full and entries else None)
