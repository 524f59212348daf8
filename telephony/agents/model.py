"""An agent's live state in Redis: routing's :class:`~routing.Agent`, one JSON value per hash field.

The database holds who an agent is (user, SIP account, profile); Redis holds what they are doing,
so another controller can take over. The value itself, and every rule about changing it, is
routing's (``routing.agents``): this module only encodes it.
"""

from __future__ import annotations

import dataclasses
import json
from types import MappingProxyType
from typing import Any

from routing import Agent, AgentState

FIELDS = tuple(f.name for f in dataclasses.fields(Agent))


def agent_to_redis(agent: Agent) -> dict[str, str]:
    data: dict[str, Any] = {name: getattr(agent, name) for name in FIELDS}
    data["state"] = agent.state.value
    data["skills"] = dict(agent.skills)
    data["queues"] = sorted(agent.queues)
    return {name: json.dumps(value) for name, value in data.items()}


def agent_from_redis(fields: dict[Any, Any]) -> Agent:
    data: dict[str, Any] = {}
    for key, value in fields.items():
        name = key.decode() if isinstance(key, bytes) else str(key)
        if name in FIELDS:
            data[name] = json.loads(value)
    data["state"] = AgentState(data.get("state", AgentState.LOGGED_OUT))
    data["skills"] = MappingProxyType({str(k): int(v) for k, v in (data.get("skills") or {}).items()})
    data["queues"] = frozenset(data.get("queues") or ())
    return Agent(**data)
