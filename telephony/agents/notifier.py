"""Agent status events (one notifier for the agents feature)."""

from __future__ import annotations

from typing import ClassVar

from config.events import Event, Notifier, register_event
from routing import Agent


@register_event
class AgentStateChanged(Event):
    """An agent logged in or out, paused, was offered or took a call, or finished wrap-up.

    ``status`` and ``previous_status`` are :class:`routing.AgentState` values."""

    event_type: ClassVar[str] = "agent.state_changed"
    routing_fields: ClassVar[tuple[str, ...]] = ("agent_id",)

    agent_id: str
    status: str
    previous_status: str
    pause_reason: str | None = None
    call_id: str | None = None


class AgentNotifier:
    def __init__(self, notifier: Notifier) -> None:
        self._notifier = notifier

    def state_changed(self, agent: Agent, previous_status: str) -> None:
        self._notifier.publish(
            AgentStateChanged(
                agent_id=agent.agent_id,
                status=agent.state.value,
                previous_status=previous_status,
                pause_reason=agent.pause_reason,
                call_id=agent.call_id,
            )
        )
