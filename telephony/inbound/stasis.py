"""The Stasis app's event handlers, named after the ARI events they handle.

Channels say what they are through their Stasis arguments: ``inbound`` (a customer calling in),
``agent,<call>`` (an offered agent answered), ``consult,<call>`` (a warm-transfer target answered),
``supervisor,<call>,<mode>``, ``snoop,<call>`` and ``callback,<call>`` (a customer called back).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from telephony.ari_ import AriNotFoundError, HandlerRegistry
from telephony.ari_.events import (
    ChannelDestroyed,
    ChannelDtmfReceived,
    PlaybackFinished,
    StasisEnd,
    StasisStart,
)
from telephony.callbacks.services import CallbackService
from telephony.calls.exceptions import CallNotFoundError
from telephony.calls.model import Call, now
from telephony.connected.services import ConnectedCallService
from telephony.context import ControlContext
from telephony.inbound.customers import CustomerLookup, NoCustomerLookup
from telephony.inbound.ivr_driver import PLAYBACK_PREFIX, IvrExits, IvrRun
from telephony.inbound.ivr_port import IvrFlowSource, RouteToQueue
from telephony.queueing.services import QueueService
from telephony.supervision.services import SupervisionMode, SupervisionService

log = logging.getLogger(__name__)


class InboundStasis:
    def __init__(
        self,
        ctx: ControlContext,
        flows: IvrFlowSource,
        queues: QueueService,
        connected: ConnectedCallService,
        supervision: SupervisionService,
        customers: CustomerLookup | None = None,
    ) -> None:
        self.ctx = ctx
        self.flows = flows
        self.queues = queues
        self.connected = connected
        self.supervision = supervision
        self.customers = customers or NoCustomerLookup()
        self.ivr_runs: dict[str, IvrRun] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self.callbacks: CallbackService | None = None

    def register(self, registry: HandlerRegistry) -> None:
        registry.add(StasisStart, self.stasis_start)
        registry.add(ChannelDtmfReceived, self.channel_dtmf_received)
        registry.add(PlaybackFinished, self.playback_finished)
        registry.add(StasisEnd, self.stasis_end)
        registry.add(ChannelDestroyed, self.channel_destroyed)

    async def stasis_start(self, event: StasisStart) -> None:
        role, *rest = event.args or ("",)
        if role == "inbound":
            await self.inbound_call(event)
        elif role == "agent" and rest:
            await self.queues.offer_answered(rest[0], event.channel)
        elif role == "consult" and rest:
            await self.connected.consult_answered(rest[0], event.channel)
        elif role == "supervisor" and len(rest) >= 2:
            await self.supervision.supervisor_answered(rest[0], SupervisionMode(rest[1]), event.channel)
        elif role == "callback" and rest and self.callbacks is not None:
            await self.callbacks.customer_answered(rest[0], event.channel)
        elif role == "snoop":
            return  # snoop channels are bridged by the supervision service
        else:
            log.info(
                "channel %s entered Stasis with args %s that Voxdesk does not handle",
                event.channel.name,
                event.args,
            )
            with contextlib.suppress(AriNotFoundError):
                await self.ctx.rest.hangup(event.channel.id)

    async def inbound_call(self, event: StasisStart) -> None:
        channel = event.channel
        if await self.ctx.calls.find_by_channel(channel.id):
            return  # already ours (an event replayed after a reconnect)
        call = Call(
            caller_channel_id=channel.id,
            caller_number=channel.caller_number,
            caller_name=channel.caller_name,
            dialed_number=channel.dialed_exten,
        )
        # Answer first: the caller's time to first prompt is what they notice, Redis can follow.
        try:
            await self.ctx.rest.answer(channel.id)
        except AriNotFoundError:
            return  # hung up before we answered: nothing was stored yet
        await self.ctx.calls.create(call)
        # The IVR runs in its own task so one caller's prompts never hold up the event stream.
        task = asyncio.create_task(self.start_ivr(call.call_id, channel.id), name=f"ivr-{call.call_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        customer_id = await self.customers.customer_id_for_number(channel.caller_number)
        if customer_id:
            async with self.ctx.calls.editing(call.call_id) as edit:
                edit.call.customer_id = customer_id

    async def start_ivr(self, call_id: str, channel_id: str) -> None:
        async with self.ctx.calls.editing(call_id) as edit:
            if edit.state == "ringing":
                edit.move("ivr")
            edit.call.ivr_started_at = edit.call.ivr_started_at or now()
            number = edit.call.caller_number
        run = IvrRun(
            call_id,
            channel_id,
            self.flows.new_session(number),
            self.ctx.rest,
            IvrExits(route=self._ivr_routes, hangup=self._ivr_hangs_up),
        )
        self.ivr_runs[call_id] = run
        await run.start()

    async def _ivr_routes(self, call_id: str, action: RouteToQueue) -> None:
        run = self.ivr_runs.pop(call_id, None)
        if run is not None:
            async with self.ctx.calls.editing(call_id) as edit:
                edit.call.ivr_path = [*edit.call.ivr_path, *run.session.path]
        await self.queues.enqueue(
            call_id, action.queue, priority=action.priority, skills=action.skills, choice=action.choice
        )

    async def _ivr_hangs_up(self, call_id: str, reason: str) -> None:
        run = self.ivr_runs.pop(call_id, None)
        async with self.ctx.calls.editing(call_id) as edit:
            edit.call.disposition = "ivr_hangup"
            if run is not None:
                edit.call.ivr_path = [*edit.call.ivr_path, *run.session.path]
            channel_id = edit.call.caller_channel_id
        with contextlib.suppress(AriNotFoundError):
            await self.ctx.rest.hangup(channel_id)

    async def channel_dtmf_received(self, event: ChannelDtmfReceived) -> None:
        call_id = await self.ctx.calls.find_by_channel(event.channel.id)
        if call_id is None:
            return
        run = self.ivr_runs.get(call_id)
        if run is not None:
            await run.dtmf(event.digit)
            return
        if self.callbacks is not None:
            await self.callbacks.dtmf(call_id, event.digit)

    async def playback_finished(self, event: PlaybackFinished) -> None:
        playback_id = event.playback.id
        if playback_id.startswith(PLAYBACK_PREFIX):
            call_id = playback_id.removeprefix(PLAYBACK_PREFIX).rsplit("-", 1)[0]
            run = self.ivr_runs.get(call_id)
            if run is not None:
                await run.playback_finished(playback_id)

    async def stasis_end(self, event: StasisEnd) -> None:
        # A hung-up channel leaves the app with StasisEnd; its ChannelDestroyed may never reach us
        # (the app is no longer subscribed to it), so StasisEnd is the hang-up signal in Stasis.
        await self._channel_gone(event.channel.id, "left the Stasis app")

    async def channel_destroyed(self, event: ChannelDestroyed) -> None:
        # Offers that were never answered are not in Stasis: ChannelDestroyed is their only signal.
        await self._channel_gone(event.channel.id, event.cause_txt or f"cause {event.cause}")

    async def _channel_gone(self, channel_id: str, reason: str) -> None:
        call_id = await self.ctx.calls.find_by_channel(channel_id)
        if call_id is None:
            return
        run = self.ivr_runs.get(call_id)
        if run is not None and run.channel_id == channel_id:
            await run.abort()
            self.ivr_runs.pop(call_id, None)
            with contextlib.suppress(CallNotFoundError):
                async with self.ctx.calls.editing(call_id) as edit:
                    edit.call.ivr_path = [*edit.call.ivr_path, *run.session.path]
        await self.connected.channel_gone(call_id, channel_id, reason)
