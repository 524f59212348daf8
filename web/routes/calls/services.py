"""The console's view of call control: read live calls and agents, queue checked commands.

``web/`` never talks to ARI: every action becomes a command on the controller's stream, and every
read goes through telephony's read API (:class:`telephony.readmodel.TelephonyReadModel`). The checks
here only turn obvious mistakes into clear 4xx answers; the controller checks again when it
executes, and announces any refusal on the bus.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from routing import Agent
from routing import agents as agent_rules
from telephony.agent_profiles.repository import AgentIdentity
from telephony.agents.exceptions import AgentNotFoundError
from telephony.calls.exceptions import BadTransferTargetError, CallStateConflictError, NotOnThisCallError
from telephony.calls.model import Call
from telephony.commands import schemas as cmd
from telephony.readmodel import TelephonyReadModel
from web.telephony import CommandSender

TALKING = ("connected", "on_hold", "transferring")
SupervisionMode = Literal["listen", "whisper", "barge"]


@dataclass(frozen=True)
class Actor:
    """Who asks: their name for the audit trail, whether they may act on any call, their agent id."""

    name: str
    any_call: bool
    agent: AgentIdentity | None = None


class CallConsole:
    def __init__(self, read: TelephonyReadModel, commands: CommandSender, queue_ids: frozenset[str]) -> None:
        self.read = read
        self._commands = commands
        self.queue_ids = queue_ids

    # --- reads
    def find_call(self, call_id: str) -> Call | None:
        return self.read.find_call(call_id)

    def live_call(self, call_id: str) -> Call:
        return self.read.live_call(call_id)

    def calls_of(self, actor: Actor) -> list[Call]:
        calls = self.read.live_calls()
        if actor.any_call:
            return calls
        agent_id = actor.agent.agent_id if actor.agent else None
        return [c for c in calls if agent_id in (c.agent_id, c.consult_agent_id, c.offer_agent_id)]

    def find_agent(self, agent_id: str) -> Agent | None:
        return self.read.find_agent(agent_id)

    def agents(self) -> list[Agent]:
        return self.read.agents()

    # --- plumbing
    def _send(self, command: cmd.Command) -> cmd.Command:
        return self._commands.send(command)

    def _call_for(self, actor: Actor, call_id: str) -> Call:
        call = self.live_call(call_id)
        if not actor.any_call:
            agent_id = actor.agent.agent_id if actor.agent else None
            if agent_id is None or agent_id not in (call.agent_id, call.consult_agent_id):
                raise NotOnThisCallError(f"you are not on call {call_id}")
        return call

    @staticmethod
    def _require_state(call: Call, allowed: tuple[str, ...], doing: str) -> None:
        if call.state not in allowed:
            raise CallStateConflictError(
                f"call {call.call_id} is {call.state}; {doing} needs {' or '.join(allowed)}"
            )

    # --- in-call commands (agents on their own calls, supervisors on any)
    def hold(self, actor: Actor, call_id: str) -> cmd.Command:
        self._require_state(self._call_for(actor, call_id), ("connected",), "hold")
        return self._send(cmd.HoldCall(call_id=call_id, actor=actor.name))

    def resume(self, actor: Actor, call_id: str) -> cmd.Command:
        self._require_state(self._call_for(actor, call_id), ("on_hold",), "resume")
        return self._send(cmd.ResumeCall(call_id=call_id, actor=actor.name))

    def hang_up(self, actor: Actor, call_id: str) -> cmd.Command:
        self._call_for(actor, call_id)
        return self._send(cmd.HangUpCall(call_id=call_id, actor=actor.name))

    def blind_transfer(self, actor: Actor, call_id: str, queue_id: str) -> cmd.Command:
        call = self._call_for(actor, call_id)
        if queue_id not in self.queue_ids:
            known = ", ".join(sorted(self.queue_ids))
            raise BadTransferTargetError(f"no queue {queue_id!r}; the queues are {known}")
        self._require_state(call, ("connected", "on_hold"), "a transfer")
        return self._send(cmd.BlindTransfer(call_id=call_id, queue_id=queue_id, actor=actor.name))

    def warm_transfer(self, actor: Actor, call_id: str, target_agent_id: str) -> cmd.Command:
        call = self._call_for(actor, call_id)
        if target_agent_id == call.agent_id:
            raise BadTransferTargetError(f"agent {target_agent_id} is already on call {call_id}")
        target = self.find_agent(target_agent_id)
        if target is None:
            raise BadTransferTargetError(f"no agent {target_agent_id!r}")
        agent_rules.offer(target, call_id, time.time())  # routing's rule, checked before queueing
        self._require_state(call, ("connected", "on_hold"), "a transfer")
        return self._send(
            cmd.WarmTransferStart(call_id=call_id, target_agent_id=target_agent_id, actor=actor.name)
        )

    def warm_transfer_complete(self, actor: Actor, call_id: str) -> cmd.Command:
        call = self._call_for(actor, call_id)
        if call.state != "transferring" or not call.consult_channel_id:
            raise CallStateConflictError(f"call {call_id} has no warm transfer in progress")
        return self._send(cmd.WarmTransferComplete(call_id=call_id, actor=actor.name))

    def warm_transfer_cancel(self, actor: Actor, call_id: str) -> cmd.Command:
        self._require_state(self._call_for(actor, call_id), ("transferring",), "cancelling a transfer")
        return self._send(cmd.WarmTransferCancel(call_id=call_id, actor=actor.name))

    def set_recording_paused(self, actor: Actor, call_id: str, paused: bool) -> cmd.Command:
        call = self._call_for(actor, call_id)
        if not call.recording_name:
            raise CallStateConflictError(f"call {call_id} is not being recorded")
        if call.recording_paused == paused:
            raise CallStateConflictError(
                f"the recording of call {call_id} is already {'paused' if paused else 'running'}"
            )
        return self._send(cmd.SetRecordingPaused(call_id=call_id, paused=paused, actor=actor.name))

    def supervise(self, actor: Actor, call_id: str, mode: SupervisionMode) -> cmd.Command:
        call = self._call_for(actor, call_id)
        self._require_state(call, TALKING, "supervision")
        if actor.agent is None:
            raise NotOnThisCallError("supervision rings your phone; you have no SIP account")
        if actor.agent.agent_id in (call.agent_id, call.consult_agent_id):
            raise CallStateConflictError(f"you are the agent on call {call_id}")
        endpoint = actor.agent.endpoint
        return self._send(
            cmd.Supervise(call_id=call_id, mode=mode, supervisor_endpoint=endpoint, actor=actor.name)
        )

    # --- the agent's own status
    def login(self, actor: Actor, agent: AgentIdentity) -> cmd.Command:
        return self._send(
            cmd.AgentLogin(
                agent_id=agent.agent_id,
                endpoint=agent.endpoint,
                skills=agent.skills,
                queues=agent.queues,
                actor=actor.name,
            )
        )

    # The checks are routing's agent rules run on the current state (the controller runs them again).
    def _agent(self, agent_id: str) -> Agent:
        return self.find_agent(agent_id) or Agent(agent_id)

    def logout(self, actor: Actor, agent_id: str) -> cmd.Command:
        agent_rules.log_out(self._agent(agent_id), time.time())
        return self._send(cmd.AgentLogout(agent_id=agent_id, actor=actor.name))

    def pause(self, actor: Actor, agent_id: str, reason: str) -> cmd.Command:
        agent_rules.pause(self._agent(agent_id), reason, time.time())
        return self._send(cmd.AgentPause(agent_id=agent_id, reason=reason, actor=actor.name))

    def unpause(self, actor: Actor, agent_id: str) -> cmd.Command:
        agent_rules.unpause(self._agent(agent_id), time.time())
        return self._send(cmd.AgentUnpause(agent_id=agent_id, actor=actor.name))


def agent_state_or_offline(console: CallConsole, agent: AgentIdentity) -> Agent:
    """The agent's live state; an agent call control has never seen is simply logged out."""
    return console.find_agent(agent.agent_id) or Agent(
        agent.agent_id, skills=agent.skills, queues=frozenset(agent.queues), endpoint=agent.endpoint
    )


__all__ = ["Actor", "AgentNotFoundError", "CallConsole", "agent_state_or_offline"]
