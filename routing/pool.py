"""An index over agents so that picking one for a call stays fast with thousands of agents.

The controller keeps one :class:`AgentPool` and calls :meth:`AgentPool.update` on every agent state
change; :func:`pick_agent` then only looks at available agents that hold the rarest required skill,
instead of every agent. Available agents are kept in the order they became idle, so "longest idle"
without skills is the first eligible one.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

from routing.agents import Agent
from routing.queues import Queue, Strategy


class AgentPool:
    """All agents, plus who is available, in idle order, and by skill."""

    def __init__(self, agents: Iterable[Agent] = ()) -> None:
        self._agents: dict[str, Agent] = {}
        self._available: dict[str, Agent] = {}  # insertion order == idle order while not _unsorted
        self._by_skill: dict[str, set[str]] = {}
        self._unsorted = False
        for agent in agents:
            self.update(agent)

    def __len__(self) -> int:
        return len(self._agents)

    def __contains__(self, agent_id: object) -> bool:
        return agent_id in self._agents

    def get(self, agent_id: str) -> Agent | None:
        return self._agents.get(agent_id)

    def all(self) -> list[Agent]:
        return list(self._agents.values())

    @property
    def available_count(self) -> int:
        return len(self._available)

    def update(self, agent: Agent) -> None:
        """Add or replace an agent (after a state or skill change)."""
        self.remove(agent.agent_id)
        self._agents[agent.agent_id] = agent
        if not agent.is_available:
            return
        if self._available:
            last = next(reversed(self._available.values()))
            if (agent.idle_since, agent.agent_id) < (last.idle_since, last.agent_id):
                self._unsorted = True
        self._available[agent.agent_id] = agent
        for skill in agent.skills:
            self._by_skill.setdefault(skill, set()).add(agent.agent_id)

    def remove(self, agent_id: str) -> None:
        old = self._agents.pop(agent_id, None)
        if old is None or self._available.pop(agent_id, None) is None:
            return
        for skill in old.skills:
            self._by_skill[skill].discard(agent_id)

    def staffed(self, queue: Queue) -> int:
        """Logged-in agents who may serve ``queue`` (for the estimated wait)."""
        members = queue.members
        return sum(
            1
            for agent in self._agents.values()
            if agent.is_logged_in
            and agent.serves_queue(queue.name)
            and (members is None or agent.agent_id in members)
        )

    def available_in_idle_order(self) -> Iterator[Agent]:
        if self._unsorted:
            ordered = sorted(self._available.values(), key=lambda a: (a.idle_since, a.agent_id))
            self._available = {a.agent_id: a for a in ordered}
            self._unsorted = False
        return iter(self._available.values())

    def available_with_skills(self, skills: Iterable[str]) -> Iterator[Agent]:
        """Available agents holding every skill (any level), scanning the rarest skill's set."""
        sets = [self._by_skill.get(skill, set()) for skill in skills]
        rarest = min(sets, key=len)
        others = [s for s in sets if s is not rarest]
        for agent_id in rarest:
            if all(agent_id in s for s in others):
                yield self._available[agent_id]


@dataclass(frozen=True, slots=True)
class AgentChoice:
    """The agent to offer the call to, and why."""

    agent_id: str
    strategy: Strategy
    skill_score: int
    idle_s: float


def required_skills(queue: Queue, call_skills: Mapping[str, int] | None) -> dict[str, int]:
    """The queue's skills merged with the call's hints (the higher level wins)."""
    merged = dict(queue.required_skills)
    for skill, level in (call_skills or {}).items():
        merged[skill] = max(level, merged.get(skill, 0))
    return merged


def pick_agent(
    queue: Queue,
    agents: AgentPool,
    now: float,
    *,
    call_skills: Mapping[str, int] | None = None,
    exclude: frozenset[str] = frozenset(),
    after_agent: str | None = None,
) -> AgentChoice | None:
    """The agent to offer a call in ``queue``, or None when nobody eligible is available.

    Args:
        call_skills: skill hints from the IVR or routing rules, on top of the queue's.
        exclude: agents who already missed this call (no answer), so the next one is tried.
        after_agent: for round robin, the agent picked last in this queue.
    """
    skills = required_skills(queue, call_skills)
    members = queue.members
    candidates = agents.available_with_skills(skills) if skills else agents.available_in_idle_order()
    best: Agent | None = None
    best_key: tuple[object, ...] | None = None
    for agent in candidates:
        if agent.agent_id in exclude or (members is not None and agent.agent_id not in members):
            continue
        if not agent.serves_queue(queue.name):
            continue
        levels = agent.skills
        if skills and any(levels.get(skill, 0) < level for skill, level in skills.items()):
            continue
        if queue.strategy is Strategy.ROUND_ROBIN:
            wrapped = after_agent is not None and agent.agent_id <= after_agent
            key: tuple[object, ...] = (wrapped, agent.agent_id)
        elif queue.strategy is Strategy.SKILLS:
            key = (-sum(levels[skill] for skill in skills), agent.idle_since, agent.agent_id)
        else:
            if not skills:
                best = agent  # idle order: the first eligible is the longest idle
                break
            key = (agent.idle_since, agent.agent_id)
        if best_key is None or key < best_key:
            best, best_key = agent, key
    if best is None:
        return None
    score = sum(best.skills.get(skill, 0) for skill in skills)
    return AgentChoice(best.agent_id, queue.strategy, score, max(0.0, now - best.idle_since))
