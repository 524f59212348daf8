"""The routing :class:`~routing.AgentPool` kept in step with the agents call control knows.

Redis holds agent status (so another controller can take over); routing decides over an in-memory
pool. The pool is filled from Redis when a controller becomes active and updated on every agent
change made through :class:`~telephony.agents.services.AgentService`.
"""

from __future__ import annotations

from types import MappingProxyType

from routing import Agent, AgentPool
from routing import AgentState as RoutingState
from telephony.agents.model import AgentState, AgentStatus
from telephony.agents.services import AgentService

_STATES = {
    AgentStatus.OFFLINE: RoutingState.OFFLINE,
    AgentStatus.AVAILABLE: RoutingState.AVAILABLE,
    AgentStatus.BUSY: RoutingState.BUSY,
    AgentStatus.WRAP_UP: RoutingState.WRAP_UP,
    AgentStatus.PAUSED: RoutingState.PAUSED,
}


def routing_agent(agent: AgentState) -> Agent:
    """How routing sees an agent (skills, state and the time they became idle)."""
    return Agent(
        agent_id=agent.agent_id,
        skills=MappingProxyType(dict(agent.skills)),
        state=_STATES[agent.status],
        state_since=agent.status_since,
        pause_reason=agent.pause_reason,
        idle_since=agent.idle_since,
    )


class AgentMirror:
    """The pool plus what routing's :class:`~routing.Agent` does not carry (endpoint, queue list)."""

    def __init__(self, agents: AgentService) -> None:
        self.pool = AgentPool()
        self.endpoints: dict[str, str] = {}
        self.queue_lists: dict[str, frozenset[str]] = {}  # chosen at login; empty means every queue
        self._agents = agents
        agents.listeners.append(self.update)

    def update(self, agent: AgentState) -> None:
        self.pool.update(routing_agent(agent))
        self.endpoints[agent.agent_id] = agent.endpoint
        self.queue_lists[agent.agent_id] = frozenset(agent.queues)

    async def sync(self) -> None:
        """Rebuild from Redis (on becoming active, after a reconnect)."""
        known = await self._agents.store.all()
        for agent_id in set(self.endpoints) - {agent.agent_id for agent in known}:
            self.pool.remove(agent_id)
            self.endpoints.pop(agent_id, None)
            self.queue_lists.pop(agent_id, None)
        for agent in known:
            self.update(agent)

    def outside_queue(self, queue_id: str) -> frozenset[str]:
        """Available agents who logged in for other queues only (excluded from this queue's offers)."""
        return frozenset(
            agent.agent_id
            for agent in self.pool.available_in_idle_order()
            if self.queue_lists.get(agent.agent_id) and queue_id not in self.queue_lists[agent.agent_id]
        )

    def staffed(self, queue_id: str) -> int:
        """Logged-in agents who may serve ``queue_id`` (for the estimated wait)."""
        count = 0
        for agent_id, queues in self.queue_lists.items():
            agent = self.pool.get(agent_id)
            logged_in = agent is not None and agent.state is not RoutingState.OFFLINE
            if logged_in and (not queues or queue_id in queues):
                count += 1
        return count
