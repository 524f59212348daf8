"""Agent states as a small explicit state model: which changes are allowed, and what they record.

``ringing`` is added to the five states a supervisor sees (offline, available, busy, wrap-up, paused):
an agent whose phone is being offered a call must not be picked for a second call.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from routing.exceptions import AgentTransitionError


class AgentState(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    RINGING = "ringing"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


S = AgentState
ALLOWED_TRANSITIONS: Mapping[AgentState, frozenset[AgentState]] = MappingProxyType(
    {
        S.OFFLINE: frozenset({S.AVAILABLE, S.PAUSED}),
        S.AVAILABLE: frozenset({S.RINGING, S.BUSY, S.PAUSED, S.OFFLINE}),
        # no answer -> available again (or paused by the "auto-pause on missed call" policy)
        S.RINGING: frozenset({S.BUSY, S.AVAILABLE, S.PAUSED, S.OFFLINE}),
        S.BUSY: frozenset({S.WRAP_UP, S.AVAILABLE, S.OFFLINE}),
        S.WRAP_UP: frozenset({S.AVAILABLE, S.PAUSED, S.OFFLINE}),
        S.PAUSED: frozenset({S.AVAILABLE, S.PAUSED, S.OFFLINE}),
    }
)
_EMPTY: Mapping[str, int] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Agent:
    """An agent as routing sees them: skills (name -> level 1..10), state, and since when."""

    agent_id: str
    skills: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    state: AgentState = AgentState.OFFLINE
    state_since: float = 0.0
    pause_reason: str | None = None
    idle_since: float = 0.0  # when the agent last became available: "longest idle" orders by it

    @property
    def is_available(self) -> bool:
        return self.state is AgentState.AVAILABLE

    def can_go(self, to: AgentState) -> bool:
        return to in ALLOWED_TRANSITIONS[self.state]


def transition(agent: Agent, to: AgentState, now: float, *, reason: str | None = None) -> Agent:
    """The agent after moving to ``to`` at ``now``.

    Raises:
        AgentTransitionError: the change is not allowed, or a pause has no reason.
    """
    if not agent.can_go(to):
        raise AgentTransitionError(f"agent {agent.agent_id} cannot go from {agent.state} to {to}")
    if to is AgentState.PAUSED and not (reason and reason.strip()):
        raise AgentTransitionError(f"agent {agent.agent_id}: a pause needs a reason")
    idle_since = now if to is AgentState.AVAILABLE else agent.idle_since
    return replace(
        agent,
        state=to,
        state_since=now,
        pause_reason=reason.strip() if to is AgentState.PAUSED and reason else None,
        idle_since=idle_since,
    )
