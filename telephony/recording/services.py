"""Recording of the call bridge, with pause/resume for card data (PCI) and a retention purge."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from config.db import session_scope
from telephony.ari_ import AriError, AriNotFoundError
from telephony.calls.exceptions import CallError
from telephony.calls.model import Call
from telephony.context import ControlContext
from telephony.records.models import CallRecord

log = logging.getLogger(__name__)


class RecordingService:
    def __init__(self, ctx: ControlContext) -> None:
        self.ctx = ctx

    async def start(self, call: Call) -> None:
        """Record the bridge once the agent is connected (if recording is on)."""
        settings = self.ctx.settings.recording
        if not settings.enabled or not call.bridge_id or call.recording_name:
            return
        name = f"voxdesk-{call.call_id}"
        try:
            await self.ctx.rest.record_bridge(call.bridge_id, name, settings.format)
        except AriError as exc:
            log.warning("could not record call %s: %s", call.call_id, exc)
            return
        async with self.ctx.calls.editing(call.call_id) as edit:
            edit.call.recording_name = name

    async def set_paused(self, call_id: str, paused: bool) -> None:
        """Pause while the caller reads card numbers, resume afterwards; the gap is silence-free."""
        async with self.ctx.calls.editing(call_id) as edit:
            name = edit.call.recording_name
            if not name:
                raise CallError(f"call {call_id} is not being recorded")
            if paused:
                await self.ctx.rest.pause_recording(name)
            else:
                await self.ctx.rest.unpause_recording(name)
            edit.call.recording_paused = paused


def purge_expired_recordings(factory: sessionmaker[Session], retention_days: int) -> list[str]:
    """Names of recordings older than the retention; their rows lose the name once deleted."""
    cutoff = datetime.now(UTC) - timedelta(days=retention_days)
    with session_scope(factory) as session:
        rows = session.scalars(
            select(CallRecord).where(CallRecord.recording_name.is_not(None), CallRecord.ended_at < cutoff)
        ).all()
        return [row.recording_name for row in rows if row.recording_name]


async def delete_recordings(ctx: ControlContext, factory: sessionmaker[Session], names: list[str]) -> None:
    for name in names:
        try:
            await ctx.rest.delete_stored_recording(name)
        except AriNotFoundError:
            pass
        with session_scope(factory) as session:
            for row in session.scalars(select(CallRecord).where(CallRecord.recording_name == name)):
                row.recording_name = None
