"""Agent state changes as call control makes them: read the agent, apply routing's rule, save, tell.

The rules (who may pause, when an offer is allowed, what ends a wrap-up) are the pure functions of
``routing.agents``; this service adds what they cannot do themselves: one change per agent at a
time, the Redis record, the ``agent.state_changed`` event and the routing pool's mirror.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from typing import Protocol

from routing import Agent, AgentTransitionError
from routing import agents as rules
from telephony.agents.store import AgentRepository
from telephony.calls.model import now

Change = Callable[[Agent, float], Agent]


class AgentEvents(Protocol):
    def state_changed(self, agent: Agent, previous_status: str) -> None: ...


class AgentService:
    """Every agent state change goes through here, so the event is never forgotten."""

    def __init__(
        self, store: AgentRepository, notifier: AgentEvents, clock: Callable[[], float] = now
    ) -> None:
        self.store = store
        self._notifier = notifier
        self._clock = clock
        # Told about every saved change (the routing agent pool mirrors agents through this).
        self.listeners: list[Callable[[Agent], None]] = []
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def _changing(self, agent_id: str) -> AsyncIterator[None]:
        # Read-change-write of one agent at a time: the tick's wrap-up pass runs beside dispatch
        # tasks, and a stale read saved back would undo a reservation made in between.
        async with self._locks.setdefault(agent_id, asyncio.Lock()):
            yield

    async def _apply(self, agent: Agent, change: Change) -> Agent:
        changed = change(agent, self._clock())
        if changed != agent:
            await self.store.save(changed)
            for listener in self.listeners:
                listener(changed)
            if changed.state is not agent.state:
                self._notifier.state_changed(changed, agent.state.value)
        return changed

    async def _change(self, agent_id: str, change: Change) -> Agent:
        """Apply ``change`` to the stored agent (raises AgentNotFoundError, AgentTransitionError)."""
        async with self._changing(agent_id):
            return await self._apply(await self.store.get(agent_id), change)

    async def login(
        self,
        agent_id: str,
        endpoint: str,
        *,
        skills: Mapping[str, int] | None = None,
        queues: Iterable[str] | None = None,
    ) -> Agent:
        """Log the agent in (first time: create them), with the profile given."""
        async with self._changing(agent_id):
            agent = await self.store.find(agent_id) or Agent(agent_id)
            return await self._apply(
                agent, lambda a, at: rules.log_in(a, at, endpoint=endpoint, skills=skills, queues=queues)
            )

    async def phone_registered(
        self,
        agent_id: str,
        endpoint: str,
        *,
        skills: Mapping[str, int] | None = None,
        queues: Iterable[str] | None = None,
    ) -> Agent:
        """The agent's softphone registered: logged in unless they already are."""
        async with self._changing(agent_id):
            agent = await self.store.find(agent_id) or Agent(agent_id)
            return await self._apply(
                agent,
                lambda a, at: rules.phone_registered(a, at, endpoint=endpoint, skills=skills, queues=queues),
            )

    async def logout(self, agent_id: str) -> Agent:
        return await self._change(agent_id, rules.log_out)

    async def logout_after_call(self, agent_id: str) -> Agent | None:
        """The agent's phone went away: logged out now, or when their call ends (None: unknown agent)."""
        async with self._changing(agent_id):
            agent = await self.store.find(agent_id)
            return None if agent is None else await self._apply(agent, rules.log_out_after_call)

    async def pause(self, agent_id: str, reason: str) -> Agent:
        return await self._change(agent_id, lambda a, at: rules.pause(a, reason, at))

    async def unpause(self, agent_id: str) -> Agent:
        return await self._change(agent_id, rules.unpause)

    async def reserve(self, agent_id: str, call_id: str) -> Agent:
        """Offer ``call_id`` to the agent: refused unless they are available."""
        return await self._change(agent_id, lambda a, at: rules.offer(a, call_id, at))

    async def answered(self, agent_id: str, call_id: str) -> Agent:
        return await self._change(agent_id, lambda a, at: rules.answer(a, call_id, at))

    async def release(self, agent_id: str, call_id: str, *, wrap_up_seconds: float = 0.0) -> Agent:
        """``call_id`` left the agent: wrap-up after talking, else available at once. An agent no
        longer on that call (already on the next one, logged out) is left as they are."""
        async with self._changing(agent_id):
            agent = await self.store.get(agent_id)
            try:
                return await self._apply(
                    agent, lambda a, at: rules.end_call(a, call_id, at, wrap_up_s=wrap_up_seconds)
                )
            except AgentTransitionError:
                return agent

    async def finish_wrap_ups(self) -> list[Agent]:
        """Agents whose wrap-up time is over become available (called on every controller tick)."""
        finished = []
        for seen in await self.store.all():
            if not rules.wrap_up_over(seen, self._clock()):
                continue
            async with self._changing(seen.agent_id):
                agent = await self.store.find(seen.agent_id)  # fresh: it may have changed since
                if agent is not None and rules.wrap_up_over(agent, self._clock()):
                    finished.append(await self._apply(agent, rules.finish_wrap_up))
        return finished
