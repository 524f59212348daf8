"""Turn a finished :class:`Call` into its :class:`CallRecord` and store it (idempotent per call id)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from telephony.calls.model import Call
from telephony.records.models import CallRecord


def _at(stamp: float | None) -> datetime | None:
    return datetime.fromtimestamp(stamp, UTC) if stamp else None


def record_values(call: Call) -> dict[str, Any]:
    """Durations from the call's timestamps: wait until answered or abandoned, talk minus hold."""
    ended = call.ended_at or call.state_changed_at
    queue_wait = 0.0
    if call.queued_at:
        queue_wait = (
            call.answered_at or call.abandoned_at or call.wrap_up_started_at or ended
        ) - call.queued_at
    talk = 0.0
    if call.answered_at:
        talk = max(0.0, (call.wrap_up_started_at or ended) - call.answered_at - call.hold_seconds)
    wrap_up = ended - call.wrap_up_started_at if call.wrap_up_started_at else 0.0
    return {
        "call_id": call.call_id,
        "direction": call.direction,
        "caller_number": call.caller_number,
        "dialed_number": call.dialed_number,
        "customer_id": call.customer_id,
        "ivr_path": list(call.ivr_path),
        "ivr_choice": call.ivr_choice,
        "queue_id": call.queue_id,
        "first_queue_id": call.first_queue_id,
        "agent_id": call.agent_id,
        "disposition": call.disposition or "unknown",
        "offered_at": _at(call.created_at),
        "queued_at": _at(call.queued_at),
        "answered_at": _at(call.answered_at),
        "abandoned_at": _at(call.abandoned_at),
        "ended_at": _at(ended),
        "queue_wait_s": round(max(0.0, queue_wait), 3),
        "talk_s": round(talk, 3),
        "hold_s": round(call.hold_seconds, 3),
        "wrap_up_s": round(max(0.0, wrap_up), 3),
        "missed_offers": [offer.model_dump() for offer in call.missed_offers],
        "callback_requested": call.callback_number is not None,
        "recording_name": call.recording_name,
    }


def write_record(factory: sessionmaker[Session], call: Call) -> None:
    """Insert, or update the row a previous controller wrote for the same call."""
    values = record_values(call)
    with session_scope(factory) as session:
        row = session.scalars(select(CallRecord).where(CallRecord.call_id == call.call_id)).first()
        if row is None:
            session.add(CallRecord(**values))
        else:
            for key, value in values.items():
                setattr(row, key, value)


class RecordWriter:
    """Writes records in a worker thread so the event loop (and the calls on it) never waits on SQL."""

    def __init__(self, factory: sessionmaker[Session]) -> None:
        self._factory = factory

    async def __call__(self, call: Call) -> None:
        await asyncio.to_thread(write_record, self._factory, call)
