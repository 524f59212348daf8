"""Drives one caller's IVR session: performs its actions over ARI and feeds it the caller's events.

Prompts play in order; a ``CollectDtmf`` opens input at once (a digit stops the prompt: barge-in)
and its silence timer starts when the prompts before it have finished.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from telephony.ari_ import AriNotFoundError, AriRest
from telephony.inbound.ivr_port import CollectDtmf, Hangup, IvrAction, IvrSession, Play, RouteToQueue

log = logging.getLogger(__name__)

PLAYBACK_PREFIX = "ivr-"


@dataclass
class IvrExits:
    """Where a finished IVR goes: a queue, or a hang-up."""

    route: Callable[[str, RouteToQueue], Awaitable[None]]
    hangup: Callable[[str, str], Awaitable[None]]


class IvrRun:
    """In-memory companion of a call in state ``ivr`` (restarted from the top after a takeover)."""

    _ids = itertools.count(1)

    def __init__(
        self, call_id: str, channel_id: str, session: IvrSession, rest: AriRest, exits: IvrExits
    ) -> None:
        self.call_id = call_id
        self.channel_id = channel_id
        self.session = session
        self._rest = rest
        self._exits = exits
        self._lock = asyncio.Lock()
        self._playing: dict[str, str] = {}  # playback id -> ref
        self._collect: CollectDtmf | None = None
        self._timer: asyncio.TimerHandle | None = None
        self.finished = False

    async def start(self) -> None:
        async with self._lock:
            await self._perform(self.session.start())

    async def _perform(self, actions: Sequence[IvrAction]) -> None:
        for action in actions:
            if self.finished:
                return
            if isinstance(action, Play):
                playback_id = f"{PLAYBACK_PREFIX}{self.call_id}-{next(self._ids)}"
                self._playing[playback_id] = action.ref
                try:
                    await self._rest.play(self.channel_id, action.media, playback_id=playback_id)
                except AriNotFoundError:
                    self._playing.pop(playback_id, None)
                    return  # the caller hung up; the hang-up handler ends the call
            elif isinstance(action, CollectDtmf):
                self._collect = action
                self._arm_timer_when_quiet()
            elif isinstance(action, RouteToQueue):
                await self._finish()
                await self._exits.route(self.call_id, action)
            elif isinstance(action, Hangup):
                await self._finish()
                await self._exits.hangup(self.call_id, action.reason)

    def _arm_timer_when_quiet(self) -> None:
        if self._collect is None or self._playing or self._timer is not None:
            return
        token = self._collect.token
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._collect.timeout, lambda: loop.create_task(self._timed_out(token)))

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    async def _timed_out(self, token: int) -> None:
        async with self._lock:
            self._timer = None
            if self.finished or self._collect is None or self._collect.token != token:
                return
            self._collect = None
            await self._perform(self.session.on_timeout(token))

    async def playback_finished(self, playback_id: str) -> None:
        async with self._lock:
            ref = self._playing.pop(playback_id, None)
            if ref is None or self.finished:
                return
            if self._collect is not None:
                self._arm_timer_when_quiet()
                return
            await self._perform(self.session.on_playback_finished(ref))

    async def dtmf(self, digit: str) -> None:
        async with self._lock:
            if self.finished or self._collect is None:
                return
            self._cancel_timer()
            self._collect = None
            await self._stop_prompts()
            await self._perform(self.session.on_dtmf(digit))

    async def _stop_prompts(self) -> None:
        for playback_id in list(self._playing):
            with contextlib.suppress(AriNotFoundError):
                await self._rest.stop_playback(playback_id)
        self._playing.clear()

    async def _finish(self) -> None:
        self.finished = True
        self._cancel_timer()
        await self._stop_prompts()

    async def abort(self) -> None:
        """The caller left: stop timers, nothing else to do."""
        self.finished = True
        self._cancel_timer()
