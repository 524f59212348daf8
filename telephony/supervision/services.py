"""Listen, whisper and barge.

Listen and whisper use a snoop channel on the *agent's* channel: ``spy=both`` lets the supervisor
hear both sides; for whisper, ``whisper=out`` injects the supervisor's voice into the audio going
out to the agent's phone only, so the caller never hears it. Barge adds the supervisor to the
call's bridge.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum

from telephony.ari import AriConflictError
from telephony.ari.models import Channel
from telephony.calls.exceptions import CallError
from telephony.context import ControlContext, call_id_header


class SupervisionMode(StrEnum):
    LISTEN = "listen"
    WHISPER = "whisper"
    BARGE = "barge"


class SupervisionService:
    def __init__(self, ctx: ControlContext) -> None:
        self.ctx = ctx

    async def start(self, call_id: str, supervisor_endpoint: str, mode: SupervisionMode) -> str:
        """Ring the supervisor's phone; when answered they join in ``mode``. Returns the channel id."""
        call = await self.ctx.calls.store.get(call_id)
        if call.state not in ("connected", "on_hold", "transferring") or not call.agent_channel_id:
            raise CallError(f"call {call_id} is {call.state}; supervisors join connected calls")
        async with self.ctx.calls.editing(call_id) as edit:
            channel_id = edit.call.new_channel_id("sup")
            edit.call.supervisor_channel_ids.append(channel_id)
        await self.ctx.rest.originate(
            self.ctx.devices.dial_target(supervisor_endpoint),
            app=self.ctx.app,
            app_args=f"supervisor,{call_id},{mode.value}",
            channel_id=channel_id,
            caller_id=f"Supervise <{call.caller_number}>",
            timeout_s=30,
            variables=call_id_header(call_id),
        )
        return channel_id

    async def supervisor_answered(self, call_id: str, mode: SupervisionMode, channel: Channel) -> None:
        call = await self.ctx.calls.store.get(call_id)
        if mode == SupervisionMode.BARGE:
            await self.ctx.rest.add_to_bridge(call.bridge_id or "", [channel.id])
            return
        snoop = await self.ctx.rest.snoop(
            call.agent_channel_id or "",
            app=self.ctx.app,
            app_args=f"snoop,{call_id}",
            spy="both",
            whisper="out" if mode == SupervisionMode.WHISPER else "none",
            snoop_id=f"{channel.id}-snoop",
        )
        bridge = await self.ctx.rest.create_bridge(
            "mixing", name=f"spy-{channel.id}", bridge_id=f"spy-{channel.id}"
        )
        await self.ctx.rest.add_to_bridge(bridge.id, [channel.id])
        async with self.ctx.calls.editing(call_id) as edit:
            edit.call.supervisor_channel_ids.append(snoop.id)
        await self._add_once_in_stasis(bridge.id, snoop.id)

    async def _add_once_in_stasis(self, bridge_id: str, channel_id: str, wait_s: float = 2.0) -> None:
        """A new snoop channel enters the app a moment after ARI returns it; until then ARI answers
        422 "not in Stasis", so retry briefly instead of leaving the supervisor in silence."""
        deadline = asyncio.get_running_loop().time() + wait_s
        while True:
            try:
                await self.ctx.rest.add_to_bridge(bridge_id, [channel_id])
                return
            except AriConflictError:
                if asyncio.get_running_loop().time() >= deadline:
                    raise
                await asyncio.sleep(0.02)
