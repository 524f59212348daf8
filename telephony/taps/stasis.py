"""The taps' own ARI handlers, registered next to the inbound ones (the IVR code does not change).

- ``StasisStart`` of an ``inbound`` channel: tap the caller from the start of the IVR.
- ``StasisStart`` of a tap channel (``snoop,<call>,tap,<leg>``): it may be bridged now.
- ``ChannelEnteredBridge`` of the call bridge (``call-<call>``) by the call's agent (or a warm-transfer
  target): tap that agent, with their agent id as the speaker.
- ``StasisEnd`` / ``ChannelDestroyed`` of a tapped channel: remove its tap and release the worker
  port (the worker recognises the last words first); a caller hanging up releases every leg.

After every (re)connection :meth:`MediaTapStasis.recover` compares the taps in Redis with Asterisk,
and every second :meth:`MediaTapStasis.move_orphaned_legs` re-taps the legs of a media worker that
died (a restarted worker has a new id and none of the old legs) onto a running one.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

import redis.asyncio as aredis

from telephony.ari import AriError, AriRest, EventStream, HandlerRegistry
from telephony.ari.events import ChannelDestroyed, ChannelEnteredBridge, StasisEnd, StasisStart
from telephony.calls.model import Call
from telephony.calls.store import CallStore
from telephony.taps.listening import Heard, RedisTranscriptFeed, TapSpeechListener
from telephony.taps.ports import MediaPorts, WorkerPorts
from telephony.taps.services import MediaTapService
from telephony.taps.store import LegTap, TapStore

if TYPE_CHECKING:
    from telephony.controller import Controller

log = logging.getLogger(__name__)

CALL_BRIDGE_PREFIX = "call-"  # the queueing service names each call's bridge call-<call id>
TALKING_STATES = ("connected", "on_hold", "transferring")


class MediaTapStasis:
    def __init__(
        self,
        service: MediaTapService,
        calls: CallStore,
        *,
        agent_wait: float = 2.0,
        worker_check_every: float = 1.0,
        ari_connected: asyncio.Event | None = None,
    ) -> None:
        self.service = service
        self.calls = calls
        self.agent_wait = agent_wait  # the call may be saved just after its agent entered the bridge
        self.worker_check_every = worker_check_every
        self._known_workers: set[str] = set()
        # While ARI is away nothing can be re-tapped; recover() sorts the taps out on reconnection.
        self.ari_connected = ari_connected

    def register(self, registry: HandlerRegistry) -> None:
        registry.add(StasisStart, self.stasis_start)
        registry.add(ChannelEnteredBridge, self.channel_entered_bridge)
        registry.add(StasisEnd, self.stasis_end)
        registry.add(ChannelDestroyed, self.channel_destroyed)

    async def stasis_start(self, event: StasisStart) -> None:
        if self.service.is_tap_channel(event.args):
            self.service.channel_arrived(event.channel.id)
        elif event.args[:1] == ("inbound",):
            # The inbound handler, registered first, has answered and stored the call by now.
            call_id = await self.calls.call_id_for_channel(event.channel.id)
            if call_id is not None:
                self.service.start_tap(call_id, "caller", event.channel.id)

    async def channel_entered_bridge(self, event: ChannelEnteredBridge) -> None:
        bridge_id = event.bridge.id
        if bridge_id.startswith(CALL_BRIDGE_PREFIX):
            call_id = bridge_id.removeprefix(CALL_BRIDGE_PREFIX)
            asyncio.get_running_loop().create_task(self._tap_agent(call_id, event.channel.id))

    async def _tap_agent(self, call_id: str, channel_id: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.agent_wait
        while True:
            if await self.service.store.leg_of_channel(channel_id) is not None:
                return  # tapped already (the caller re-entering after hold, an agent re-added)
            call = await self.calls.find(call_id)
            if call is None or call.caller_channel_id == channel_id:
                return
            speaker = _agent_of(call, channel_id)
            if speaker is not None:
                leg = await self.service.store.next_agent_leg(call_id)
                self.service.start_tap(call_id, leg, channel_id, speaker, queue=call.queue_id)
                return
            if loop.time() >= deadline:
                return  # a supervisor barging in, or a channel that is not an agent's
            await asyncio.sleep(0.1)

    async def stasis_end(self, event: StasisEnd) -> None:
        await self._gone(event.channel.id)

    async def channel_destroyed(self, event: ChannelDestroyed) -> None:
        await self._gone(event.channel.id)

    async def _gone(self, channel_id: str) -> None:
        found = await self.service.store.leg_of_channel(channel_id)
        if found is None:
            return
        call_id, leg = found
        if leg == "caller":
            asyncio.get_running_loop().create_task(self.service.untap_call(call_id))
        else:
            self.service.start_untap(call_id, leg)

    # ---- a media worker died -------------------------------------------------------------------
    async def move_orphaned_legs(self) -> int:
        """Re-tap every ready leg whose media worker is gone onto a running worker; returns how many.

        The dead worker's externalMedia channels still send to its old ports, so all of them are
        removed before any leg is tapped again (a new port must not receive a stale stream). When a
        worker appears, legs that found none while none ran are tapped too."""
        live = await self.service.ports.live_workers()
        appeared = live - self._known_workers
        self._known_workers = live
        if not live:
            return 0  # nobody to take the legs yet (a restarted worker is loading its model)
        orphans = [
            tap
            for call_id in await self.service.store.live_calls()
            for tap in await self.service.store.legs(call_id)
            if tap.ready and tap.worker_id not in live and not self.service.is_being_tapped(tap.channel_id)
        ]
        for tap in orphans:
            log.warning(
                "call %s: media worker %s of the %s leg is gone; tapping the leg again",
                tap.call_id,
                tap.worker_id,
                tap.leg,
            )
            await self.service.untap(tap.call_id, tap.leg)
        for tap in orphans:
            self.service.start_retap(tap)
        if appeared:
            await self._tap_untapped_calls()
        return len(orphans)

    async def _tap_untapped_calls(self) -> None:
        try:
            present = {channel.id for channel in await self.service.rest.list_channels()}
        except AriError as exc:
            log.warning("cannot list channels to tap untapped legs: %s", exc)
            return
        for call in await self.calls.live_calls():
            await self._tap_untapped(call, present)

    async def watch_workers(self) -> None:
        """Move orphaned legs every ``worker_check_every`` seconds (run by the controller while active)."""
        while True:
            await asyncio.sleep(self.worker_check_every)
            if self.ari_connected is not None and not self.ari_connected.is_set():
                continue
            try:
                await self.move_orphaned_legs()
            except Exception:  # Redis or Asterisk away for a moment: try again next round
                log.warning("could not check the media workers of live legs", exc_info=True)

    # ---- after a (re)connection ---------------------------------------------------------------
    async def recover(self) -> None:
        """Release taps whose leg is gone, rebuild broken ones, tap live legs that have none."""
        rest = self.service.rest
        try:
            present = {channel.id for channel in await rest.list_channels()}
        except AriError as exc:
            log.warning("cannot list channels to recover taps: %s", exc)
            return
        for call_id in await self.service.store.live_calls():
            for tap in await self.service.store.legs(call_id):
                if _intact(tap, present) or self.service.is_being_tapped(tap.channel_id):
                    continue
                log.info("call %s: %s tap broken or its leg gone; releasing it", call_id, tap.leg)
                await self.service.untap(call_id, tap.leg)
                if tap.channel_id in present:
                    self.service.start_retap(tap)
        for call in await self.calls.live_calls():
            await self._tap_untapped(call, present)

    async def _tap_untapped(self, call: Call, present: set[str]) -> None:
        tapped = {tap.channel_id for tap in await self.service.store.legs(call.call_id)}
        tapped |= {c for c in present if self.service.is_being_tapped(c)}
        if call.caller_channel_id in present and call.caller_channel_id not in tapped and not call.is_over:
            self.service.start_tap(call.call_id, "caller", call.caller_channel_id)
        agent_channel = call.agent_channel_id
        if (
            call.state in TALKING_STATES
            and agent_channel
            and agent_channel in present
            and agent_channel not in tapped
        ):
            leg = await self.service.store.next_agent_leg(call.call_id)
            self.service.start_tap(call.call_id, leg, agent_channel, call.agent_id, queue=call.queue_id)


def _agent_of(call: Call, channel_id: str) -> str | None:
    if channel_id == call.agent_channel_id:
        return call.agent_id or ""
    if channel_id == call.consult_channel_id:
        return call.consult_agent_id or ""
    return None


def _intact(tap: LegTap, present: set[str]) -> bool:
    return tap.ready and all(c in present for c in (tap.channel_id, tap.snoop_id, tap.media_id))


def attach_media_taps(
    registry: HandlerRegistry,
    stream: EventStream,
    *,
    app: str,
    rest: AriRest,
    redis: aredis.Redis,
    prefix: str,
    ports: MediaPorts,
) -> MediaTapStasis:
    """Register the tap handlers after the existing ones and recover taps on every connection."""
    service = MediaTapService(app, rest, TapStore(redis, prefix), ports)
    taps = MediaTapStasis(service, CallStore(redis, prefix), ari_connected=stream.connected)
    taps.register(registry)
    stream.on_connected(taps.recover)
    return taps


def speech_menus(taps: MediaTapStasis, redis: aredis.Redis, heard: Heard) -> TapSpeechListener:
    """The IVR's ear over these taps: phrase lists to the workers, caller finals to ``heard``."""
    return TapSpeechListener(taps.service, RedisTranscriptFeed(redis, heard))


def attach_to_controller(controller: Controller, redis_url: str) -> MediaTapStasis:
    """Live transcription for every call of ``controller``, with media workers found through
    ``redis_url`` (legs stay untranscribed, with a warning, while no worker runs; the legs of a worker
    that dies move to a running one), and the IVR's speech menus hearing the caller through the same
    taps."""
    client = aredis.Redis.from_url(redis_url)
    taps = attach_media_taps(
        controller.registry,
        controller.stream,
        app=controller.ctx.app,
        rest=controller.rest,
        redis=client,
        prefix=controller.settings.key_prefix,
        ports=WorkerPorts.from_url(redis_url),
    )
    controller.background.append(taps.watch_workers)
    controller.stasis.speech = speech_menus(taps, client, controller.stasis.caller_said)
    return taps
