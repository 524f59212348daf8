"""What every call-control service shares: ARI, the stores, the settings."""

from __future__ import annotations

from dataclasses import dataclass

from telephony.agents.services import AgentService
from telephony.ari_ import AriRest
from telephony.calls.services import CallService
from telephony.queueing.waiting import WaitingLists
from telephony.settings import QueueSettings, TelephonySettings


@dataclass
class ControlContext:
    app: str
    rest: AriRest
    calls: CallService
    agents: AgentService
    waiting: WaitingLists
    settings: TelephonySettings

    def queue(self, queue_id: str | None) -> QueueSettings:
        found = self.settings.queue(queue_id or self.settings.default_queue)
        return found or self.settings.queue(self.settings.default_queue)  # type: ignore[return-value]
