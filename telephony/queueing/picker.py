"""Which available agent gets a call.

The decision belongs to ``routing/`` (pure functions); until its queue strategies land this small
interface has one implementation: agents with every skill the call needs, longest idle first,
ties broken by the higher total skill level.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from telephony.agents.model import AgentState, AgentStatus


class AgentPicker(Protocol):
    def pick(
        self,
        queue_id: str,
        needed_skills: Mapping[str, int],
        agents: Iterable[AgentState],
        excluded: set[str],
    ) -> AgentState | None: ...


def has_skills(agent: AgentState, needed: Mapping[str, int]) -> bool:
    return all(agent.skills.get(skill, -1) >= level for skill, level in needed.items())


class LongestIdleSkilledPicker:
    """Skills filter, then longest idle."""

    def pick(
        self,
        queue_id: str,
        needed_skills: Mapping[str, int],
        agents: Iterable[AgentState],
        excluded: set[str],
    ) -> AgentState | None:
        candidates = [
            agent
            for agent in agents
            if agent.status == AgentStatus.AVAILABLE
            and agent.agent_id not in excluded
            and (not agent.queues or queue_id in agent.queues)
            and has_skills(agent, needed_skills)
        ]
        if not candidates:
            return None
        return min(candidates, key=lambda agent: (agent.idle_since, -sum(agent.skills.values())))
