"""Where call control keeps its state in Redis: the one spelling of every key, for writers and readers.

The stores (``telephony.calls.store``, ``telephony.agents.store``) write through these names and
:mod:`telephony.readmodel` reads through them, so no other package spells a telephony key.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TelephonyKeys:
    prefix: str = "voxdesk"

    def call(self, call_id: str) -> str:
        return f"{self.prefix}:call:{call_id}"

    @property
    def live_calls(self) -> str:
        return f"{self.prefix}:calls:live"

    @property
    def calls_by_channel(self) -> str:
        return f"{self.prefix}:calls:by-channel"

    def agent(self, agent_id: str) -> str:
        return f"{self.prefix}:agent:{agent_id}"

    @property
    def agents(self) -> str:
        return f"{self.prefix}:agents"

    @property
    def status(self) -> str:
        """The active controller's heartbeat: its id, whether ARI is connected, the Asterisk version."""
        return f"{self.prefix}:telephony:status"

    def command_outcome(self, command_id: str) -> str:
        """How the controller ended a command: applied, or refused and why (kept a day)."""
        return f"{self.prefix}:telephony:command:{command_id}"

    @property
    def queue_ids(self) -> str:
        """The queue ids of the routing config the controller runs (JSON list)."""
        return f"{self.prefix}:telephony:queues"
