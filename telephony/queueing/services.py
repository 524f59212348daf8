"""Queue handling: put callers in queues, offer them to agents, overflow, announce, and answer agents.

Every decision is routing's (:func:`routing.pick_agent`, :func:`routing.next_queue_action`,
:func:`routing.positions`); this service gathers the inputs and acts on the answer over ARI. Timers
that must survive a controller restart (overflow, maximum wait, announcements, wrap-up) are checked
on a tick against timestamps stored with the call, never kept as in-memory timers.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable

from routing import (
    AgentTransitionError,
    Announce,
    OfferCallback,
    Overflow,
    Queue,
    WaitingCall,
    next_queue_action,
    pick_agent,
    positions,
    queue_order,
)
from telephony.agents.exceptions import AgentNotFoundError
from telephony.ari import AriError
from telephony.ari.models import Channel
from telephony.calls.exceptions import CallNotFoundError
from telephony.calls.model import Call, MissedOffer, now
from telephony.context import ControlContext, call_id_header
from telephony.queueing.pool import AgentMirror

log = logging.getLogger(__name__)

WAITING_STATES = ("queued", "callback_pending")
ANNOUNCE_PREFIX = "announce-"
MISSED_OFFER_MEMORY_S = 60.0  # an agent who did not answer is skipped for this call this long


def waiting_call(call: Call) -> WaitingCall:
    """The call as routing's waiting-call decisions see it."""
    return WaitingCall(
        call_id=call.call_id,
        queue=call.queue_id or "",
        priority=call.priority,
        entered_queue_at=call.queue_entered_at or call.created_at,
        first_queued_at=call.queued_at or call.created_at,
        skills=tuple(sorted(call.skills.items())),
        last_announced_at=call.last_announced_at,
        callback_offered=call.callback_offered_at is not None,
        callback_number=call.callback_number,
        overflowed_from=tuple(call.overflowed_from),
    )


class QueueService:
    def __init__(self, ctx: ControlContext, agents: AgentMirror) -> None:
        self.ctx = ctx
        self.agents = agents
        self._tasks: set[asyncio.Task[None]] = set()
        self._playbacks = itertools.count(1)
        self._last_pick: dict[str, str] = {}  # queue -> agent picked last (round robin)
        # One matching pass at a time: an agent or call is never offered twice.
        self._dispatching = asyncio.Lock()
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
        overflowed_from: str | None = None,
    ) -> Call:
        """Put the call in ``queue_id`` (its place is the time it first queued) with music on hold."""
        queue = self.ctx.queue(queue_id)
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            call.queue_id, call.priority = queue.name, priority
            call.skills = dict(skills or {})  # hints; the queue's own skills are added by pick_agent
            call.first_queue_id = call.first_queue_id or queue.name
            call.ivr_choice = choice or call.ivr_choice
            if overflowed_from:
                call.overflowed_from = [*call.overflowed_from, overflowed_from]
            at = now()
            call.queued_at = call.queued_at or at
            call.queue_entered_at = at
            call.last_announced_at = None
            edit.move("queued", at)
            await self.ctx.waiting.add(queue.name, call_id, call.queued_at, priority)
        await self.music_on_hold(call)
        self.request_dispatch()
        return call

    async def music_on_hold(self, call: Call) -> None:
        try:
            await self.ctx.rest.start_moh(call.caller_channel_id, self.ctx.queue(call.queue_id).music_on_hold)
        except AriError as exc:  # a missing music class leaves the caller waiting in silence, still queued
            log.warning("no music on hold for call %s: %s", call.call_id, exc)

    async def _waiting_calls(self, queue: Queue) -> list[Call]:
        calls = []
        for call_id in await self.ctx.waiting.ordered(queue.name):
            call = await self.ctx.calls.store.find(call_id)
            if call is None or call.is_over or call.queue_id != queue.name:
                await self.ctx.waiting.remove(queue.name, call_id)
                continue
            calls.append(call)
        return calls

    async def tick(self) -> None:
        """Wrap-ups, then routing's verdict for every waiting call; then offer waiting calls to agents."""
        await self.ctx.agents.finish_wrap_ups()
        for queue in list(self.ctx.routing.queues.values()):
            calls = await self._waiting_calls(queue)
            if not calls:
                continue
            places = positions(waiting_call(call) for call in calls)
            staffed = self.agents.pool.staffed(queue)
            for call in calls:
                if call.state != "queued":
                    continue
                action = next_queue_action(
                    waiting_call(call), queue, now(), position=places[call.call_id], staffed_agents=staffed
                )
                try:
                    await self._act(call, queue, action)
                except (AriError, CallNotFoundError) as exc:
                    log.info("queue action %s for call %s failed: %s", action, call.call_id, exc)
        await self.dispatch()

    async def _act(self, call: Call, queue: Queue, action: object) -> None:
        if isinstance(action, Overflow):
            log.info("call %s overflows from %s to %s", call.call_id, queue.name, action.to_queue)
            await self.ctx.waiting.remove(queue.name, call.call_id)
            # Overflow widens the pool: the skill hints of the first queue do not follow the call.
            await self.enqueue(
                call.call_id, action.to_queue, priority=call.priority, overflowed_from=queue.name
            )
        elif isinstance(action, OfferCallback):
            async with self.ctx.calls.editing(call.call_id) as edit:
                edit.call.callback_offered_at = now()
            for hook in self.max_wait_hooks:
                await hook(call)
        elif isinstance(action, Announce):
            async with self.ctx.calls.editing(call.call_id) as edit:
                edit.call.last_announced_at = now()
            self._spawn(self.announce(call, action.text))

    async def announce(self, call: Call, text: str) -> None:
        """Say ``text`` over a pause in the music; the music comes back when the prompt ends."""
        try:
            media = await asyncio.to_thread(
                self.ctx.prompts.media, text=text, sound=None, language=call.language
            )
            with contextlib.suppress(AriError):
                await self.ctx.rest.stop_moh(call.caller_channel_id)
            playback_id = f"{ANNOUNCE_PREFIX}{call.call_id}-{next(self._playbacks)}"
            await self.ctx.rest.play(call.caller_channel_id, media, playback_id=playback_id)
        except Exception as exc:  # the caller keeps (or gets back) the music; never silence
            log.warning("announcement for call %s failed: %s", call.call_id, exc)
            await self.music_on_hold(call)

    async def announcement_finished(self, playback_id: str) -> None:
        call_id = playback_id.removeprefix(ANNOUNCE_PREFIX).rsplit("-", 1)[0]
        call = await self.ctx.calls.store.find(call_id)
        if call is not None and call.state == "queued":
            await self.music_on_hold(call)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.get_running_loop().create_task(coro)  # type: ignore[arg-type]
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:  # said, not lost with the task
            log.error("queue task failed", exc_info=task.exception())

    def request_dispatch(self) -> None:
        """Match calls and agents soon, in a task: safe to call from inside a matching pass."""
        self._spawn(self.dispatch())

    async def dispatch(self) -> None:
        """Offer every waiting call, in routing's order, to the agent routing picks."""
        async with self._dispatching:
            await self._dispatch()

    async def _dispatch(self) -> None:
        if not self.agents.pool.available_count:
            return
        waiting: list[Call] = []
        for queue in list(self.ctx.routing.queues.values()):
            waiting += [c for c in await self._waiting_calls(queue) if c.state in WAITING_STATES]
        by_id = {call.call_id: call for call in waiting}
        for entry in queue_order(waiting_call(call) for call in waiting):
            call, queue = by_id[entry.call_id], self.ctx.queue(entry.queue)
            at = now()
            missed = {m.agent_id for m in call.missed_offers if at - m.at < MISSED_OFFER_MEMORY_S}
            choice = pick_agent(
                queue,
                self.agents.pool,
                at,
                call_skills=call.skills,
                exclude=frozenset(missed),
                after_agent=self._last_pick.get(queue.name),
            )
            if choice is None:
                continue
            self._last_pick[queue.name] = choice.agent_id
            await self.offer(call.call_id, choice.agent_id, queue)
            if not self.agents.pool.available_count:
                return

    async def offer(self, call_id: str, agent_id: str, queue: Queue) -> None:
        try:
            agent = await self.ctx.agents.reserve(agent_id, call_id)
        except AgentTransitionError as exc:  # paused or logged out since the pick: the call waits on
            log.info("call %s not offered: %s", call_id, exc)
            return
        async with self.ctx.calls.editing(call_id) as edit:
            call = edit.call
            if call.state not in WAITING_STATES:  # the caller left (or was taken) since the pick
                await self.ctx.agents.release(agent_id, call_id)
                return
            channel_id = call.new_channel_id("offer")
            call.offer_agent_id, call.offer_channel_id, call.offer_started_at = agent_id, channel_id, now()
            edit.move("offering")
        try:
            await self.ctx.rest.originate(
                self.ctx.devices.dial_target(agent.endpoint),
                app=self.ctx.app,
                app_args=f"agent,{call_id}",
                channel_id=channel_id,
                caller_id=f"{call.caller_name} <{call.caller_number}>",
                timeout_s=max(1, round(queue.ring_timeout_s)),
                variables=call_id_header(call_id),
            )
        except AriError as exc:
            await self.offer_failed(call_id, channel_id, f"unreachable: {exc.status}")

    async def _agent_answered(self, call: Call) -> None:
        try:
            await self.ctx.agents.answered(call.agent_id or "", call.call_id)
        except (AgentTransitionError, AgentNotFoundError) as exc:  # the call goes on; only the state lags
            log.warning("agent of call %s answered but cannot be on it: %s", call.call_id, exc)

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
            await self.ctx.agents.release(agent_id, call_id)
        if call.state == "queued":
            await self.music_on_hold(call)
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
        await self._agent_answered(call)
        for hook in self.answered_hooks:
            await hook(call)
