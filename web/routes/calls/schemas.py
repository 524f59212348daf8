"""Request and response bodies of the call-control API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from routing import Agent
from telephony.calls.model import Call

Name = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]


class PauseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=64, description="why (lunch, training, ...)")


class BlindTransferBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    queue_id: Name


class WarmTransferBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target_agent_id: Name


class AgentProfileBody(BaseModel):
    """The whole profile (a PUT replaces it): both fields are required, so a junk body erases nothing."""

    model_config = ConfigDict(extra="forbid")
    skills: dict[Name, Annotated[int, Field(ge=1, le=10)]] = Field(max_length=50)
    queues: list[Name] = Field(max_length=50)


class AgentProfilePublic(AgentProfileBody):
    model_config = ConfigDict(extra="ignore")
    user_id: int
    agent_id: str | None


class CommandAccepted(BaseModel):
    """The command is queued; its outcome arrives on ``/ws/calls`` (state change or command_failed)."""

    command_id: str
    kind: str
    call_id: str | None = None
    agent_id: str | None = None


class CommandOutcomePublic(BaseModel):
    """How call control ended a command: ``pending`` until the controller has run it."""

    command_id: str
    outcome: Literal["pending", "applied", "refused"]
    kind: str | None = None
    reason: str | None = None


class LiveCallPublic(BaseModel):
    call_id: str
    state: str
    caller_number: str
    caller_name: str
    customer_id: str | None
    customer_name: str = ""
    queue_id: str | None
    agent_id: str | None
    offer_agent_id: str | None
    consult_agent_id: str | None
    ivr_path: list[str] = Field(
        default_factory=list, description="the IVR steps, e.g. what the caller asked the FAQ step"
    )
    ivr_choice: str = ""
    supervised: bool
    recording: bool
    recording_paused: bool
    created_at: float
    state_changed_at: float
    answered_at: float | None

    @classmethod
    def of(cls, call: Call) -> LiveCallPublic:
        data: dict[str, Any] = {name: getattr(call, name) for name in cls.model_fields if hasattr(call, name)}
        data["supervised"] = bool(call.supervisor_channel_ids)
        data["recording"] = call.recording_name is not None
        return cls.model_validate(data)


class AgentStatePublic(BaseModel):
    agent_id: str
    status: str
    pause_reason: str | None
    call_id: str | None
    skills: dict[str, int]
    queues: list[str]
    status_since: float

    @classmethod
    def of(cls, agent: Agent) -> AgentStatePublic:
        return cls(
            agent_id=agent.agent_id,
            status=agent.state.value,
            pause_reason=agent.pause_reason,
            call_id=agent.call_id,
            skills=dict(agent.skills),
            queues=sorted(agent.queues),
            status_since=agent.state_since,
        )


class CallRecordPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    call_id: str
    direction: str
    caller_number: str
    dialed_number: str
    customer_id: str | None
    ivr_path: list[str]
    ivr_choice: str
    queue_id: str | None
    first_queue_id: str | None
    agent_id: str | None
    disposition: str
    offered_at: datetime
    queued_at: datetime | None
    answered_at: datetime | None
    abandoned_at: datetime | None
    ended_at: datetime
    queue_wait_s: float
    talk_s: float
    hold_s: float
    wrap_up_s: float
    missed_offers: list[dict[str, Any]]
    callback_requested: bool
    has_recording: bool = False


class RecordPage(BaseModel):
    items: list[CallRecordPublic]
    limit: int
    offset: int
    has_more: bool
