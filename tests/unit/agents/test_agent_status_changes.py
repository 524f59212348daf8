"""Agent state changes as call control makes them: routing's rules, one agent at a time, every
change saved, mirrored and announced."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from agent_fakes import Clock, MemoryAgentStore, RecordingNotifier

from routing import Agent, AgentState, AgentTransitionError
from telephony.agents.exceptions import AgentNotFoundError
from telephony.agents.model import agent_from_redis, agent_to_redis
from telephony.agents.services import AgentService

S = AgentState


@dataclasses.dataclass
class Desk:
    service: AgentService
    store: MemoryAgentStore
    notifier: RecordingNotifier
    clock: Clock
    mirrored: list[Agent]


def desk_with(*agents: Agent) -> Desk:
    store, notifier, clock = MemoryAgentStore(), RecordingNotifier(), Clock()
    for agent in agents:
        store.saved[agent.agent_id] = agent_to_redis(agent)
    service = AgentService(store, notifier, clock)
    mirrored: list[Agent] = []
    service.listeners.append(mirrored.append)
    return Desk(service, store, notifier, clock, mirrored)


def in_state(state: AgentState, call_id: str | None = None, **changes: object) -> Agent:
    return dataclasses.replace(
        Agent("a1", endpoint="PJSIP/a1", call_id=call_id), state=state, **changes  # type: ignore[arg-type]
    )


def test_an_agent_is_stored_in_redis_fields_and_read_back_whole() -> None:
    agent = in_state(S.WRAP_UP, "c1", wrap_up_until=5.0, queues=frozenset({"b", "a"}), skills={"x": 2})
    fields = agent_to_redis(agent)
    assert fields["state"] == '"wrap_up"' and fields["queues"] == '["a", "b"]'
    assert agent_from_redis({k.encode(): v.encode() for k, v in fields.items()}) == agent


async def test_logging_in_creates_the_agent_available_and_announces_it() -> None:
    desk = desk_with()
    agent = await desk.service.login("a1", "PJSIP/a1", skills={"billing": 3}, queues=["billing"])
    assert (agent.state, agent.idle_since, agent.queues) == (S.AVAILABLE, 1000.0, {"billing"})
    assert await desk.store.get("a1") == agent and desk.mirrored == [agent]
    assert desk.notifier.events == [("a1", "logged_out", "available")]


async def test_a_call_cycle_is_saved_and_announced_step_by_step() -> None:
    desk = desk_with(in_state(S.AVAILABLE))
    await desk.service.reserve("a1", "c1")
    await desk.service.answered("a1", "c1")
    await desk.service.release("a1", "c1", wrap_up_seconds=5)
    desk.clock.at += 5
    assert [a.state for a in await desk.service.finish_wrap_ups()] == [S.AVAILABLE]
    assert [event[2] for event in desk.notifier.events] == ["offered", "on_call", "wrap_up", "available"]
    assert [a.state for a in desk.mirrored] == [S.OFFERED, S.ON_CALL, S.WRAP_UP, S.AVAILABLE]


async def test_a_refused_change_raises_routings_error_and_changes_nothing() -> None:
    desk = desk_with(in_state(S.PAUSED, pause_reason="lunch"))
    with pytest.raises(AgentTransitionError, match="agent a1 is paused, not available"):
        await desk.service.reserve("a1", "c1")
    with pytest.raises(AgentNotFoundError):
        await desk.service.pause("nobody", "lunch")
    assert (await desk.store.get("a1")).state is S.PAUSED
    assert desk.notifier.events == [] and desk.mirrored == []


async def test_a_lost_phone_logs_out_an_idle_agent_now_and_a_talking_one_after_the_call() -> None:
    desk = desk_with(in_state(S.AVAILABLE), dataclasses.replace(in_state(S.ON_CALL, "c1"), agent_id="a2"))
    assert (await desk.service.logout_after_call("a1")).state is S.LOGGED_OUT  # type: ignore[union-attr]
    talking = await desk.service.logout_after_call("a2")
    assert talking is not None and (talking.state, talking.logout_after_call) == (S.ON_CALL, True)
    assert (await desk.service.release("a2", "c1", wrap_up_seconds=5)).state is S.LOGGED_OUT
    assert await desk.service.logout_after_call("unknown") is None


async def test_a_pause_made_during_the_wrap_up_pass_is_not_undone_by_it() -> None:
    desk = desk_with(in_state(S.WRAP_UP, "c1", wrap_up_until=999.0))

    # The wrap-up pass has read a1 in an expired wrap-up; the agent pauses meanwhile.
    desk.store.go_on.clear()
    wrap_ups = asyncio.create_task(desk.service.finish_wrap_ups())
    await desk.store.listed.wait()
    await desk.service.pause("a1", "coaching")
    desk.store.go_on.set()
    assert await wrap_ups == []

    agent = await desk.store.get("a1")
    assert (agent.state, agent.pause_reason) == (S.PAUSED, "coaching")
    assert desk.mirrored[-1].state is S.PAUSED  # the routing pool mirrors the last write


async def test_changes_to_one_agent_run_one_at_a_time() -> None:
    desk = desk_with(in_state(S.AVAILABLE))
    results = await asyncio.gather(
        desk.service.reserve("a1", "c1"), desk.service.reserve("a1", "c2"), return_exceptions=True
    )
    refused = [r for r in results if isinstance(r, AgentTransitionError)]
    assert len(refused) == 1  # never both: a stale read would have let the second offer through
    assert (await desk.store.get("a1")).call_id == "c1"


async def test_releasing_an_agent_for_a_finished_call_leaves_them_on_their_next_call() -> None:
    desk = desk_with(in_state(S.ON_CALL, "call-2"))
    await desk.service.release("a1", "call-1", wrap_up_seconds=5)
    assert (await desk.store.get("a1")).state is S.ON_CALL
    await desk.service.release("a1", "call-2", wrap_up_seconds=5)
    assert (await desk.store.get("a1")).state is S.WRAP_UP
