"""Call events for consoles and other packages: the one place call control publishes from."""

from __future__ import annotations

from typing import ClassVar

from config.events import Event, Notifier, register_event
from telephony.calls.model import Call


@register_event
class CallStateChanged(Event):
    """A call moved from one state to another."""

    event_type: ClassVar[str] = "call.state_changed"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id", "agent_id", "queue_id")

    call_id: str
    agent_id: str | None = None
    queue_id: str | None = None
    previous_state: str
    state: str
    caller_number: str = ""
    customer_id: str | None = None
    customer_name: str = ""


@register_event
class CallOfferMissed(Event):
    """An agent was offered a call and did not answer in time (or rejected it)."""

    event_type: ClassVar[str] = "call.offer_missed"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id", "agent_id", "queue_id")

    call_id: str
    agent_id: str
    queue_id: str | None = None
    reason: str


@register_event
class CallEnded(Event):
    """The call is over; its record is being written."""

    event_type: ClassVar[str] = "call.ended"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id", "agent_id", "queue_id")

    call_id: str
    agent_id: str | None = None
    queue_id: str | None = None
    disposition: str


@register_event
class CallCommandFailed(Event):
    """A console command could not be carried out; ``reason`` says why."""

    event_type: ClassVar[str] = "call.command_failed"
    routing_fields: ClassVar[tuple[str, ...]] = ("call_id", "agent_id")

    call_id: str | None = None
    agent_id: str | None = None
    command_id: str
    command: str
    reason: str


class CallNotifier:
    """Builds and publishes call events."""

    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def state_changed(self, call: Call, previous: str) -> None:
        self._notifier.publish(
            CallStateChanged(
                call_id=call.call_id,
                agent_id=call.agent_id or call.offer_agent_id,
                queue_id=call.queue_id,
                previous_state=previous,
                state=call.state,
                caller_number=call.caller_number,
                customer_id=call.customer_id,
                customer_name=call.customer_name,
            )
        )

    def offer_missed(self, call: Call, agent_id: str, reason: str) -> None:
        self._notifier.publish(
            CallOfferMissed(call_id=call.call_id, agent_id=agent_id, queue_id=call.queue_id, reason=reason)
        )

    def ended(self, call: Call) -> None:
        self._notifier.publish(
            CallEnded(
                call_id=call.call_id,
                agent_id=call.agent_id,
                queue_id=call.queue_id,
                disposition=call.disposition or "unknown",
            )
        )

    def command_failed(
        self,
        command_id: str,
        command: str,
        reason: str,
        *,
        call_id: str | None = None,
        agent_id: str | None = None,
    ) -> None:
        self._notifier.publish(
            CallCommandFailed(
                call_id=call_id, agent_id=agent_id, command_id=command_id, command=command, reason=reason
            )
        )
