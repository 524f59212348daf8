"""Carrying on after a reconnect or a controller restart: compare Redis with Asterisk's channels.

Events that happened while nobody listened are lost, so each live call is checked against the
channels Asterisk still has: vanished channels are treated as hang-ups, an offer answered in the
meantime is bridged, callers in the IVR start the menu again, and callers in a queue get their
music back. Inbound channels sitting in the Stasis app that no call knows are taken as new calls.
"""

from __future__ import annotations

import contextlib
import logging

from routing import AgentTransitionError
from telephony.agents.exceptions import AgentNotFoundError
from telephony.ari import AriError, AriNotFoundError
from telephony.ari.events import StasisStart
from telephony.ari.models import Channel
from telephony.calls.model import Call
from telephony.connected.services import ConnectedCallService
from telephony.context import ControlContext
from telephony.inbound.stasis import InboundStasis
from telephony.queueing.services import QueueService

log = logging.getLogger(__name__)


class CallRecovery:
    def __init__(
        self,
        ctx: ControlContext,
        stasis: InboundStasis,
        queues: QueueService,
        connected: ConnectedCallService,
    ) -> None:
        self.ctx = ctx
        self.stasis = stasis
        self.queues = queues
        self.connected = connected

    async def recover(self) -> None:
        try:
            channels = {channel.id: channel for channel in await self.ctx.rest.list_channels()}
        except AriError as exc:
            log.warning("cannot list channels for recovery: %s", exc)
            return
        known: set[str] = set()
        for call in await self.ctx.calls.store.live_calls():
            known.update(
                c for c in (call.caller_channel_id, call.agent_channel_id, call.offer_channel_id) if c
            )
            try:
                await self._recover_call(call, channels)
            except Exception:
                log.exception("could not recover call %s", call.call_id)
        for channel in channels.values():
            if channel.id not in known and self._is_new_inbound(channel):
                log.info("taking over inbound channel %s found in the Stasis app", channel.name)
                await self.stasis.inbound_call(StasisStart(channel=channel, args=("inbound",)))
        await self.queues.dispatch()

    def _is_new_inbound(self, channel: Channel) -> bool:
        return channel.dialplan_app == "Stasis" and channel.dialplan_app_data.startswith(
            f"{self.ctx.app},inbound"
        )

    async def _recover_call(self, call: Call, channels: dict[str, Channel]) -> None:
        call_id = call.call_id
        if call.state in ("wrap_up", "callback_pending"):
            return
        for channel_id in (call.offer_channel_id, call.consult_channel_id, *call.supervisor_channel_ids):
            if channel_id and channel_id not in channels:
                await self.connected.channel_gone(
                    call_id, channel_id, "gone while no controller was connected"
                )
        if call.caller_channel_id not in channels:
            await self.connected.channel_gone(call_id, call.caller_channel_id, "gone while disconnected")
            return
        if call.agent_channel_id and call.agent_channel_id not in channels:
            await self.connected.channel_gone(call_id, call.agent_channel_id, "gone while disconnected")
            return
        call = await self.ctx.calls.store.get(call_id)
        if call.state in ("ringing", "ivr"):
            if call_id not in self.stasis.ivr_runs:
                await self.stasis.start_ivr(call_id, call.caller_channel_id)
        elif call.state == "queued":
            with contextlib.suppress(AriNotFoundError):
                await self.ctx.rest.start_moh(
                    call.caller_channel_id, self.ctx.queue(call.queue_id).music_on_hold
                )
        elif call.state == "offering" and call.offer_channel_id:
            offer = channels.get(call.offer_channel_id)
            if offer is not None and offer.state == "Up":
                await self.queues.offer_answered(call_id, offer)
        elif call.state in ("connected", "on_hold", "transferring") and call.bridge_id:
            await self._ensure_bridge(call)
        if call.state in ("connected", "on_hold", "transferring", "callback_dialing") and call.agent_id:
            # The controller may have stopped between bridging the agent and marking them on the call.
            with contextlib.suppress(AgentTransitionError, AgentNotFoundError):
                await self.ctx.agents.answered(call.agent_id, call_id)

    async def _ensure_bridge(self, call: Call) -> None:
        try:
            await self.ctx.rest.get_bridge(call.bridge_id or "")
        except AriNotFoundError:
            bridge = await self.ctx.rest.create_bridge(
                "mixing", name=f"call-{call.call_id}", bridge_id=call.bridge_id
            )
            members = [call.agent_channel_id or ""]
            if call.state == "connected":
                members.append(call.caller_channel_id)
            await self.ctx.rest.add_to_bridge(bridge.id, members)
