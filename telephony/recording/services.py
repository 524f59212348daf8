"""Recording of the call bridge, with pause/resume for card data (PCI); the purge is in ``retention``."""

from __future__ import annotations

import logging

from telephony.ari import AriError
from telephony.calls.exceptions import CallError
from telephony.calls.model import Call
from telephony.context import ControlContext

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
        """Pause while the caller reads card numbers, resume afterwards; nothing said meanwhile is kept."""
        async with self.ctx.calls.editing(call_id) as edit:
            name = edit.call.recording_name
            if not name:
                raise CallError(f"call {call_id} is not being recorded")
            if paused:
                await self.ctx.rest.pause_recording(name)
            else:
                await self.ctx.rest.unpause_recording(name)
            edit.call.recording_paused = paused
