"""Changing a call: one edit at a time per call, saved to Redis, then announced.

Every change goes through :meth:`CallService.editing`, which holds the call's lock, loads the call
fresh from Redis, and after the block saves it and publishes one event per state change.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from telephony.calls.model import Call, now
from telephony.calls.notifier import CallNotifier
from telephony.calls.store import CallStore

log = logging.getLogger(__name__)

CallEndedHook = Callable[[Call], Awaitable[None]]


@dataclass
class CallEdit:
    """The call being changed and the transitions made to it in this edit."""

    call: Call
    transitions: list[tuple[str, str]] = field(default_factory=list)

    def move(self, state: str, at: float | None = None) -> None:
        previous = self.call.transition(state, at)
        self.transitions.append((previous, state))
        stamp = at if at is not None else now()
        if state == "abandoned":
            self.call.abandoned_at = stamp
        elif state == "wrap_up":
            self.call.wrap_up_started_at = stamp
        elif state == "ended":
            self.call.ended_at = stamp

    @property
    def state(self) -> str:
        return self.call.state


class CallService:
    """Owns the per-call locks and the save-then-publish order."""

    def __init__(self, store: CallStore, notifier: CallNotifier) -> None:
        self.store = store
        self.notifier = notifier
        self._locks: dict[str, asyncio.Lock] = {}
        self._ended_hooks: list[CallEndedHook] = []

    def on_ended(self, hook: CallEndedHook) -> None:
        self._ended_hooks.append(hook)

    def _lock(self, call_id: str) -> asyncio.Lock:
        return self._locks.setdefault(call_id, asyncio.Lock())

    async def create(self, call: Call) -> None:
        await self.store.save(call)
        self.notifier.state_changed(call, "new")

    @asynccontextmanager
    async def editing(self, call_id: str) -> AsyncIterator[CallEdit]:
        """Load, change, save and announce one call; raises CallNotFoundError if it is not live."""
        async with self._lock(call_id):
            edit = CallEdit(await self.store.get(call_id))
            yield edit
            await self.store.save(edit.call)
        for previous, state in edit.transitions:
            self.notifier.state_changed(edit.call.model_copy(update={"state": state}), previous)
        if edit.call.is_over and edit.transitions:
            self._locks.pop(call_id, None)
            await self.store.forget_channels(edit.call)
            self.notifier.ended(edit.call)
            for hook in self._ended_hooks:
                try:
                    await hook(edit.call)
                except Exception:
                    log.exception("call-ended hook failed for %s", call_id)

    async def find_by_channel(self, channel_id: str) -> str | None:
        return await self.store.call_id_for_channel(channel_id)
