"""Agent status changes: login, logout, pause, and the busy/wrap-up cycle driven by calls."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from telephony.agents.exceptions import AgentStateError
from telephony.agents.model import AgentState, AgentStatus
from telephony.agents.notifier import AgentNotifier
from telephony.agents.store import AgentStore
from telephony.calls.model import now


class AgentService:
    """Every agent status change goes through here so the event is never forgotten."""

    def __init__(self, store: AgentStore, notifier: AgentNotifier) -> None:
        self.store = store
        self._notifier = notifier
        # Told about every saved change (the routing agent pool mirrors agents through this).
        self.listeners: list[Callable[[AgentState], None]] = []
        self._locks: dict[str, asyncio.Lock] = {}

    @asynccontextmanager
    async def _changing(self, agent_id: str) -> AsyncIterator[None]:
        # Read-change-write of one agent at a time: the tick's wrap-up pass runs beside dispatch
        # tasks, and a stale read saved back would undo a reservation made in between.
        async with self._locks.setdefault(agent_id, asyncio.Lock()):
            yield

    async def _save(self, agent: AgentState) -> None:
        await self.store.save(agent)
        for listener in self.listeners:
            listener(agent)

    async def _set(
        self,
        agent: AgentState,
        status: AgentStatus,
        *,
        call_id: str | None = None,
        pause_reason: str | None = None,
        wrap_up_until: float | None = None,
    ) -> AgentState:
        previous = agent.status
        at = now()
        if status == AgentStatus.AVAILABLE and previous != AgentStatus.AVAILABLE:
            agent.idle_since = at
        agent.status, agent.status_since = status, at
        agent.call_id, agent.pause_reason, agent.wrap_up_until = call_id, pause_reason, wrap_up_until
        await self._save(agent)
        if previous != status:
            self._notifier.state_changed(agent, previous.value)
        return agent

    async def login(
        self,
        agent_id: str,
        endpoint: str,
        *,
        skills: dict[str, int] | None = None,
        queues: list[str] | None = None,
    ) -> AgentState:
        async with self._changing(agent_id):
            agent = await self.store.find(agent_id) or AgentState(agent_id=agent_id, endpoint=endpoint)
            agent.endpoint = endpoint
            if skills is not None:
                agent.skills = skills
            if queues is not None:
                agent.queues = queues
            if agent.status in (AgentStatus.BUSY, AgentStatus.WRAP_UP):
                await self._save(agent)
                return agent
            return await self._set(agent, AgentStatus.AVAILABLE)

    async def logout(self, agent_id: str) -> AgentState:
        async with self._changing(agent_id):
            agent = await self.store.get(agent_id)
            if agent.status == AgentStatus.BUSY:
                raise AgentStateError(f"agent {agent_id} is on a call; log out after it")
            return await self._set(agent, AgentStatus.OFFLINE)

    async def pause(self, agent_id: str, reason: str) -> AgentState:
        async with self._changing(agent_id):
            agent = await self.store.get(agent_id)
            if agent.status == AgentStatus.OFFLINE:
                raise AgentStateError(f"agent {agent_id} is not logged in")
            if agent.status == AgentStatus.BUSY:
                raise AgentStateError(f"agent {agent_id} is on a call; pause after it")
            return await self._set(agent, AgentStatus.PAUSED, pause_reason=reason)

    async def unpause(self, agent_id: str) -> AgentState:
        async with self._changing(agent_id):
            agent = await self.store.get(agent_id)
            if agent.status != AgentStatus.PAUSED:
                raise AgentStateError(f"agent {agent_id} is not paused")
            return await self._set(agent, AgentStatus.AVAILABLE)

    async def reserve(self, agent_id: str, call_id: str) -> AgentState:
        """The agent is being offered (or is on) ``call_id``."""
        async with self._changing(agent_id):
            return await self._set(await self.store.get(agent_id), AgentStatus.BUSY, call_id=call_id)

    async def release(
        self, agent_id: str, *, wrap_up_seconds: float = 0.0, if_on_call: str | None = None
    ) -> AgentState:
        """The call left the agent: wrap-up for a while, or straight back to available.
        With ``if_on_call``, only while the agent is still on that call (not already on the next)."""
        async with self._changing(agent_id):
            agent = await self.store.get(agent_id)
            if agent.status == AgentStatus.OFFLINE or (if_on_call and agent.call_id != if_on_call):
                return agent
            if wrap_up_seconds > 0:
                return await self._set(agent, AgentStatus.WRAP_UP, wrap_up_until=now() + wrap_up_seconds)
            return await self._set(agent, AgentStatus.AVAILABLE)

    async def finish_wrap_ups(self) -> list[AgentState]:
        """Agents whose wrap-up time is over become available (called on every controller tick)."""
        finished = []
        at = now()
        for seen in await self.store.all():
            if seen.status != AgentStatus.WRAP_UP:
                continue
            async with self._changing(seen.agent_id):
                agent = await self.store.find(seen.agent_id)  # fresh: it may have changed since
                if agent and agent.status == AgentStatus.WRAP_UP and (agent.wrap_up_until or 0) <= at:
                    finished.append(await self._set(agent, AgentStatus.AVAILABLE))
        return finished
