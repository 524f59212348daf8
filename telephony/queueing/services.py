"""Queue handling: put callers in queues, offer them to agents, overflow, and answer agents.

Timers that must survive a controller restart (overflow, maximum wait, wrap-up) are checked on a
tick against timestamps stored with the call, never kept as in-memory timers.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable

from telephony.agents.model import AgentStatus
from telephony.ari_ import AriError
from telephony.ari_.models import Channel
from telephony.calls.exceptions import CallNotFoundError
from telephony.calls.model import Call, MissedOffer, now
from telephony.context import ControlContext
from telephony.queueing.picker import AgentPicker, LongestIdleSkilledPicker
from telephony.settings import QueueSettings

log = logging.getLogger(__name__)

WAITING_STATES = ("queued", "callback_pending")


class QueueService:
    def __init__(self, ctx: ControlContext, picker: AgentPicker | None = None) -> None:
        self.ctx = ctx
        self.picker = picker or LongestIdleSkilledPicker()
        self._tasks: set[asyncio.Task[None]] = set()
        self._dispatching = (
            asyncio.Lock()
        )  # one matching pass at a time: an agent or call is never offered twice
        # Run after an agent answered: recording for connected calls, dialling the customer for callbacks.
        self.answered_hooks: list[Callable[[Call], Awaitable[None]]] = []
        # Run when a caller has waited past the queue's maximum wait (the callback offer).
        self.max_wait_hooks: list[Callable[[Call], Awaitable[None]]] = []

    async def enqueue(
        self,
        call_id: str,
        queue_id: str,
        *,
        priority: int = 0,
        skills: dict[str, int] | None = None,
        choice: str = "",
    ) -> None:
        queue = self.ctx.queue(queue_id)
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            call.queue_id, call.priority = queue.id, priority
            call.skills = {**queue.skills, **(skills or {})}
            call.first_queue_id = call.first_queue_id or queue.id
            call.ivr_choice = choice or call.ivr_choice
            at = now()
            call.queued_at = call.queued_at or at
            call.queue_entered_at = at
            edit.move("queued", at)
            await self.ctx.waiting.add(queue.id, call_id, call.queued_at, priority)
        await self._music_on_hold(call, queue)
        self.request_dispatch()

    async def _music_on_hold(self, call: Call, queue: QueueSettings) -> None:
        try:
            await self.ctx.rest.start_moh(call.caller_channel_id, queue.moh_class)
        except AriError as exc:  # a missing music class leaves the caller waiting in silence, still queued
            log.warning("no music on hold for call %s: %s", call.call_id, exc)

    async def tick(self) -> None:
        """Wrap-ups, overflow and the maximum wait; then offer waiting calls to free agents."""
        await self.ctx.agents.finish_wrap_ups()
        for queue in self.ctx.settings.queues:
            for call_id in await self.ctx.waiting.ordered(queue.id):
                call = await self.ctx.calls.store.find(call_id)
                if call is None or call.is_over or call.queue_id != queue.id:
                    await self.ctx.waiting.remove(queue.id, call_id)
                    continue
                if call.state == "queued":
                    await self._check_timers(call, queue)
        await self.dispatch()

    async def _check_timers(self, call: Call, queue: QueueSettings) -> None:
        waited = now() - (call.queue_entered_at or call.created_at)
        if queue.overflow_queue and queue.overflow_after_s is not None and waited >= queue.overflow_after_s:
            log.info(
                "call %s overflows from %s to %s after %.1f s",
                call.call_id,
                queue.id,
                queue.overflow_queue,
                waited,
            )
            await self.ctx.waiting.remove(queue.id, call.call_id)
            await self.enqueue(call.call_id, queue.overflow_queue, priority=call.priority, skills=call.skills)
            return
        too_long = (
            queue.max_wait_s is not None and now() - (call.queued_at or call.created_at) >= queue.max_wait_s
        )
        if too_long and queue.callback_enabled and call.callback_offered_at is None:
            async with self.ctx.calls.editing(call.call_id) as edit:
                edit.call.callback_offered_at = now()
            for hook in self.max_wait_hooks:
                await hook(call)

    def request_dispatch(self) -> None:
        """Match calls and agents soon, in a task: safe to call from inside a matching pass."""
        task = asyncio.get_running_loop().create_task(self.dispatch())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def dispatch(self) -> None:
        """Offer every waiting call, in order, to the agent the picker chooses."""
        async with self._dispatching:
            await self._dispatch()

    async def _dispatch(self) -> None:
        agents = [a for a in await self.ctx.agents.store.all() if a.status == AgentStatus.AVAILABLE]
        if not agents:
            return
        for queue in self.ctx.settings.queues:
            for call_id in await self.ctx.waiting.ordered(queue.id):
                call = await self.ctx.calls.store.find(call_id)
                if call is None or call.state not in WAITING_STATES:
                    continue
                excluded = {m.agent_id for m in call.missed_offers if now() - m.at < 60}
                agent = self.picker.pick(queue.id, call.skills, agents, excluded)
                if agent is None:
                    continue
                agents = [a for a in agents if a.agent_id != agent.agent_id]
                await self.offer(call.call_id, agent.agent_id, agent.endpoint, queue)
                if not agents:
                    return

    async def offer(self, call_id: str, agent_id: str, endpoint: str, queue: QueueSettings) -> None:
        await self.ctx.agents.reserve(agent_id, call_id)
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state not in WAITING_STATES:  # the caller left (or was taken) since the pick
                await self.ctx.agents.release(agent_id)
                return
            attempt = len(call.missed_offers) + 1
            channel_id = f"{call_id}-offer{attempt}"
            call.offer_agent_id, call.offer_channel_id, call.offer_started_at = agent_id, channel_id, now()
            edit.move("offering")
        try:
            await self.ctx.rest.originate(
                endpoint,
                app=self.ctx.app,
                app_args=f"agent,{call_id}",
                channel_id=channel_id,
                caller_id=f"{call.caller_name} <{call.caller_number}>",
                timeout_s=queue.offer_timeout_s,
            )
        except AriError as exc:
            await self.offer_failed(call_id, channel_id, f"unreachable: {exc.status}")

    async def offer_failed(self, call_id: str, channel_id: str, reason: str) -> None:
        """The agent did not answer (timeout, busy, rejected, offline): record it and go back to waiting."""
        try:
            async with self.ctx.calls.editing(call_id) as edit:
                call = edit.call
                if call.offer_channel_id != channel_id or call.state not in ("offering", "callback_dialing"):
                    return
                agent_id = call.offer_agent_id or ""
                call.missed_offers.append(MissedOffer(agent_id=agent_id, at=now(), reason=reason))
                call.offer_agent_id = call.offer_channel_id = call.offer_started_at = None
                edit.move("callback_pending" if call.callback_number else "queued")
        except CallNotFoundError:
            return
        self.ctx.calls.notifier.offer_missed(call, agent_id, reason)
        if agent_id:
            await self.ctx.agents.release(agent_id)
        if call.state == "queued":
            await self._music_on_hold(call, self.ctx.queue(call.queue_id))
        self.request_dispatch()

    async def offer_answered(self, call_id: str, channel: Channel) -> None:
        """The agent picked up: bridge them with the caller (or start the callback)."""
        try:
            async with self.ctx.calls.editing(call_id) as edit:
                call = edit.call
                if call.offer_channel_id != channel.id or call.state != "offering":
                    raise CallNotFoundError("offer no longer current")
                call.agent_id, call.agent_channel_id = call.offer_agent_id, channel.id
                call.offer_channel_id = None
                bridge = await self.ctx.rest.create_bridge(
                    "mixing", name=f"call-{call_id}", bridge_id=f"call-{call_id}"
                )
                call.bridge_id = bridge.id
                if call.callback_number:
                    edit.move("callback_dialing")
                else:
                    with contextlib.suppress(AriError):
                        await self.ctx.rest.stop_moh(call.caller_channel_id)
                    await self.ctx.rest.add_to_bridge(bridge.id, [call.caller_channel_id, channel.id])
                    call.answered_at = now()
                    edit.move("connected", call.answered_at)
                    await self.ctx.waiting.remove(call.queue_id or "", call_id)
        except (CallNotFoundError, AriError) as exc:
            # Usually the caller hung up while the agent answered; their StasisEnd finishes the call.
            log.info("agent channel %s answered a call that is gone (%s); hanging it up", channel.id, exc)
            with contextlib.suppress(AriError):
                await self.ctx.rest.hangup(channel.id)
            return
        for hook in self.answered_hooks:
            await hook(call)
