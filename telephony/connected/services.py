"""What happens to a call once somebody leaves it, and the agent's in-call commands.

A warm transfer keeps the agent in the call's bridge: the caller waits outside it with music,
the transfer target joins the agent there, and completing puts the caller back while the first
agent leaves. One bridge per call keeps recording and supervision simple.
"""

from __future__ import annotations

import contextlib
import logging

from routing import AgentTransitionError
from routing import agents as agent_rules
from telephony.agents.exceptions import AgentNotFoundError
from telephony.ari import AriError
from telephony.ari.models import Channel
from telephony.calls.exceptions import CallError, CallNotFoundError
from telephony.calls.model import Call, now
from telephony.calls.services import CallEdit
from telephony.context import ControlContext, call_id_header
from telephony.queueing.services import QueueService

log = logging.getLogger(__name__)

TALKING_STATES = ("connected", "on_hold", "transferring")


class ConnectedCallService:
    def __init__(self, ctx: ControlContext, queues: QueueService) -> None:
        self.ctx = ctx
        self.queues = queues

    async def _hangup(self, *channel_ids: str | None) -> None:
        for channel_id in channel_ids:
            if channel_id:
                with contextlib.suppress(AriError):
                    await self.ctx.rest.hangup(channel_id)

    async def _destroy_bridge(self, bridge_id: str | None) -> None:
        if bridge_id:
            with contextlib.suppress(AriError):
                await self.ctx.rest.destroy_bridge(bridge_id)

    async def channel_gone(self, call_id: str, channel_id: str, reason: str) -> None:
        """Any channel of the call hung up (or vanished while no controller was watching)."""
        call = await self.ctx.calls.store.find(call_id)
        if call is None or call.is_over:
            return
        if channel_id == call.offer_channel_id:
            await self.queues.offer_failed(call_id, channel_id, reason)
        elif channel_id == call.caller_channel_id:
            await self._caller_left(call_id)
        elif channel_id == call.agent_channel_id and call.state in (*TALKING_STATES, "callback_dialing"):
            await self._agent_left(call_id)
        elif channel_id == call.consult_channel_id:
            await self.warm_transfer_cancel(call_id)
        elif channel_id in call.supervisor_channel_ids:
            async with self.ctx.calls.editing(call_id) as edit:
                edit.call.supervisor_channel_ids.remove(channel_id)

    async def _caller_left(self, call_id: str) -> None:
        release: list[str] = []
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state in ("ringing", "ivr", "queued", "offering"):
                call.disposition = (
                    "abandoned_in_ivr" if call.state in ("ringing", "ivr") else "abandoned_in_queue"
                )
                await self._hangup(call.offer_channel_id)
                if call.offer_agent_id:
                    release.append(call.offer_agent_id)
                await self.ctx.waiting.remove(call.queue_id or "", call_id)
                edit.move("abandoned")
                edit.move("ended")
            elif call.state in TALKING_STATES or call.state == "callback_dialing":
                await self._end_talk(edit)
            else:
                return
        for agent_id in release:
            await self.ctx.agents.release(agent_id, call_id)
        await self._release_for_wrap_up(call)

    async def _agent_left(self, call_id: str) -> None:
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state == "transferring" and call.consult_channel_id and call.consult_agent_id:
                pass  # the first agent hung up mid-consultation: the target keeps the caller (below)
            elif call.state in TALKING_STATES or call.state == "callback_dialing":
                await self._end_talk(edit)
        if call.state == "transferring":
            await self.warm_transfer_complete(call_id, first_agent_gone=True)
            return
        await self._release_for_wrap_up(call)

    async def _end_talk(self, edit: CallEdit) -> None:
        call = edit.call
        if call.hold_started_at:
            call.hold_seconds += now() - call.hold_started_at
            call.hold_started_at = None
        if call.disposition is None:
            call.disposition = "answered" if call.answered_at else "callback_failed"
        await self._hangup(
            call.caller_channel_id,
            call.agent_channel_id,
            call.consult_channel_id,
            *call.supervisor_channel_ids,
        )
        await self._destroy_bridge(call.bridge_id)
        await self.ctx.waiting.remove(call.queue_id or "", call.call_id)
        if call.answered_at:
            edit.move("wrap_up")
            if self.ctx.settings.wrap_up_s <= 0:
                edit.move("ended")
        else:
            edit.move("ended")

    async def _release_for_wrap_up(self, call: Call) -> None:
        for agent_id in (call.agent_id, call.consult_agent_id):
            if agent_id:
                with contextlib.suppress(AgentNotFoundError):  # logged out and removed meanwhile
                    await self.ctx.agents.release(
                        agent_id, call.call_id, wrap_up_seconds=self.ctx.settings.wrap_up_s
                    )
        self.queues.request_dispatch()

    async def finish_wrap_ups(self) -> None:
        """Calls whose agent wrap-up time is over are ended (and their record written)."""
        for call in await self.ctx.calls.store.live_calls():
            if (
                call.state == "wrap_up"
                and (call.wrap_up_started_at or 0) + self.ctx.settings.wrap_up_s <= now()
            ):
                with contextlib.suppress(CallNotFoundError):
                    async with self.ctx.calls.editing(call.call_id) as edit:
                        if edit.state == "wrap_up":
                            edit.move("ended")

    # --- commands from the console
    async def hold(self, call_id: str) -> None:
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state != "connected":
                raise CallError(f"call {call_id} is {call.state}, not connected")
            await self.ctx.rest.remove_from_bridge(call.bridge_id or "", [call.caller_channel_id])
            await self._music(call)
            call.hold_started_at = now()
            edit.move("on_hold")

    async def _music(self, call: Call) -> None:
        # A missing music class must not stop the hold itself: the caller then waits in silence.
        try:
            await self.ctx.rest.start_moh(call.caller_channel_id, self.ctx.queue(call.queue_id).music_on_hold)
        except AriError as exc:
            log.warning("no music on hold for call %s: %s", call.call_id, exc)

    async def resume(self, call_id: str) -> None:
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state != "on_hold":
                raise CallError(f"call {call_id} is {call.state}, not on hold")
            await self._rejoin_caller(call)
            edit.move("connected")

    async def _rejoin_caller(self, call: Call) -> None:
        with contextlib.suppress(AriError):
            await self.ctx.rest.stop_moh(call.caller_channel_id)
        await self.ctx.rest.add_to_bridge(call.bridge_id or "", [call.caller_channel_id])
        if call.hold_started_at:
            call.hold_seconds += now() - call.hold_started_at
            call.hold_started_at = None

    async def hang_up(self, call_id: str) -> None:
        call = await self.ctx.calls.store.get(call_id)
        await self._hangup(call.caller_channel_id)

    async def blind_transfer(self, call_id: str, queue_id: str) -> None:
        """The agent leaves; the caller waits in ``queue_id`` keeping their original place."""
        if not self.ctx.has_queue(queue_id):
            raise CallError(f"no queue {queue_id!r}")
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state not in ("connected", "on_hold"):
                raise CallError(f"call {call_id} is {call.state}; only a connected call can be transferred")
            if call.hold_started_at:
                call.hold_seconds += now() - call.hold_started_at
                call.hold_started_at = None
            agent_channel, bridge_id, agent_id = call.agent_channel_id, call.bridge_id, call.agent_id
            call.agent_channel_id = call.bridge_id = None
            edit.move("transferring")
        await self._hangup(agent_channel)
        await self._destroy_bridge(bridge_id)
        if agent_id:
            await self.ctx.agents.release(agent_id, call_id, wrap_up_seconds=self.ctx.settings.wrap_up_s)
        await self.queues.enqueue(call_id, queue_id, priority=call.priority, skills=call.skills)

    async def warm_transfer_start(self, call_id: str, target_agent_id: str) -> None:
        target = await self.ctx.agents.store.get(target_agent_id)
        agent_rules.offer(target, call_id, now())  # refused now, before the caller is put on hold
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state not in ("connected", "on_hold"):
                raise CallError(f"call {call_id} is {call.state}; only a connected call can be transferred")
            if call.state == "connected":
                await self.ctx.rest.remove_from_bridge(call.bridge_id or "", [call.caller_channel_id])
                await self._music(call)
                call.hold_started_at = now()
            call.consult_agent_id = target_agent_id
            call.consult_channel_id = call.new_channel_id("consult")
            edit.move("transferring")
        try:
            target = await self.ctx.agents.reserve(target_agent_id, call_id)
        except AgentTransitionError:  # taken by another call meanwhile: the caller comes back
            await self.warm_transfer_cancel(call_id)
            raise
        try:
            await self.ctx.rest.originate(
                self.ctx.devices.dial_target(target.endpoint),
                app=self.ctx.app,
                app_args=f"consult,{call_id}",
                channel_id=call.consult_channel_id,
                caller_id=f"Transfer <{call.caller_number}>",
                timeout_s=max(1, round(self.ctx.queue(call.queue_id).ring_timeout_s)),
                variables=call_id_header(call_id),
            )
        except AriError:
            await self.warm_transfer_cancel(call_id)
            raise

    async def consult_answered(self, call_id: str, channel: Channel) -> None:
        call = await self.ctx.calls.store.get(call_id)
        if call.consult_channel_id != channel.id or call.state != "transferring":
            await self._hangup(channel.id)
            return
        await self.ctx.rest.add_to_bridge(call.bridge_id or "", [channel.id])
        with contextlib.suppress(AgentTransitionError, AgentNotFoundError):  # the talk goes on regardless
            await self.ctx.agents.answered(call.consult_agent_id or "", call_id)

    async def warm_transfer_complete(self, call_id: str, *, first_agent_gone: bool = False) -> None:
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state != "transferring" or not call.consult_channel_id:
                raise CallError(f"call {call_id} has no transfer in progress")
            first_agent, first_channel = call.agent_id, call.agent_channel_id
            call.agent_id, call.agent_channel_id = call.consult_agent_id, call.consult_channel_id
            call.consult_agent_id = call.consult_channel_id = None
            await self._rejoin_caller(call)
            edit.move("connected")
        if not first_agent_gone:
            await self._hangup(first_channel)
        if first_agent:
            await self.ctx.agents.release(first_agent, call_id, wrap_up_seconds=self.ctx.settings.wrap_up_s)

    async def warm_transfer_cancel(self, call_id: str) -> None:
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state != "transferring":
                return
            target_agent, target_channel = call.consult_agent_id, call.consult_channel_id
            call.consult_agent_id = call.consult_channel_id = None
            if call.agent_channel_id:
                await self._rejoin_caller(call)
                edit.move("connected")
        await self._hangup(target_channel)
        if target_agent:
            await self.ctx.agents.release(target_agent, call_id)
