"""Agent states move only along allowed transitions, and record what routing needs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from routing import ALLOWED_TRANSITIONS, Agent, AgentState, AgentTransitionError, transition

S = AgentState


def test_an_agent_logging_in_becomes_available_and_idle_from_then() -> None:
    agent = transition(Agent("a1"), S.AVAILABLE, now=100.0)
    assert agent.state is S.AVAILABLE and agent.idle_since == 100.0 and agent.state_since == 100.0


def test_a_full_call_cycle_is_allowed() -> None:
    agent = transition(Agent("a1"), S.AVAILABLE, 1)
    for state, at in ((S.RINGING, 2), (S.BUSY, 3), (S.WRAP_UP, 60), (S.AVAILABLE, 70)):
        agent = transition(agent, state, at)
    assert agent.idle_since == 70


def test_a_busy_agent_cannot_pause_or_take_a_second_ringing_call() -> None:
    busy = transition(transition(Agent("a1"), S.AVAILABLE, 1), S.BUSY, 2)
    with pytest.raises(AgentTransitionError, match="agent a1 cannot go from busy to paused"):
        transition(busy, S.PAUSED, 3, reason="lunch")
    with pytest.raises(AgentTransitionError):
        transition(busy, S.RINGING, 3)


def test_a_pause_needs_a_reason_and_keeps_it() -> None:
    available = transition(Agent("a1"), S.AVAILABLE, 1)
    with pytest.raises(AgentTransitionError, match="needs a reason"):
        transition(available, S.PAUSED, 2)
    paused = transition(available, S.PAUSED, 2, reason=" lunch ")
    assert paused.pause_reason == "lunch" and paused.idle_since == 1
    assert transition(paused, S.AVAILABLE, 5).pause_reason is None


@given(st.lists(st.sampled_from(list(AgentState)), max_size=30))
def test_any_sequence_of_requests_only_ever_follows_allowed_transitions(requests: list[AgentState]) -> None:
    agent = Agent("a1")
    for at, target in enumerate(requests):
        before = agent.state
        try:
            agent = transition(agent, target, float(at), reason="break")
        except AgentTransitionError:
            assert target not in ALLOWED_TRANSITIONS[before]
        else:
            assert target in ALLOWED_TRANSITIONS[before] and agent.state is target
