"""Reading call records with filters (the console's call history; analytics use the same table)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from telephony.records.models import CallRecord


@dataclass(frozen=True)
class RecordFilter:
    """Every field narrows the list; None means any."""

    queue_id: str | None = None
    agent_id: str | None = None
    disposition: str | None = None
    caller_number: str | None = None
    since: datetime | None = None
    until: datetime | None = None


def list_records(
    session: Session, where: RecordFilter, *, limit: int = 50, offset: int = 0
) -> tuple[list[CallRecord], bool]:
    """Newest first; the flag says whether more rows follow."""
    query = select(CallRecord)
    for column, value in (
        (CallRecord.queue_id, where.queue_id),
        (CallRecord.agent_id, where.agent_id),
        (CallRecord.disposition, where.disposition),
        (CallRecord.caller_number, where.caller_number),
    ):
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(CallRecord.offered_at >= where.since)
    if where.until is not None:
        query = query.where(CallRecord.offered_at < where.until)
    query = query.order_by(CallRecord.offered_at.desc(), CallRecord.id.desc()).offset(offset).limit(limit + 1)
    rows = list(session.scalars(query))
    return rows[:limit], len(rows) > limit


def get_record(session: Session, call_id: str) -> CallRecord | None:
    return session.scalars(select(CallRecord).where(CallRecord.call_id == call_id)).first()
