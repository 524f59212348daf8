"""Agent status changes made concurrently (the tick's wrap-up pass beside dispatch tasks)."""

from __future__ import annotations

import asyncio
from typing import Any

from telephony.agents.exceptions import AgentNotFoundError
from telephony.agents.model import AgentState, AgentStatus
from telephony.agents.services import AgentService
from telephony.calls.model import now


class MemoryAgentStore:
    """The AgentStore seam in memory; every call yields to the loop, as a Redis round trip does."""

    def __init__(self) -> None:
        self.saved: dict[str, str] = {}
        self.listed = asyncio.Event()  # set once all() has read its snapshot
        self.go_on = asyncio.Event()  # all() returns its snapshot when this is set
        self.go_on.set()

    async def save(self, agent: AgentState) -> None:
        await asyncio.sleep(0)
        self.saved[agent.agent_id] = agent.model_dump_json()

    async def get(self, agent_id: str) -> AgentState:
        await asyncio.sleep(0)
        if agent_id not in self.saved:
            raise AgentNotFoundError(agent_id)
        return AgentState.model_validate_json(self.saved[agent_id])

    async def find(self, agent_id: str) -> AgentState | None:
        return await self.get(agent_id) if agent_id in self.saved else None

    async def all(self) -> list[AgentState]:
        snapshot = [await self.get(agent_id) for agent_id in sorted(self.saved)]
        self.listed.set()
        await self.go_on.wait()
        return snapshot


class SilentNotifier:
    def state_changed(self, agent: AgentState, previous_status: str) -> None:
        pass


def service_with(*agents: AgentState) -> tuple[AgentService, MemoryAgentStore]:
    store = MemoryAgentStore()
    for agent in agents:
        store.saved[agent.agent_id] = agent.model_dump_json()
    notifier: Any = SilentNotifier()
    return AgentService(store, notifier), store  # type: ignore[arg-type]


async def test_a_reservation_made_during_the_wrap_up_pass_is_not_undone_by_it() -> None:
    finished = AgentState(
        agent_id="a1", endpoint="PJSIP/a1", status=AgentStatus.WRAP_UP, wrap_up_until=now() - 1
    )
    service, store = service_with(finished)
    seen: list[AgentState] = []
    service.listeners.append(seen.append)

    # The wrap-up pass has read a1 in wrap-up; a dispatch task reserves a1 for the next call meanwhile.
    store.go_on.clear()
    wrap_ups = asyncio.create_task(service.finish_wrap_ups())
    await store.listed.wait()
    await service.reserve("a1", "call-2")
    store.go_on.set()
    await wrap_ups

    agent = await store.get("a1")
    assert (agent.status, agent.call_id) == (AgentStatus.BUSY, "call-2")
    assert seen[-1].status == AgentStatus.BUSY  # the routing pool mirrors the last write


async def test_releasing_an_agent_for_a_finished_call_leaves_them_on_their_next_call() -> None:
    service, store = service_with(
        AgentState(agent_id="a1", endpoint="PJSIP/a1", status=AgentStatus.BUSY, call_id="call-2")
    )
    await service.release("a1", wrap_up_seconds=5, if_on_call="call-1")
    assert (await store.get("a1")).status == AgentStatus.BUSY
    await service.release("a1", wrap_up_seconds=5, if_on_call="call-2")
    assert (await store.get("a1")).status == AgentStatus.WRAP_UP
