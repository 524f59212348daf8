"""The one agent-state model: the states an agent can be in and the changes between them.

Call control (``telephony.agents.services``) stores these values and applies these changes under a
per-agent lock; the console reads them; routing picks available agents from them. Each change is a
pure function: it takes an :class:`Agent` and returns a new one, or raises
:class:`~routing.exceptions.AgentTransitionError` saying why the change is not allowed now.

::

    logged_out --log_in--> available --offer--> offered --answer--> on_call --end_call--> wrap_up
    available/wrap_up --pause--> paused --unpause--> available
    offered --end_call (no answer)--> available          wrap_up --finish_wrap_up--> available
    anything but a call --log_out--> logged_out         on_call --end_call (no wrap-up)--> available

``offered`` is its own state because an agent whose phone is ringing must not be picked for a second
call, and a supervisor wants to see who is ringing and who is talking.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from routing.exceptions import AgentTransitionError


class AgentState(StrEnum):
    LOGGED_OUT = "logged_out"
    AVAILABLE = "available"
    OFFERED = "offered"  # a call rings the agent's phone (the agent is reserved for it)
    ON_CALL = "on_call"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


S = AgentState
ALLOWED_TRANSITIONS: Mapping[AgentState, frozenset[AgentState]] = MappingProxyType(
    {
        S.LOGGED_OUT: frozenset({S.AVAILABLE}),
        S.AVAILABLE: frozenset({S.OFFERED, S.PAUSED, S.LOGGED_OUT}),
        # no answer (or the caller left) -> available again; a lost phone logs out after the call
        S.OFFERED: frozenset({S.ON_CALL, S.AVAILABLE, S.LOGGED_OUT}),
        S.ON_CALL: frozenset({S.WRAP_UP, S.AVAILABLE, S.LOGGED_OUT}),
        S.WRAP_UP: frozenset({S.AVAILABLE, S.PAUSED, S.LOGGED_OUT}),
        S.PAUSED: frozenset({S.AVAILABLE, S.LOGGED_OUT}),
    }
)
ON_A_CALL = frozenset({S.OFFERED, S.ON_CALL})
_EMPTY: Mapping[str, int] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class Agent:
    """One agent: who they are to routing (skills, queues, where to ring them) and what they do now.

    Attributes:
        idle_since: when the agent last became available ("longest idle" orders by it).
        call_id: the call offered to, taken or wrapped up by the agent.
        queues: the queues the agent serves; empty means every queue.
        endpoint: where call control rings the agent (``PJSIP/agent1``); opaque to routing.
        logout_after_call: the agent's phone went away during a call: log out when it ends.
    """

    agent_id: str
    skills: Mapping[str, int] = field(default_factory=lambda: _EMPTY)
    state: AgentState = AgentState.LOGGED_OUT
    state_since: float = 0.0
    pause_reason: str | None = None
    idle_since: float = 0.0
    call_id: str | None = None
    wrap_up_until: float | None = None
    queues: frozenset[str] = frozenset()
    endpoint: str = ""
    logout_after_call: bool = False

    @property
    def is_available(self) -> bool:
        return self.state is AgentState.AVAILABLE

    @property
    def is_logged_in(self) -> bool:
        return self.state is not AgentState.LOGGED_OUT

    def serves_queue(self, queue: str) -> bool:
        return not self.queues or queue in self.queues

    def can_go(self, to: AgentState) -> bool:
        return to in ALLOWED_TRANSITIONS[self.state]


def _move(agent: Agent, to: AgentState, now: float, **changes: object) -> Agent:
    """``agent`` in state ``to`` since ``now``; fields that belong to other states are cleared."""
    if not agent.can_go(to):
        raise AgentTransitionError(f"agent {agent.agent_id} cannot go from {agent.state} to {to}")
    values: dict[str, object] = {
        "state": to,
        "state_since": now,
        "pause_reason": None,
        "call_id": agent.call_id if to in (S.OFFERED, S.ON_CALL, S.WRAP_UP) else None,
        "wrap_up_until": None,
        "logout_after_call": False,
        "idle_since": now if to is S.AVAILABLE else agent.idle_since,
    }
    values.update(changes)
    return replace(agent, **values)  # type: ignore[arg-type]


def _free(agent: Agent, now: float) -> Agent:
    """Available, unless the agent's phone went away meanwhile."""
    return _move(agent, S.LOGGED_OUT if agent.logout_after_call else S.AVAILABLE, now)


def log_in(
    agent: Agent,
    now: float,
    *,
    endpoint: str | None = None,
    skills: Mapping[str, int] | None = None,
    queues: Iterable[str] | None = None,
) -> Agent:
    """Log in (or refresh the profile of) the agent.

    A logged-out or paused agent becomes available; an agent on a call or in wrap-up keeps doing
    that with the new profile (and no longer logs out after the call).
    """
    profile = replace(
        agent,
        endpoint=agent.endpoint if endpoint is None else endpoint,
        skills=agent.skills if skills is None else MappingProxyType(dict(skills)),
        queues=agent.queues if queues is None else frozenset(queues),
        logout_after_call=False,
    )
    if agent.state in (S.LOGGED_OUT, S.PAUSED):
        return _move(profile, S.AVAILABLE, now)
    return profile


def phone_registered(
    agent: Agent,
    now: float,
    *,
    endpoint: str,
    skills: Mapping[str, int] | None = None,
    queues: Iterable[str] | None = None,
) -> Agent:
    """The agent's softphone registered: log in a logged-out agent (or one about to log out after
    their call); an agent already logged in, paused perhaps on purpose, stays as they are."""
    if agent.is_logged_in and not agent.logout_after_call:
        return agent
    return log_in(agent, now, endpoint=endpoint, skills=skills, queues=queues)


def log_out(agent: Agent, now: float) -> Agent:
    """Log out; refused during a call (offered or talking): log out after it."""
    if agent.state is S.LOGGED_OUT:
        raise AgentTransitionError(f"agent {agent.agent_id} is not logged in")
    if agent.state in ON_A_CALL:
        raise AgentTransitionError(f"agent {agent.agent_id} is on a call; log out after it")
    return _move(agent, S.LOGGED_OUT, now)


def log_out_after_call(agent: Agent, now: float) -> Agent:
    """Log out now, or, during a call, as soon as it ends (the agent's phone went away)."""
    if agent.state is S.LOGGED_OUT:
        return agent
    if agent.state in ON_A_CALL:
        return replace(agent, logout_after_call=True)
    return log_out(agent, now)


def pause(agent: Agent, reason: str, now: float) -> Agent:
    """Pause with a reason (lunch, training...); a paused agent pausing again changes the reason."""
    reason = reason.strip()
    if not reason:
        raise AgentTransitionError(f"agent {agent.agent_id}: a pause needs a reason")
    if agent.state is S.LOGGED_OUT:
        raise AgentTransitionError(f"agent {agent.agent_id} is not logged in")
    if agent.state in ON_A_CALL:
        raise AgentTransitionError(f"agent {agent.agent_id} is on a call; pause after it")
    if agent.state is S.PAUSED:
        return replace(agent, pause_reason=reason)
    return _move(agent, S.PAUSED, now, pause_reason=reason)


def unpause(agent: Agent, now: float) -> Agent:
    if agent.state is not S.PAUSED:
        raise AgentTransitionError(f"agent {agent.agent_id} is not paused")
    return _move(agent, S.AVAILABLE, now)


def offer(agent: Agent, call_id: str, now: float) -> Agent:
    """Reserve the available agent for ``call_id`` while their phone rings."""
    if agent.state is not S.AVAILABLE:
        raise AgentTransitionError(f"agent {agent.agent_id} is {agent.state}, not available")
    return _move(agent, S.OFFERED, now, call_id=call_id)


def _require_call(agent: Agent, call_id: str) -> None:
    if agent.state not in ON_A_CALL or agent.call_id != call_id:
        raise AgentTransitionError(f"agent {agent.agent_id} is not on call {call_id}")


def answer(agent: Agent, call_id: str, now: float) -> Agent:
    """The agent picked up ``call_id`` (already talking on it: unchanged)."""
    _require_call(agent, call_id)
    if agent.state is S.ON_CALL:
        return agent
    return _move(agent, S.ON_CALL, now, logout_after_call=agent.logout_after_call)


def end_call(agent: Agent, call_id: str, now: float, *, wrap_up_s: float = 0.0) -> Agent:
    """``call_id`` left the agent. After talking: wrap-up for ``wrap_up_s`` (if any), then available;
    an offer that was never answered frees the agent at once."""
    _require_call(agent, call_id)
    if agent.state is S.ON_CALL and wrap_up_s > 0 and not agent.logout_after_call:
        return _move(agent, S.WRAP_UP, now, wrap_up_until=now + wrap_up_s)
    return _free(agent, now)


def wrap_up_over(agent: Agent, now: float) -> bool:
    return agent.state is S.WRAP_UP and (agent.wrap_up_until or 0.0) <= now


def finish_wrap_up(agent: Agent, now: float) -> Agent:
    """The agent's wrap-up time is over: available again."""
    if not wrap_up_over(agent, now):
        raise AgentTransitionError(f"agent {agent.agent_id} is {agent.state}, with no wrap-up over")
    return _free(agent, now)
