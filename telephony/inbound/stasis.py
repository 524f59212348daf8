"""The Stasis app's event handlers, named after the ARI events they handle.

Channels say what they are through their Stasis arguments: ``inbound`` (a customer calling in),
``agent,<call>`` (an offered agent answered), ``consult,<call>`` (a warm-transfer target answered),
``supervisor,<call>,<mode>``, ``snoop,<call>``, ``callback,<call>`` (a customer called back) and
``transfer,<call>`` (a number the IVR transferred the caller to answered).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime

from routing import CallContext, route_call
from telephony.ari import AriError, AriNotFoundError, HandlerRegistry
from telephony.ari.events import (
    ChannelDestroyed,
    ChannelDtmfReceived,
    PlaybackFinished,
    RecordingFinished,
    StasisEnd,
    StasisStart,
)
from telephony.callbacks.services import CallbackService
from telephony.calls.exceptions import CallNotFoundError
from telephony.calls.model import Call, now
from telephony.connected.services import ConnectedCallService
from telephony.context import ControlContext
from telephony.inbound.conversations import CallConversations
from telephony.ivr import (
    Callback,
    CustomerDirectory,
    CustomerRecord,
    Hangup,
    Lookup,
    OrderConnector,
    RouteToQueue,
    TerminalAction,
    Transfer,
    Voicemail,
    perform_lookup,
)
from telephony.ivr.driver import PLAYBACK_PREFIX, IvrExits, IvrRun, fallback_route
from telephony.ivr.exits import VOICEMAIL_PREFIX, OutsideExits
from telephony.ivr.faq import FaqAnswerer
from telephony.ivr.flow_source import IvrFlows
from telephony.ivr.listening import CallerSpeech, NoCallerSpeech
from telephony.ivr.lookups import LookupResult
from telephony.queueing.services import ANNOUNCE_PREFIX, QueueService
from telephony.supervision.services import SupervisionMode, SupervisionService

log = logging.getLogger(__name__)
CUSTOMER_WAIT_S = 1.0  # at the end of the IVR, how long routing waits for the caller-ID lookup


class InboundStasis:
    def __init__(
        self,
        ctx: ControlContext,
        flows: IvrFlows,
        queues: QueueService,
        connected: ConnectedCallService,
        supervision: SupervisionService,
        callbacks: CallbackService,
        customers: CustomerDirectory,
        orders: OrderConnector,
        conversations: CallConversations | None = None,
    ) -> None:
        self.ctx = ctx
        self.flows = flows
        self.queues = queues
        self.connected = connected
        self.supervision = supervision
        self.callbacks = callbacks
        self.customers = customers
        self.orders = orders
        self.conversations = conversations
        self.outside = OutsideExits(ctx)
        self.outside.on_transfer_failed = self._transfer_failed
        self.ivr_runs: dict[str, IvrRun] = {}
        # Speech menus hear the caller through the media taps when they are attached (telephony.taps).
        self.speech: CallerSpeech = NoCallerSpeech()
        # The FAQ step's bot over the knowledge base (telephony.ivr.kb_faq); without it, it hands over.
        self.faq: FaqAnswerer | None = None
        self._callers: dict[str, asyncio.Task[CustomerRecord | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def register(self, registry: HandlerRegistry) -> None:
        registry.add(StasisStart, self.stasis_start)
        registry.add(ChannelDtmfReceived, self.channel_dtmf_received)
        registry.add(PlaybackFinished, self.playback_finished)
        registry.add(RecordingFinished, self.recording_finished)
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
        elif role == "callback" and rest:
            await self.callbacks.customer_answered(rest[0], event.channel)
        elif role == "transfer" and rest:
            await self.outside.transfer_answered(rest[0], event.channel)
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
        self._spawn(self.start_ivr(call.call_id, channel.id))
        self._callers[call.call_id] = asyncio.get_running_loop().create_task(self._identify(call))

    def _spawn(self, coro: object) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _identify(self, call: Call) -> CustomerRecord | None:
        """Who is calling, by caller ID (for the record and for routing rules on segment and VIP).

        With conversations wired, the caller is found or created and the call's conversation opens.
        """
        call_id = call.call_id
        if self.conversations is not None:
            result: LookupResult = await self.conversations.call_entered(call)
        else:
            result = await perform_lookup(
                Lookup("customer", call.caller_number, 3.0, 0), self.customers, self.orders
            )
        if isinstance(result, CustomerRecord):
            with contextlib.suppress(CallNotFoundError):
                async with self.ctx.calls.editing(call_id) as edit:
                    edit.call.customer_id = result.customer_id
                    edit.call.customer_name = result.name or ""
            return result
        return None

    async def start_ivr(self, call_id: str, channel_id: str) -> None:
        async with self.ctx.calls.editing(call_id) as edit:
            if edit.state == "ringing":
                edit.move("ivr")
            edit.call.ivr_started_at = edit.call.ivr_started_at or now()
            number = edit.call.caller_number
        try:
            session = self.flows.new_session(number)
        except Exception:  # no usable flow at all: straight to a person
            log.exception("no IVR flow for call %s; routing it to the default queue", call_id)
            await self.queues.enqueue(call_id, self.ctx.default_queue, choice="fallback")
            return
        run = IvrRun(
            call_id,
            channel_id,
            session,
            self.ctx.rest,
            self.ctx.prompts,
            IvrExits(finish=self._ivr_finished, lookup=self._ivr_lookup, faq=self.faq),
            self.ctx.default_queue,
            self.speech,
        )
        self.ivr_runs[call_id] = run
        await run.start()

    async def _ivr_lookup(self, run: IvrRun, action: Lookup) -> LookupResult:
        return await perform_lookup(action, self.customers, self.orders)

    async def _save_path(self, run: IvrRun) -> None:
        steps = [f"{step.node}:{step.outcome}" for step in run.session.path]
        with contextlib.suppress(CallNotFoundError):
            async with self.ctx.calls.editing(run.call_id) as edit:
                edit.call.ivr_path = [*edit.call.ivr_path, *steps]
                edit.call.language = run.session.language

    async def _ivr_finished(self, run: IvrRun, action: TerminalAction) -> None:
        """Leave the IVR as the session decided; a failure here still ends in the fallback queue."""
        self.ivr_runs.pop(run.call_id, None)
        await self._save_path(run)
        if self.conversations is not None:
            steps = [f"{step.node}:{step.outcome}" for step in run.session.path]
            chosen = action if isinstance(action, RouteToQueue) else None
            self.conversations.ivr_left(
                run.call_id, steps, chosen.choice if chosen else None, chosen.queue if chosen else None
            )
        try:
            await self._leave_ivr(run, action)
        except Exception:
            if isinstance(action, RouteToQueue) and action.choice == "fallback":
                raise
            log.exception("call %s: IVR exit %s failed; fallback queue", run.call_id, action)
            await self._route(run, fallback_route(run.session, self.ctx.default_queue))

    async def _leave_ivr(self, run: IvrRun, action: TerminalAction) -> None:
        if isinstance(action, RouteToQueue):
            await self._route(run, action)
        elif isinstance(action, Transfer):
            await self.outside.transfer(run.call_id, run.channel_id, action.number)
        elif isinstance(action, Voicemail):
            await self.outside.voicemail(run.call_id, run.channel_id, action.box)
        elif isinstance(action, Callback):
            await self.callbacks.request(run.call_id, action.number, action.queue)
            with contextlib.suppress(AriError):
                await self.ctx.rest.hangup(run.channel_id)
        elif isinstance(action, Hangup):
            await self.outside.end_call(run.call_id, "ivr_hangup")

    async def _caller(self, run: IvrRun) -> CustomerRecord | None:
        found = run.session.variables.get("customer")
        if isinstance(found, dict):
            return CustomerRecord(**found)
        task = self._callers.pop(run.call_id, None)
        if task is None:
            return None
        try:
            return await asyncio.wait_for(asyncio.shield(task), CUSTOMER_WAIT_S)
        except TimeoutError:
            return None

    async def _route(self, run: IvrRun, action: RouteToQueue) -> None:
        """Routing rules decide the queue after the IVR (IVR choice, segment, VIP, language, time)."""
        customer = await self._caller(run)
        decision = route_call(
            CallContext(
                now=datetime.now(UTC),
                ivr_choice=action.choice or None,
                segment=customer.segment if customer else None,
                vip=bool(customer and customer.vip),
                language=action.language,
                requested_queue=action.queue,
                priority=action.priority,
                skills=action.skills,
            ),
            self.ctx.routing.rules,
        )
        if decision.rule:
            log.info("call %s: rule %s routes it to %s", run.call_id, decision.rule, decision.queue)
        await self.queues.enqueue(
            run.call_id,
            decision.queue,
            priority=decision.priority,
            skills=dict(decision.skills),
            choice=action.choice,
        )

    async def _transfer_failed(self, call_id: str) -> None:
        async with self.ctx.calls.editing(call_id) as edit:
            edit.call.disposition = None
            language = edit.call.language
        fallback = RouteToQueue(self.ctx.default_queue, 0, (), language, "fallback")
        with contextlib.suppress(Exception):
            fallback = fallback_route(self.flows.new_session(""), self.ctx.default_queue)
        await self.queues.enqueue(call_id, fallback.queue, choice="fallback")

    async def channel_dtmf_received(self, event: ChannelDtmfReceived) -> None:
        call_id = await self.ctx.calls.find_by_channel(event.channel.id)
        if call_id is None:
            return
        run = self.ivr_runs.get(call_id)
        if run is not None:
            await run.dtmf(event.digit)
            return
        await self.callbacks.dtmf(call_id, event.digit)

    async def caller_said(self, call_id: str, text: str) -> None:
        """What a caller in the IVR said (a final transcript of their leg): keywords, spoken digits."""
        run = self.ivr_runs.get(call_id)
        if run is not None:
            await run.speech(text)

    async def playback_finished(self, event: PlaybackFinished) -> None:
        playback_id = event.playback.id
        if playback_id.startswith(PLAYBACK_PREFIX):
            call_id = playback_id.removeprefix(PLAYBACK_PREFIX).rsplit("-", 1)[0]
            run = self.ivr_runs.get(call_id)
            if run is not None:
                await run.playback_finished(playback_id)
        elif playback_id.startswith(ANNOUNCE_PREFIX):
            await self.queues.announcement_finished(playback_id)

    async def recording_finished(self, event: RecordingFinished) -> None:
        if event.recording.name.startswith(VOICEMAIL_PREFIX):
            await self.outside.voicemail_finished(event.recording.name)

    async def stasis_end(self, event: StasisEnd) -> None:
        # A hung-up channel leaves the app with StasisEnd; its ChannelDestroyed may never reach us
        # (the app is no longer subscribed to it), so StasisEnd is the hang-up signal in Stasis.
        await self._channel_gone(event.channel.id, "left the Stasis app")

    async def channel_destroyed(self, event: ChannelDestroyed) -> None:
        # Offers that were never answered are not in Stasis: ChannelDestroyed is their only signal.
        await self._channel_gone(event.channel.id, event.cause_txt or f"cause {event.cause}")

    async def _channel_gone(self, channel_id: str, reason: str) -> None:
        if await self.outside.transfer_gone(channel_id):
            return
        call_id = await self.ctx.calls.find_by_channel(channel_id)
        if call_id is None:
            return
        run = self.ivr_runs.get(call_id)
        if run is not None and run.channel_id == channel_id:
            await run.abort()
            self.ivr_runs.pop(call_id, None)
            await self._save_path(run)
        call = await self.ctx.calls.store.find(call_id)
        if call is not None and channel_id == call.caller_channel_id:
            self._callers.pop(call_id, None)
            if await self.outside.caller_left_voicemail(call_id):
                return
            await self.outside.caller_left_transfer(call_id)
        await self.connected.channel_gone(call_id, channel_id, reason)
