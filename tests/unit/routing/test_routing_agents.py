"""The one agent-state model: changes are pure, follow the allowed transitions, and keep the record
consistent (a call only while on one, a reason only while paused, a deadline only in wrap-up)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing import ALLOWED_TRANSITIONS, Agent, AgentState, AgentTransitionError
from routing.agents import (
    answer,
    end_call,
    finish_wrap_up,
    log_in,
    log_out,
    log_out_after_call,
    offer,
    pause,
    unpause,
    wrap_up_over,
)

S = AgentState


def available(at: float = 1.0) -> Agent:
    return log_in(Agent("a1"), at, endpoint="PJSIP/a1", skills={"billing": 2}, queues=["sales"])


def test_logging_in_makes_the_agent_available_idle_from_then_with_their_profile() -> None:
    agent = available(100.0)
    assert (agent.state, agent.idle_since, agent.state_since) == (S.AVAILABLE, 100.0, 100.0)
    assert (agent.endpoint, dict(agent.skills), agent.queues) == ("PJSIP/a1", {"billing": 2}, {"sales"})
    assert agent.serves_queue("sales") and not agent.serves_queue("support")
    assert Agent("a2").serves_queue("anything")  # no queue list: every queue


def test_a_full_call_cycle_offers_answers_wraps_up_and_frees_the_agent() -> None:
    agent = offer(available(1), "c1", 2)
    assert (agent.state, agent.call_id) == (S.OFFERED, "c1")
    agent = answer(agent, "c1", 3)
    assert agent.state is S.ON_CALL
    agent = end_call(agent, "c1", 60, wrap_up_s=10)
    assert (agent.state, agent.wrap_up_until, agent.call_id) == (S.WRAP_UP, 70, "c1")
    assert not wrap_up_over(agent, 69) and wrap_up_over(agent, 70)
    with pytest.raises(AgentTransitionError, match="no wrap-up over"):
        finish_wrap_up(agent, 69)
    agent = finish_wrap_up(agent, 70)
    assert (agent.state, agent.idle_since, agent.call_id) == (S.AVAILABLE, 70, None)
    assert agent.wrap_up_until is None


def test_an_offer_nobody_answers_frees_the_agent_at_once_without_wrap_up() -> None:
    agent = end_call(offer(available(), "c1", 2), "c1", 6, wrap_up_s=10)
    assert (agent.state, agent.idle_since) == (S.AVAILABLE, 6)


def test_an_agent_on_a_call_cannot_pause_log_out_or_be_offered_a_second_call() -> None:
    talking = answer(offer(available(), "c1", 2), "c1", 3)
    with pytest.raises(AgentTransitionError, match="agent a1 is on a call; pause after it"):
        pause(talking, "lunch", 4)
    with pytest.raises(AgentTransitionError, match="on a call; log out after it"):
        log_out(talking, 4)
    with pytest.raises(AgentTransitionError, match="agent a1 is on_call, not available"):
        offer(talking, "c2", 4)
    with pytest.raises(AgentTransitionError, match="not on call c2"):
        end_call(talking, "c2", 4)  # a finished call's release leaves the agent on their next call


def test_a_pause_needs_a_reason_and_keeps_it_until_unpaused() -> None:
    with pytest.raises(AgentTransitionError, match="needs a reason"):
        pause(available(), "  ", 2)
    paused = pause(available(1), " lunch ", 2)
    assert (paused.state, paused.pause_reason, paused.idle_since) == (S.PAUSED, "lunch", 1)
    assert pause(paused, "training", 3).pause_reason == "training"
    back = unpause(paused, 5)
    assert (back.state, back.pause_reason, back.idle_since) == (S.AVAILABLE, None, 5)
    with pytest.raises(AgentTransitionError, match="is not paused"):
        unpause(back, 6)
    with pytest.raises(AgentTransitionError, match="is not logged in"):
        pause(Agent("a1"), "lunch", 1)


def test_logging_in_again_keeps_a_call_or_wrap_up_going_with_the_new_profile() -> None:
    talking = answer(offer(available(), "c1", 2), "c1", 3)
    again = log_in(talking, 4, queues=["support"])
    assert (again.state, again.call_id, again.queues) == (S.ON_CALL, "c1", {"support"})
    assert log_in(pause(available(), "lunch", 2), 3).state is S.AVAILABLE


def test_a_phone_lost_during_a_call_logs_the_agent_out_when_the_call_ends() -> None:
    talking = answer(offer(available(), "c1", 2), "c1", 3)
    leaving = log_out_after_call(talking, 4)
    assert (leaving.state, leaving.logout_after_call) == (S.ON_CALL, True)
    gone = end_call(leaving, "c1", 9, wrap_up_s=30)
    assert (gone.state, gone.logout_after_call, gone.call_id) == (S.LOGGED_OUT, False, None)
    assert log_out_after_call(available(), 2).state is S.LOGGED_OUT
    assert log_out_after_call(Agent("a1"), 2) == Agent("a1")
    # the phone came back before the call ended: nobody logs the agent out
    assert end_call(log_in(leaving, 5), "c1", 9).state is S.AVAILABLE


# --- properties over any sequence of requests

CALLS = st.sampled_from(["c1", "c1", "c2"])
Request = Callable[[Agent, float], Agent]
requests: st.SearchStrategy[tuple[str, Request]] = st.one_of(
    st.just(("log_in", lambda a, t: log_in(a, t, endpoint="PJSIP/a1"))),
    st.just(("log_out", log_out)),
    st.just(("log_out_after_call", log_out_after_call)),
    st.sampled_from(["lunch", "", "training"]).map(lambda r: ("pause", lambda a, t: pause(a, r, t))),
    st.just(("unpause", unpause)),
    CALLS.map(lambda c: ("offer", lambda a, t: offer(a, c, t))),
    CALLS.map(lambda c: ("answer", lambda a, t: answer(a, c, t))),
    st.tuples(CALLS, st.sampled_from([0.0, 5.0])).map(
        lambda cw: ("end_call", lambda a, t: end_call(a, cw[0], t, wrap_up_s=cw[1]))
    ),
    st.just(("finish_wrap_up", finish_wrap_up)),
)


def _reach(state: AgentState, leaving: bool) -> Agent:
    """An agent brought to ``state`` by the requests that lead there."""
    agent = Agent("a1")
    path: dict[AgentState, list[Request]] = {S.LOGGED_OUT: [], S.AVAILABLE: [lambda a, t: log_in(a, t)]}
    path[S.PAUSED] = [*path[S.AVAILABLE], lambda a, t: pause(a, "lunch", t)]
    path[S.OFFERED] = [*path[S.AVAILABLE], lambda a, t: offer(a, "c1", t)]
    path[S.ON_CALL] = [*path[S.OFFERED], lambda a, t: answer(a, "c1", t)]
    path[S.WRAP_UP] = [*path[S.ON_CALL], lambda a, t: end_call(a, "c1", t, wrap_up_s=5.0)]
    for at, request in enumerate(path[state], start=1):
        agent = request(agent, float(at))
    return log_out_after_call(agent, 9.0) if leaving and state in (S.OFFERED, S.ON_CALL) else agent


# Every state (and "leaving after the call") as a starting point, so each request meets each state.
reachable_agents = st.builds(_reach, st.sampled_from(list(AgentState)), st.booleans())


def assert_consistent(agent: Agent) -> None:
    assert (agent.call_id is not None) == (agent.state in (S.OFFERED, S.ON_CALL, S.WRAP_UP))
    assert (agent.pause_reason is not None) == (agent.state is S.PAUSED)
    assert (agent.wrap_up_until is not None) == (agent.state is S.WRAP_UP)
    assert not agent.logout_after_call or agent.state in (S.OFFERED, S.ON_CALL)
    assert agent.pause_reason is None or agent.pause_reason.strip() == agent.pause_reason != ""


@settings(max_examples=400)
@given(reachable_agents, st.lists(requests, max_size=30))
def test_any_sequence_of_requests_only_follows_allowed_transitions_and_stays_consistent(
    agent: Agent, steps: list[tuple[str, Request]]
) -> None:
    for at, (name, request) in enumerate(steps, start=10):
        before = agent
        try:
            agent = request(before, float(at))
        except AgentTransitionError as exc:
            assert "a1" in str(exc)  # the error names the agent and says why
            continue
        if agent.state is not before.state:
            assert agent.state in ALLOWED_TRANSITIONS[before.state], name
            assert agent.state_since == at
        else:
            assert agent.state_since == before.state_since
        entered_available = agent.state is S.AVAILABLE and before.state is not S.AVAILABLE
        assert agent.idle_since == (at if entered_available else before.idle_since)
        assert_consistent(agent)


@settings(max_examples=400)
@given(reachable_agents, st.lists(requests, max_size=30))
def test_an_agent_is_only_ever_offered_a_call_while_available_and_only_answers_their_offer(
    agent: Agent, steps: list[tuple[str, Request]]
) -> None:
    for at, (name, request) in enumerate(steps, start=10):
        before = agent
        try:
            agent = request(before, float(at))
        except AgentTransitionError:
            continue
        if agent.state is S.OFFERED and before.state is not S.OFFERED:
            assert before.state is S.AVAILABLE and name == "offer"
        if agent.state is S.ON_CALL and before.state is not S.ON_CALL:
            assert before.state is S.OFFERED and agent.call_id == before.call_id
        if before.state in (S.OFFERED, S.ON_CALL) and agent.state is not before.state:
            assert name in ("answer", "end_call")  # a call is never dropped by a pause or a logout
