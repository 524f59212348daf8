"""A live call as the controller keeps it: everything another controller needs to take it over."""

from __future__ import annotations

import json
import time
import uuid
from typing import Any

from pydantic import BaseModel, Field

from telephony.calls.states import check_transition, get_state


def now() -> float:
    """Wall-clock seconds; stored as floats so any controller process can compare them."""
    return time.time()


class MissedOffer(BaseModel):
    """An agent was offered the call and did not take it."""

    agent_id: str
    at: float
    reason: str


class Call(BaseModel):
    """One customer call; stored as a Redis hash (one field per attribute, JSON-encoded)."""

    call_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:16])
    state: str = "ringing"
    direction: str = "inbound"
    caller_channel_id: str = ""
    caller_number: str = ""
    caller_name: str = ""
    dialed_number: str = ""
    customer_id: str | None = None
    customer_name: str = ""  # who caller ID identified: the console's screen pop shows it at once
    language: str = "en"
    ivr_path: list[str] = Field(default_factory=list)
    ivr_choice: str = ""
    queue_id: str | None = None
    first_queue_id: str | None = None
    priority: int = 0
    skills: dict[str, int] = Field(default_factory=dict)
    agent_id: str | None = None
    agent_channel_id: str | None = None
    bridge_id: str | None = None
    offer_agent_id: str | None = None
    offer_channel_id: str | None = None
    offer_started_at: float | None = None
    missed_offers: list[MissedOffer] = Field(default_factory=list)
    channels_dialed: int = 0
    consult_agent_id: str | None = None
    consult_channel_id: str | None = None
    consult_bridge_id: str | None = None
    supervisor_channel_ids: list[str] = Field(default_factory=list)
    recording_name: str | None = None
    recording_paused: bool = False
    callback_number: str | None = None
    callback_requested_at: float | None = None
    callback_offered_at: float | None = None
    last_announced_at: float | None = None
    overflowed_from: list[str] = Field(default_factory=list)
    disposition: str | None = None
    created_at: float = Field(default_factory=now)
    state_changed_at: float = Field(default_factory=now)
    ivr_started_at: float | None = None
    queued_at: float | None = None
    queue_entered_at: float | None = None
    answered_at: float | None = None
    hold_started_at: float | None = None
    hold_seconds: float = 0.0
    wrap_up_started_at: float | None = None
    abandoned_at: float | None = None
    ended_at: float | None = None

    def new_channel_id(self, kind: str) -> str:
        """An id for a channel the controller dials for this call, never used before in the call:
        a late event of a hung-up channel must not be taken for its successor, and Asterisk refuses
        an id while the old channel is still being torn down."""
        self.channels_dialed += 1
        return f"{self.call_id}-{kind}{self.channels_dialed}"

    def transition(self, new_state: str, at: float | None = None) -> str:
        """Move to ``new_state`` if the state machine allows it; returns the previous state."""
        check_transition(self.call_id, self.state, new_state)
        previous, self.state = self.state, new_state
        self.state_changed_at = at if at is not None else now()
        return previous

    @property
    def is_over(self) -> bool:
        return get_state(self.state).terminal

    def to_redis(self) -> dict[str, str]:
        return {key: json.dumps(value) for key, value in self.model_dump(mode="json").items()}

    @classmethod
    def from_redis(cls, fields: dict[Any, Any]) -> Call:
        data = {}
        for key, value in fields.items():
            name = key.decode() if isinstance(key, bytes) else str(key)
            if name in cls.model_fields:
                data[name] = json.loads(value)
        return cls.model_validate(data)
