"""The commands ``web/`` may send call control, one pydantic model each (a tagged union on ``kind``).

Console actions on calls and agents, and the PBX configuration admins change (SIP accounts, IVR
flows, routing): the controller owns Asterisk and applies them without a restart.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, TypeAdapter


class CommandBase(BaseModel):
    command_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    actor: str = Field(default="system", max_length=64, description="who asked (for the audit log)")


class CallCommand(CommandBase):
    call_id: str = Field(min_length=1, max_length=64)


class HoldCall(CallCommand):
    kind: Literal["hold"] = "hold"


class ResumeCall(CallCommand):
    kind: Literal["resume"] = "resume"


class HangUpCall(CallCommand):
    kind: Literal["hang_up"] = "hang_up"


class BlindTransfer(CallCommand):
    kind: Literal["blind_transfer"] = "blind_transfer"
    queue_id: str


class WarmTransferStart(CallCommand):
    kind: Literal["warm_transfer_start"] = "warm_transfer_start"
    target_agent_id: str


class WarmTransferComplete(CallCommand):
    kind: Literal["warm_transfer_complete"] = "warm_transfer_complete"


class WarmTransferCancel(CallCommand):
    kind: Literal["warm_transfer_cancel"] = "warm_transfer_cancel"


class Supervise(CallCommand):
    kind: Literal["supervise"] = "supervise"
    mode: Literal["listen", "whisper", "barge"]
    supervisor_endpoint: str = Field(pattern=r"^PJSIP/[A-Za-z0-9_.-]{1,64}$")


class SetRecordingPaused(CallCommand):
    kind: Literal["recording_paused"] = "recording_paused"
    paused: bool


class AgentLogin(CommandBase):
    kind: Literal["agent_login"] = "agent_login"
    agent_id: str = Field(min_length=1, max_length=64)
    endpoint: str = Field(pattern=r"^PJSIP/[A-Za-z0-9_.-]{1,64}$")
    skills: dict[str, int] = Field(default_factory=dict)
    queues: list[str] = Field(default_factory=list)


class AgentLogout(CommandBase):
    kind: Literal["agent_logout"] = "agent_logout"
    agent_id: str


class AgentPause(CommandBase):
    kind: Literal["agent_pause"] = "agent_pause"
    agent_id: str
    reason: str = Field(default="break", max_length=64)


class AgentUnpause(CommandBase):
    kind: Literal["agent_unpause"] = "agent_unpause"
    agent_id: str


class ReloadIvrFlow(CommandBase):
    """Validate and switch to the IVR flow file (or ``text``); a broken flow is refused, the old one stays.

    ``name`` is the flow to replace (the flow new calls get when unset or the same name)."""

    kind: Literal["reload_ivr_flow"] = "reload_ivr_flow"
    name: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    text: str | None = Field(default=None, max_length=256 * 1024)


class ReloadSipEndpoints(CommandBase):
    """Agents' SIP accounts changed in the database: render them for Asterisk and reload pjsip."""

    kind: Literal["reload_sip_endpoints"] = "reload_sip_endpoints"


class ReplaceRoutingFile(CommandBase):
    """Validate and switch to new queues or routing rules; a broken file is refused, the old one stays."""

    kind: Literal["replace_routing_file"] = "replace_routing_file"
    file: Literal["queues", "rules"]
    text: str = Field(min_length=1, max_length=256 * 1024)


Command = Annotated[
    HoldCall
    | ResumeCall
    | HangUpCall
    | BlindTransfer
    | WarmTransferStart
    | WarmTransferComplete
    | WarmTransferCancel
    | Supervise
    | SetRecordingPaused
    | AgentLogin
    | AgentLogout
    | AgentPause
    | AgentUnpause
    | ReloadIvrFlow
    | ReloadSipEndpoints
    | ReplaceRoutingFile,
    Field(discriminator="kind"),
]
COMMAND_ADAPTER: TypeAdapter[Command] = TypeAdapter(Command)
