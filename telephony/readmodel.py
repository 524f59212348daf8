"""The one read API on call control's state: live calls, agents, queue ids and the controller's health.

Telephony owns the Redis layout (:mod:`telephony.keys`); ``web/`` reads through this class and never
spells a key. Reads are synchronous (the web routes run in a thread pool) and never touch ARI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

import redis

from routing import Agent
from telephony.agents.model import agent_from_redis
from telephony.calls.exceptions import CallNotFoundError
from telephony.calls.model import Call
from telephony.keys import TelephonyKeys


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


@dataclass(frozen=True)
class ControllerStatus:
    """What the active controller last reported about itself and Asterisk."""

    controller_id: str
    ari_connected: bool
    asterisk_version: str | None
    reported_at: float


@dataclass(frozen=True)
class CommandOutcome:
    """How the controller ended a command; a command it has not finished yet has none."""

    command_id: str
    kind: str
    outcome: Literal["applied", "refused"]
    reason: str


class TelephonyReadModel:
    """Reads what the controller wrote; a key nobody wrote reads as "nothing" (None or empty)."""

    def __init__(self, client: redis.Redis, prefix: str = "voxdesk") -> None:
        self._redis = client
        self.keys = TelephonyKeys(prefix)

    # --- calls
    def find_call(self, call_id: str) -> Call | None:
        fields: Any = self._redis.hgetall(self.keys.call(call_id))
        return Call.from_redis(fields) if fields else None

    def live_call(self, call_id: str) -> Call:
        """The call if it is live. Raises CallNotFoundError otherwise."""
        call = self.find_call(call_id)
        if call is None or call.is_over:
            raise CallNotFoundError(f"no live call {call_id!r}")
        return call

    def live_calls(self) -> list[Call]:
        members: Any = self._redis.smembers(self.keys.live_calls)
        calls = [self.find_call(call_id) for call_id in sorted(_text(m) for m in members)]
        return [call for call in calls if call is not None and not call.is_over]

    # --- agents
    def find_agent(self, agent_id: str) -> Agent | None:
        fields: Any = self._redis.hgetall(self.keys.agent(agent_id))
        return agent_from_redis(fields) if fields else None

    def agents(self) -> list[Agent]:
        members: Any = self._redis.smembers(self.keys.agents)
        found = [self.find_agent(agent_id) for agent_id in sorted(_text(m) for m in members)]
        return [agent for agent in found if agent is not None]

    # --- configuration in use and health
    def queue_ids(self) -> frozenset[str] | None:
        """The queues of the routing config the controller runs; None before any controller started."""
        raw: Any = self._redis.get(self.keys.queue_ids)
        return frozenset(json.loads(raw)) if raw else None

    def command_outcome(self, command_id: str) -> CommandOutcome | None:
        fields: Any = self._redis.hgetall(self.keys.command_outcome(command_id))
        if not fields:
            return None
        values = {_text(k): _text(v) for k, v in fields.items()}
        refused = values.get("outcome") == "refused"
        outcome: Literal["applied", "refused"] = "refused" if refused else "applied"
        return CommandOutcome(command_id, values.get("kind", "?"), outcome, values.get("reason", ""))

    def controller_status(self) -> ControllerStatus | None:
        """The active controller's last heartbeat (it expires: None means no controller is running)."""
        fields: Any = self._redis.hgetall(self.keys.status)
        if not fields:
            return None
        values = {_text(k): _text(v) for k, v in fields.items()}
        return ControllerStatus(
            controller_id=values.get("controller_id", "?"),
            ari_connected=values.get("ari_connected") == "1",
            asterisk_version=values.get("asterisk_version") or None,
            reported_at=float(values.get("reported_at", "0")),
        )
