"""What to do with a caller waiting in a queue, and which waiting call an agent gets next.

Times are seconds on one clock (epoch or monotonic, the caller's choice). A caller who accepts a
callback stays in the queue as a *virtual* call (``callback_number`` set): it keeps its place and is
called back when it reaches the front and an agent is free.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from routing.agents import Agent
from routing.pool import required_skills
from routing.queues import Queue


@dataclass(frozen=True, slots=True)
class WaitingCall:
    """A call waiting in ``queue``; ``first_queued_at`` is its place, kept across overflow and callback."""

    call_id: str
    queue: str
    priority: int
    entered_queue_at: float
    first_queued_at: float
    skills: tuple[tuple[str, int], ...] = ()
    last_announced_at: float | None = None
    callback_offered: bool = False
    callback_number: str | None = None
    overflowed_from: tuple[str, ...] = ()

    @property
    def is_virtual(self) -> bool:
        return self.callback_number is not None


@dataclass(frozen=True, slots=True)
class Wait:
    """Nothing to do; look again at ``recheck_at`` (None: only when something changes)."""

    recheck_at: float | None


@dataclass(frozen=True, slots=True)
class Overflow:
    """Move the call to ``to_queue``, keeping its place and priority."""

    to_queue: str


@dataclass(frozen=True, slots=True)
class OfferCallback:
    """Offer to call back instead of waiting on the line (virtual hold)."""

    position: int
    estimated_wait_s: float


@dataclass(frozen=True, slots=True)
class Announce:
    """Tell the caller their position and the estimated wait."""

    position: int
    estimated_wait_s: float
    text: str


QueueAction = Wait | Overflow | OfferCallback | Announce


def queue_order(calls: Iterable[WaitingCall]) -> list[WaitingCall]:
    """Calls in the order agents take them: higher priority first, then who has waited longest."""
    return sorted(calls, key=lambda c: (-c.priority, c.first_queued_at, c.call_id))


def positions(calls: Iterable[WaitingCall]) -> dict[str, int]:
    """Each call's 1-based position in its queue."""
    return {call.call_id: index for index, call in enumerate(queue_order(calls), start=1)}


def estimate_wait(position: int, staffed_agents: int, average_handle_s: float) -> float:
    """Rough wait: the calls ahead, shared by the staffed agents, each taking the average handle time."""
    return math.ceil(position / max(1, staffed_agents)) * average_handle_s


def announcement_text(position: int, estimated_wait_s: float) -> str:
    """What to say (English; the prompts layer synthesises it)."""
    minutes = round(estimated_wait_s / 60)
    place = "You are next in line." if position == 1 else f"You are number {position} in the queue."
    if minutes < 1:
        return f"{place} Your expected wait is less than a minute."
    unit = "minute" if minutes == 1 else "minutes"
    return f"{place} Your expected wait is about {minutes} {unit}."


def next_queue_action(
    call: WaitingCall, queue: Queue, now: float, *, position: int, staffed_agents: int
) -> QueueAction:
    """The one thing to do for ``call`` now: overflow, offer a callback, announce, or wait."""
    if call.is_virtual:
        return Wait(None)
    in_queue = now - call.entered_queue_at
    waited = now - call.first_queued_at
    deadlines: list[float] = []
    if queue.overflow_queue and queue.overflow_after_s is not None:
        if queue.overflow_queue not in call.overflowed_from and queue.overflow_queue != call.queue:
            if in_queue >= queue.overflow_after_s:
                return Overflow(queue.overflow_queue)
            deadlines.append(call.entered_queue_at + queue.overflow_after_s)
    estimated = estimate_wait(position, staffed_agents, queue.average_handle_s)
    if queue.max_wait_s is not None and not call.callback_offered:
        if waited >= queue.max_wait_s:
            return OfferCallback(position, estimated)
        deadlines.append(call.first_queued_at + queue.max_wait_s)
    if call.last_announced_at is None:
        next_announcement: float | None = call.entered_queue_at + queue.first_announcement_s
    elif queue.announce_every_s is not None:
        next_announcement = call.last_announced_at + queue.announce_every_s
    else:
        next_announcement = None
    if next_announcement is not None:
        if now >= next_announcement:
            return Announce(position, estimated, announcement_text(position, estimated))
        deadlines.append(next_announcement)
    return Wait(min(deadlines) if deadlines else None)


def agent_serves(agent: Agent, queue: Queue, call: WaitingCall) -> bool:
    """Whether ``agent`` may take ``call`` in ``queue`` (membership, the agent's queues, skill levels)."""
    if queue.members is not None and agent.agent_id not in queue.members:
        return False
    if not agent.serves_queue(queue.name):
        return False
    needed = required_skills(queue, dict(call.skills))
    return all(agent.skills.get(skill, 0) >= level for skill, level in needed.items())


def next_call_for_agent(
    agent: Agent, waiting: Mapping[str, Sequence[WaitingCall]], queues: Mapping[str, Queue]
) -> WaitingCall | None:
    """When an agent becomes free: the call they can take with the highest priority, waiting longest."""
    best: WaitingCall | None = None
    for queue_name, calls in waiting.items():
        queue = queues.get(queue_name)
        if queue is None:
            continue
        for call in calls:
            if agent_serves(agent, queue, call) and (
                best is None
                or (-call.priority, call.first_queued_at, call.call_id)
                < (-best.priority, best.first_queued_at, best.call_id)
            ):
                best = call
    return best
