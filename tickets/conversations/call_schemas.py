"""Shapes of a call conversation as the API shows it: the call, its transcript, its tickets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

DispositionCode = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_\-]{0,31}$")]


class DispositionBody(BaseModel):
    """The agent's wrap-up code, e.g. ``follow_up`` or ``resolved`` (lower case, digits, _ and -)."""

    model_config = ConfigDict(extra="forbid")

    disposition: DispositionCode


class TranscriptLinePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    speaker: str | None
    body: str
    offset_ms: int | None
    duration_ms: int | None
    sent_at: datetime


class CallLinkPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    call_id: str
    caller_number: str
    dialed_number: str
    ivr_path: list[str]
    ivr_choice: str | None
    queue_id: str | None
    language: str | None
    agent_id: str | None
    outcome: str | None
    disposition: str | None
    recording_name: str | None
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    talk_s: float | None


class CallSummary(BaseModel):
    """A call in the customer view: the conversation, the call and what was said."""

    model_config = ConfigDict(from_attributes=True)

    id: int = Field(description="The call's conversation")
    channel: str
    subject: str
    status: str
    external_ref: str | None = Field(description="The call id")
    last_message_at: datetime
    call: CallLinkPublic | None = None
    call_record_url: str | None = None
    transcript: list[TranscriptLinePublic] = Field(default_factory=list)
    ticket_ids: list[int] = Field(default_factory=list)


class DispositionPublic(BaseModel):
    call: CallLinkPublic
    ticket_id: int | None = Field(description="The ticket a disposition rule opened or updated, if any")
