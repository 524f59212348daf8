"""Fakes at the agent service's seams: the store (as Redis holds it), the notifier, the clock."""

from __future__ import annotations

import asyncio

from routing import Agent
from telephony.agents.exceptions import AgentNotFoundError
from telephony.agents.model import agent_from_redis, agent_to_redis


class MemoryAgentStore:
    """The AgentRepository seam in memory, stored as Redis would hold it; every call yields to the
    loop, as a Redis round trip does."""

    def __init__(self) -> None:
        self.saved: dict[str, dict[str, str]] = {}
        self.listed = asyncio.Event()  # set once all() has read its snapshot
        self.go_on = asyncio.Event()  # all() returns its snapshot when this is set
        self.go_on.set()

    async def save(self, agent: Agent) -> None:
        await asyncio.sleep(0)
        self.saved[agent.agent_id] = agent_to_redis(agent)

    async def get(self, agent_id: str) -> Agent:
        await asyncio.sleep(0)
        if agent_id not in self.saved:
            raise AgentNotFoundError(agent_id)
        return agent_from_redis(self.saved[agent_id])

    async def find(self, agent_id: str) -> Agent | None:
        return await self.get(agent_id) if agent_id in self.saved else None

    async def all(self) -> list[Agent]:
        snapshot = [await self.get(agent_id) for agent_id in sorted(self.saved)]
        self.listed.set()
        await self.go_on.wait()
        return snapshot


class RecordingNotifier:
    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []  # agent, previous, new

    def state_changed(self, agent: Agent, previous_status: str) -> None:
        self.events.append((agent.agent_id, previous_status, agent.state.value))


class Clock:
    def __init__(self) -> None:
        self.at = 1000.0

    def __call__(self) -> float:
        return self.at
