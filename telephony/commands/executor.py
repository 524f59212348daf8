"""Executes commands on the active controller; failures are announced, never raised."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

import redis

from config.errors import VoxdeskError
from telephony.commands.schemas import (
    AgentLogin,
    AgentLogout,
    AgentPause,
    AgentUnpause,
    BlindTransfer,
    Command,
    HangUpCall,
    HoldCall,
    ReloadIvrFlow,
    ReloadSipEndpoints,
    ReplaceRoutingFile,
    ResumeCall,
    SetRecordingPaused,
    Supervise,
    WarmTransferCancel,
    WarmTransferComplete,
    WarmTransferStart,
)
from telephony.supervision.services import SupervisionMode

if TYPE_CHECKING:
    from telephony.controller import Controller

log = logging.getLogger(__name__)


class CommandExecutor:
    def __init__(self, controller: Controller) -> None:
        self.c = controller
        self.failures: list[str] = []  # recent refusals, newest last (also published as events)

    async def execute(self, command: Command) -> None:
        try:
            await self._run(command)
            await self._record(command, None)
        except VoxdeskError as exc:
            await self._record(command, str(exc))
            log.info("command %s refused: %s", command.kind, exc)
            self.failures = [*self.failures[-49:], str(exc)]
            self.c.ctx.calls.notifier.command_failed(
                command.command_id,
                command.kind,
                str(exc),
                call_id=getattr(command, "call_id", None),
                agent_id=getattr(command, "agent_id", None),
            )

    async def _record(self, command: Command, refused_because: str | None) -> None:
        try:
            await self.c.reports.command_outcome(command.command_id, command.kind, refused_because)
        except (redis.RedisError, OSError) as exc:  # the command itself is done; only its receipt is lost
            log.warning("could not record the outcome of command %s: %s", command.command_id, exc)

    async def _run(self, command: Command) -> None:
        c, agents = self.c, self.c.ctx.agents
        match command:
            case HoldCall():
                await c.connected.hold(command.call_id)
            case ResumeCall():
                await c.connected.resume(command.call_id)
            case HangUpCall():
                await c.connected.hang_up(command.call_id)
            case BlindTransfer():
                await c.connected.blind_transfer(command.call_id, command.queue_id)
            case WarmTransferStart():
                await c.connected.warm_transfer_start(command.call_id, command.target_agent_id)
            case WarmTransferComplete():
                await c.connected.warm_transfer_complete(command.call_id)
            case WarmTransferCancel():
                await c.connected.warm_transfer_cancel(command.call_id)
            case Supervise():
                await c.supervision.start(
                    command.call_id, command.supervisor_endpoint, SupervisionMode(command.mode)
                )
            case SetRecordingPaused():
                await c.recording.set_paused(command.call_id, command.paused)
            case AgentLogin():
                await agents.login(
                    command.agent_id, command.endpoint, skills=command.skills, queues=command.queues
                )
                await c.queues.dispatch()
            case AgentLogout():
                await agents.logout(command.agent_id)
            case AgentPause():
                await agents.pause(command.agent_id, command.reason)
            case ReloadIvrFlow():
                c.apply_ivr_flow(command.name, command.text)
            case ReloadSipEndpoints():
                await c.endpoints.reload()
            case ReplaceRoutingFile():
                await c.apply_routing_file(command.file, command.text)
            case AgentUnpause():
                await agents.unpause(command.agent_id)
                await c.queues.dispatch()
