"""An agent's live status (the database holds who they are; Redis holds what they are doing)."""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from telephony.calls.model import now


class AgentStatus(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    BUSY = "busy"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


class AgentState(BaseModel):
    """What one agent is doing; ``idle_since`` feeds longest-idle routing."""

    agent_id: str
    endpoint: str
    status: AgentStatus = AgentStatus.OFFLINE
    skills: dict[str, int] = Field(default_factory=dict)
    queues: list[str] = Field(default_factory=list)
    pause_reason: str | None = None
    call_id: str | None = None
    status_since: float = Field(default_factory=now)
    idle_since: float = Field(default_factory=now)
    wrap_up_until: float | None = None

    def to_redis(self) -> dict[str, str]:
        return {key: json.dumps(value) for key, value in self.model_dump(mode="json").items()}

    @classmethod
    def from_redis(cls, fields: dict[Any, Any]) -> AgentState:
        data = {}
        for key, value in fields.items():
            name = key.decode() if isinstance(key, bytes) else str(key)
            if name in cls.model_fields:
                data[name] = json.loads(value)
        return cls.model_validate(data)
