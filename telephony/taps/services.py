"""Making and removing taps: snoop (spy=in) + externalMedia (ulaw RTP to a worker) in a tap bridge.

A tap never disturbs the call: the snoop copies what the leg says, whatever bridge the leg is in
(IVR, queue, hold, call bridge), and every failure here is logged and leaves the call untranscribed
rather than touching it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Collection
from typing import Any

from telephony.ari import AriError, AriRest
from telephony.taps.exceptions import TapError
from telephony.taps.ports import MediaPorts
from telephony.taps.store import LegTap, TapStore

log = logging.getLogger(__name__)

TAP_ROLE = "snoop"  # Stasis role the inbound handlers already leave alone
TAP_MARK = "tap"  # third Stasis argument: a tap channel, not a supervisor's snoop
CODEC = "ulaw"  # two-way capable over RTP (slin16 comes back dropped); 8 kHz is what the leg carries


class MediaTapService:
    def __init__(
        self,
        app: str,
        rest: AriRest,
        store: TapStore,
        ports: MediaPorts,
        *,
        ready_timeout: float = 5.0,
        flush_grace: float = 0.25,
    ) -> None:
        self.app = app
        self.rest = rest
        self.store = store
        self.ports = ports
        self.ready_timeout = ready_timeout
        self.flush_grace = flush_grace  # RTP still in flight when the leg goes quiet
        self._arrivals: dict[str, asyncio.Future[None]] = {}
        self._making: dict[tuple[str, str], asyncio.Task[LegTap | None]] = {}
        self._pending_channels: set[str] = set()
        self.released: list[dict[str, Any]] = []  # the workers' final stats, newest last (bounded)

    # ---- Stasis side --------------------------------------------------------------------------
    def stasis_args(self, call_id: str, leg: str) -> str:
        return f"{TAP_ROLE},{call_id},{TAP_MARK},{leg}"

    @staticmethod
    def is_tap_channel(args: Collection[str]) -> bool:
        values = list(args)
        return len(values) >= 3 and values[0] == TAP_ROLE and values[2] == TAP_MARK

    def channel_arrived(self, channel_id: str) -> None:
        """A tap channel entered Stasis: it can be bridged now."""
        future = self._arrivals.get(channel_id)
        if future is not None and not future.done():
            future.set_result(None)

    # ---- tapping ------------------------------------------------------------------------------
    def start_tap(
        self,
        call_id: str,
        leg: str,
        channel_id: str,
        speaker: str | None = None,
        started_at: float | None = None,
        phrases: list[str] | None = None,
        queue: str | None = None,
    ) -> None:
        """Tap in the background (never inside an event handler: it waits for StasisStart events).

        ``queue``: the call's queue on an agent leg (live QA applies the rules scoped to it)."""
        key = (call_id, leg)
        if key in self._making or channel_id in self._pending_channels:
            return
        task = asyncio.get_running_loop().create_task(
            self._tap_logged(call_id, leg, channel_id, speaker, started_at, phrases, queue)
        )
        self._making[key] = task
        self._pending_channels.add(channel_id)

        def done(_task: asyncio.Task[LegTap | None]) -> None:
            self._making.pop(key, None)
            self._pending_channels.discard(channel_id)

        task.add_done_callback(done)

    def is_being_tapped(self, channel_id: str) -> bool:
        return channel_id in self._pending_channels

    async def _tap_logged(
        self,
        call_id: str,
        leg: str,
        channel_id: str,
        speaker: str | None,
        started_at: float | None,
        phrases: list[str] | None,
        queue: str | None = None,
    ) -> LegTap | None:
        try:
            tap = await self.tap(call_id, leg, channel_id, speaker, started_at, queue)
            if phrases is not None:
                await self.set_phrases(call_id, phrases, leg)
            return tap
        except TapError as exc:
            log.warning("call %s: %s leg not transcribed: %s", call_id, leg, exc)
        except Exception:
            log.exception("call %s: tapping the %s leg failed", call_id, leg)
        return None

    async def tap(
        self,
        call_id: str,
        leg: str,
        channel_id: str,
        speaker: str | None = None,
        started_at: float | None = None,
        queue: str | None = None,
    ) -> LegTap:
        """Tap ``channel_id`` as ``leg`` of ``call_id``; returns the bridged tap or raises TapError.

        ``started_at`` (wall clock) re-taps a leg that was tapped before: its leg clock goes on from
        there, so the new segments neither repeat nor overwrite the times of the stored ones."""
        existing = await self.store.get(call_id, leg)
        if existing is not None:
            return existing
        first_tapped = time.time() if started_at is None else started_at
        elapsed = max(0.0, time.time() - first_tapped)
        allocation = await self.ports.allocate(call_id, leg, CODEC, speaker, elapsed, queue)
        token = uuid.uuid4().hex[:8]
        tap = LegTap(
            call_id=call_id,
            leg=leg,
            channel_id=channel_id,
            speaker=speaker,
            snoop_id=f"tap-{token}-snoop",
            media_id=f"tap-{token}-rtp",
            bridge_id=f"tap-{token}",
            worker_id=allocation.worker_id,
            host=allocation.host,
            port=allocation.port,
            started_at=first_tapped,
        )
        await self.store.save(tap)  # before any ARI object exists, so a crash leaves a trail
        loop = asyncio.get_running_loop()
        arrivals = [self._arrivals.setdefault(i, loop.create_future()) for i in (tap.snoop_id, tap.media_id)]
        args = self.stasis_args(call_id, leg)
        try:
            await self.rest.snoop(channel_id, app=self.app, app_args=args, spy="in", snoop_id=tap.snoop_id)
            await self.rest.request(
                "POST",
                "/channels/externalMedia",
                {
                    "app": self.app,
                    "channelId": tap.media_id,
                    "external_host": f"{allocation.host}:{allocation.port}",
                    "format": CODEC,
                    "encapsulation": "rtp",
                    "transport": "udp",
                    "data": args,  # becomes the channel's Stasis arguments
                },
            )
            await asyncio.wait_for(asyncio.gather(*arrivals), self.ready_timeout)
            await self.rest.create_bridge("mixing", name=f"tap-{call_id}-{leg}", bridge_id=tap.bridge_id)
            await self.rest.add_to_bridge(tap.bridge_id, [tap.snoop_id, tap.media_id])
        except (AriError, TimeoutError) as exc:
            await self.untap(call_id, leg)
            raise TapError(f"cannot tap channel {channel_id}: {exc!r}") from exc
        finally:
            for channel in (tap.snoop_id, tap.media_id):
                self._arrivals.pop(channel, None)
        tap.ready = True
        if await self.store.get(call_id, leg) is None:  # the leg hung up while we were bridging
            await self._remove_objects(tap)
            await self._release(tap)
            raise TapError(f"channel {channel_id} hung up while it was being tapped")
        await self.store.save(tap)
        log.info("call %s: %s leg tapped to %s:%d (%s)", call_id, leg, tap.host, tap.port, tap.worker_id)
        return tap

    # ---- untapping ----------------------------------------------------------------------------
    def start_untap(self, call_id: str, leg: str) -> None:
        asyncio.get_running_loop().create_task(self._untap_logged(call_id, leg))

    async def _untap_logged(self, call_id: str, leg: str) -> None:
        try:
            await self.untap(call_id, leg)
        except Exception:
            log.exception("call %s: untapping the %s leg failed", call_id, leg)

    async def untap(self, call_id: str, leg: str) -> dict[str, Any] | None:
        """Remove the tap and release the worker port, which recognises the leg's last words."""
        making = self._making.get((call_id, leg))
        if making is not None and making is not asyncio.current_task():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.shield(making), self.ready_timeout + 5)
        tap = await self.store.take(call_id, leg)
        if tap is None:
            return None
        await self._remove_objects(tap)
        await asyncio.sleep(self.flush_grace)
        return await self._release(tap)

    async def untap_call(self, call_id: str) -> None:
        for tap in await self.store.legs(call_id):
            await self.untap(call_id, tap.leg)

    async def _remove_objects(self, tap: LegTap) -> None:
        for channel in (tap.snoop_id, tap.media_id):
            with contextlib.suppress(AriError):
                await self.rest.hangup(channel)
        with contextlib.suppress(AriError):
            await self.rest.destroy_bridge(tap.bridge_id)

    async def _release(self, tap: LegTap) -> dict[str, Any] | None:
        try:
            stats = await self.ports.release(tap.worker_id, tap.call_id, tap.leg)
        except TapError as exc:
            log.warning("call %s: %s leg port not released: %s", tap.call_id, tap.leg, exc)
            return None
        self.released = [*self.released[-99:], {"call_id": tap.call_id, "leg": tap.leg, **stats}]
        log.info("call %s: %s leg untapped", tap.call_id, tap.leg)
        return stats

    # ---- IVR speech menus ---------------------------------------------------------------------
    async def set_phrases(self, call_id: str, phrases: list[str] | None, leg: str = "caller") -> bool:
        """Only these phrases are recognised on the leg from now on (None: free speech again).

        Returns False when the leg is not tapped (no worker, or already gone)."""
        tap = await self.store.get(call_id, leg)
        if tap is None or not tap.ready:
            return False
        await self.ports.set_phrases(tap.worker_id, call_id, leg, phrases)
        tap.phrases = phrases
        await self.store.save(tap)
        return True

    def start_retap(self, old: LegTap) -> None:
        """Tap a leg again (its worker died): same leg name, speaker, leg clock and phrase list."""
        self.start_tap(old.call_id, old.leg, old.channel_id, old.speaker, old.started_at, old.phrases)
