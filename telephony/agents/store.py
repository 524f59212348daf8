"""Agent state in Redis: one hash per agent plus the set of known agents."""

from __future__ import annotations

from typing import Protocol

import redis.asyncio as aredis

from routing import Agent
from telephony.agents.exceptions import AgentNotFoundError
from telephony.agents.model import agent_from_redis, agent_to_redis
from telephony.keys import TelephonyKeys


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


class AgentRepository(Protocol):
    """Where agent states live (Redis in production, a dict in unit tests)."""

    async def save(self, agent: Agent) -> None: ...

    async def get(self, agent_id: str) -> Agent: ...

    async def find(self, agent_id: str) -> Agent | None: ...

    async def all(self) -> list[Agent]: ...


class AgentStore:
    def __init__(self, client: aredis.Redis, prefix: str = "voxdesk") -> None:
        self._redis = client
        self._prefix = prefix

    def _key(self, agent_id: str) -> str:
        return TelephonyKeys(self._prefix).agent(agent_id)

    @property
    def _all_key(self) -> str:
        return TelephonyKeys(self._prefix).agents

    async def save(self, agent: Agent) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.hset(self._key(agent.agent_id), mapping=agent_to_redis(agent))  # type: ignore[arg-type]
        pipe.sadd(self._all_key, agent.agent_id)
        await pipe.execute()

    async def get(self, agent_id: str) -> Agent:
        fields = await self._redis.hgetall(self._key(agent_id))
        if not fields:
            raise AgentNotFoundError(f"unknown agent {agent_id!r}")
        return agent_from_redis(fields)

    async def find(self, agent_id: str) -> Agent | None:
        try:
            return await self.get(agent_id)
        except AgentNotFoundError:
            return None

    async def all(self) -> list[Agent]:
        ids = sorted(_text(m) for m in await self._redis.smembers(self._all_key))
        agents = [await self.find(agent_id) for agent_id in ids]
        return [agent for agent in agents if agent is not None]

    async def remove(self, agent_id: str) -> None:
        await self._redis.delete(self._key(agent_id))
        await self._redis.srem(self._all_key, agent_id)
