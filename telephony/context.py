"""What every call-control service shares: ARI, the stores, the settings, routing and prompts."""

from __future__ import annotations

from dataclasses import dataclass, field

from config.telephony_settings import TelephonySettings
from routing import Queue, RoutingConfig
from telephony.agents.devices import RegisteredDevices
from telephony.agents.services import AgentService
from telephony.ari import AriRest
from telephony.calls.services import CallService
from telephony.ivr.prompts import PromptRenderer
from telephony.queueing.waiting_lists import WaitingLists


@dataclass
class ControlContext:
    app: str
    rest: AriRest
    calls: CallService
    agents: AgentService
    waiting: WaitingLists
    settings: TelephonySettings
    routing: RoutingConfig
    prompts: PromptRenderer
    # Which phone of an account rings (the browser while registered); presence keeps it current.
    devices: RegisteredDevices = field(default_factory=RegisteredDevices)

    @property
    def default_queue(self) -> str:
        return self.routing.rules.default_queue

    def has_queue(self, queue_id: str) -> bool:
        return queue_id in self.routing.queues

    def queue(self, queue_id: str | None) -> Queue:
        """The queue ``queue_id``; an unknown or missing id means the default queue (never no queue)."""
        queues = self.routing.queues
        return queues.get(queue_id or "") or queues[self.default_queue]


CALL_ID_HEADER = "X-Voxdesk-Call-Id"


def call_id_header(call_id: str) -> dict[str, str]:
    """Channel variables that put the Voxdesk call id on the INVITE to an agent's or supervisor's phone:
    the console's browser phone acts on the call through the HTTP API (hold, transfers) by that id."""
    return {f"PJSIP_HEADER(add,{CALL_ID_HEADER})": call_id}
