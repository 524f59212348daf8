"""The routing :class:`~routing.AgentPool` kept in step with the agents call control knows.

Redis holds agent states (so another controller can take over); routing decides over an in-memory
pool of the same values. The pool is filled from Redis when a controller becomes active and updated
on every agent change made through :class:`~telephony.agents.services.AgentService`.
"""

from __future__ import annotations

from routing import AgentPool
from telephony.agents.services import AgentService


class AgentMirror:
    """The pool, in step with the agent states in Redis."""

    def __init__(self, agents: AgentService) -> None:
        self.pool = AgentPool()
        self._agents = agents
        agents.listeners.append(self.pool.update)

    async def sync(self) -> None:
        """Rebuild from Redis (on becoming active, after a reconnect)."""
        known = await self._agents.store.all()
        for agent_id in {a.agent_id for a in self.pool.all()} - {agent.agent_id for agent in known}:
            self.pool.remove(agent_id)
        for agent in known:
            self.pool.update(agent)
