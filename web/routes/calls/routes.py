"""Call control over HTTP: agents act on themselves and their own calls, supervisors on any call.

Every action is checked (404 unknown call, 403 not your call, 409 wrong state, 422 bad target) and
then queued for the controller; the answer is 202 with the command id, and the outcome arrives on
``/ws/calls``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query

from config.errors import InvalidInputError, NotFoundError
from config.models import Role
from telephony.agent_profiles.repository import AgentIdentity, agent_identity, save_profile
from telephony.agents.exceptions import NoAgentAccountError
from telephony.calls.exceptions import CallNotFoundError, NotOnThisCallError
from telephony.commands.schemas import Command
from telephony.records.queries import RecordFilter, get_record, list_records
from web.auth import CurrentPrincipal, require_roles
from web.deps import SessionDep
from web.routes.calls.schemas import (
    AgentProfileBody,
    AgentProfilePublic,
    AgentStatePublic,
    BlindTransferBody,
    CallRecordPublic,
    CommandAccepted,
    CommandOutcomePublic,
    LiveCallPublic,
    PauseBody,
    RecordPage,
    WarmTransferBody,
)
from web.routes.calls.services import Actor, CallConsole, agent_state_or_offline
from web.telephony import CommandsDep, QueueIdsDep, ReadModelDep, get_queue_ids

router = APIRouter(tags=["calls"])
CALL_HANDLERS = require_roles(Role.AGENT, Role.SUPERVISOR)
SUPERVISORS = require_roles(Role.SUPERVISOR)
RECORD_READERS = require_roles(Role.SUPERVISOR, Role.QA_MANAGER)
CallId = Annotated[str, Path(pattern=r"^[A-Za-z0-9_.-]{1,64}$")]
__all__ = ["get_queue_ids", "router"]  # get_queue_ids: tests override the queues call control runs


def get_console(read: ReadModelDep, commands: CommandsDep, queue_ids: QueueIdsDep) -> CallConsole:
    return CallConsole(read, commands, queue_ids)


ConsoleDep = Annotated[CallConsole, Depends(get_console)]


def get_actor(principal: CurrentPrincipal, session: SessionDep) -> Actor:
    """The signed-in user as call control sees them (agents need a SIP account to act)."""
    identity = agent_identity(session, principal.user_id)
    any_call = principal.role in (Role.SUPERVISOR, Role.ADMIN)
    return Actor(f"{principal.username}#{principal.user_id}", any_call, identity)


ActorDep = Annotated[Actor, Depends(get_actor)]


def _own_agent(actor: Actor) -> AgentIdentity:
    if actor.agent is None:
        raise NoAgentAccountError(f"{actor.name.split('#')[0]} has no SIP account; an admin must create one")
    return actor.agent


def _accepted(command: Command) -> CommandAccepted:
    return CommandAccepted(
        command_id=command.command_id,
        kind=command.kind,
        call_id=getattr(command, "call_id", None),
        agent_id=getattr(command, "agent_id", None),
    )


@router.get("/api/commands/{command_id}", dependencies=[CALL_HANDLERS])
def command_outcome(
    command_id: Annotated[str, Path(pattern=r"^[0-9a-f]{32}$")], read: ReadModelDep
) -> CommandOutcomePublic:
    """Whether call control has applied a queued command (a console action or an admin's PBX change)."""
    found = read.command_outcome(command_id)
    if found is None:
        return CommandOutcomePublic(command_id=command_id, outcome="pending")
    return CommandOutcomePublic(
        command_id=command_id, outcome=found.outcome, kind=found.kind, reason=found.reason or None
    )


# --- the agent's own status
@router.get("/api/agents/me", dependencies=[CALL_HANDLERS])
def my_state(actor: ActorDep, console: ConsoleDep) -> AgentStatePublic:
    return AgentStatePublic.of(agent_state_or_offline(console, _own_agent(actor)))


@router.post("/api/agents/me/login", status_code=202, dependencies=[CALL_HANDLERS])
def log_in(actor: ActorDep, console: ConsoleDep) -> CommandAccepted:
    """Log in with the SIP endpoint, skills and queues stored for this user.

    Not needed for agents whose softphone registers: call control logs them in when it does."""
    return _accepted(console.login(actor, _own_agent(actor)))


@router.post("/api/agents/me/logout", status_code=202, dependencies=[CALL_HANDLERS])
def log_out(actor: ActorDep, console: ConsoleDep) -> CommandAccepted:
    return _accepted(console.logout(actor, _own_agent(actor).agent_id))


@router.post("/api/agents/me/pause", status_code=202, dependencies=[CALL_HANDLERS])
def pause(body: PauseBody, actor: ActorDep, console: ConsoleDep) -> CommandAccepted:
    return _accepted(console.pause(actor, _own_agent(actor).agent_id, body.reason))


@router.post("/api/agents/me/resume", status_code=202, dependencies=[CALL_HANDLERS])
def unpause(actor: ActorDep, console: ConsoleDep) -> CommandAccepted:
    return _accepted(console.unpause(actor, _own_agent(actor).agent_id))


@router.get("/api/agents", dependencies=[SUPERVISORS])
def agent_states(console: ConsoleDep) -> list[AgentStatePublic]:
    return [AgentStatePublic.of(agent) for agent in console.agents()]


@router.put("/api/agents/{user_id}/profile", dependencies=[SUPERVISORS])
def set_profile(
    user_id: Annotated[int, Path(ge=1, le=2_147_483_647)], body: AgentProfileBody, session: SessionDep,
    queue_ids: QueueIdsDep,
) -> AgentProfilePublic:  # fmt: skip
    """Skills and queues used at the agent's next login."""
    unknown = sorted(set(body.queues) - queue_ids)
    if unknown:
        raise InvalidInputError(f"no such queues: {', '.join(unknown)}")
    try:
        save_profile(session, user_id, body.skills, body.queues)
    except LookupError as exc:
        raise NotFoundError(str(exc)) from exc
    session.commit()
    identity = agent_identity(session, user_id)
    return AgentProfilePublic(
        user_id=user_id,
        agent_id=identity.agent_id if identity else None,
        skills=body.skills,
        queues=body.queues,
    )


# --- live calls
@router.get("/api/calls/live", dependencies=[CALL_HANDLERS])
def live_calls(actor: ActorDep, console: ConsoleDep) -> list[LiveCallPublic]:
    """Supervisors see every live call; agents see the calls they are on or are offered."""
    return [LiveCallPublic.of(call) for call in console.calls_of(actor)]


@router.get("/api/calls/live/{call_id}", dependencies=[CALL_HANDLERS])
def live_call(call_id: CallId, actor: ActorDep, console: ConsoleDep) -> LiveCallPublic:
    visible = {call.call_id: call for call in console.calls_of(actor)}
    if call_id not in visible:
        if console.find_call(call_id) is not None:
            raise NotOnThisCallError(f"you are not on call {call_id}")
        raise CallNotFoundError(f"no live call {call_id!r}")
    return LiveCallPublic.of(visible[call_id])


CallAction = Literal["hold", "resume", "hang-up", "transfer/warm/complete", "transfer/warm/cancel",
                     "recording/pause", "recording/resume"]  # fmt: skip


def _call_action(console: CallConsole, actor: Actor, call_id: str, action: str) -> Command:
    match action:
        case "hold":
            return console.hold(actor, call_id)
        case "resume":
            return console.resume(actor, call_id)
        case "hang-up":
            return console.hang_up(actor, call_id)
        case "transfer/warm/complete":
            return console.warm_transfer_complete(actor, call_id)
        case "transfer/warm/cancel":
            return console.warm_transfer_cancel(actor, call_id)
        case "recording/pause" | "recording/resume":
            return console.set_recording_paused(actor, call_id, action == "recording/pause")
    raise NotFoundError(f"no call action {action!r}")


def _action_route(action: str) -> None:
    def act(call_id: CallId, actor: ActorDep, console: ConsoleDep) -> CommandAccepted:
        return _accepted(_call_action(console, actor, call_id, action))

    act.__name__ = f"call_{action.replace('/', '_').replace('-', '_')}"
    act.__doc__ = f"Queue '{action}' for a live call (agents: their own calls only)."
    router.post(f"/api/calls/{{call_id}}/{action}", status_code=202, dependencies=[CALL_HANDLERS])(act)


for _action in CallAction.__args__:  # type: ignore[attr-defined]
    _action_route(_action)


@router.post("/api/calls/{call_id}/transfer/blind", status_code=202, dependencies=[CALL_HANDLERS])
def blind_transfer(
    call_id: CallId, body: BlindTransferBody, actor: ActorDep, console: ConsoleDep
) -> CommandAccepted:
    """The agent leaves; the caller waits in ``queue_id`` for the next agent there."""
    return _accepted(console.blind_transfer(actor, call_id, body.queue_id))


@router.post("/api/calls/{call_id}/transfer/warm", status_code=202, dependencies=[CALL_HANDLERS])
def warm_transfer(
    call_id: CallId, body: WarmTransferBody, actor: ActorDep, console: ConsoleDep
) -> CommandAccepted:
    """Ring ``target_agent_id``; the agents talk while the caller hears music; then complete or cancel."""
    return _accepted(console.warm_transfer(actor, call_id, body.target_agent_id))


@router.post("/api/calls/{call_id}/supervise/{mode}", status_code=202, dependencies=[SUPERVISORS])
def supervise(
    call_id: CallId, mode: Literal["listen", "whisper", "barge"], actor: ActorDep, console: ConsoleDep
) -> CommandAccepted:
    """Ring the supervisor's phone and join the call: listen, whisper to the agent, or barge in."""
    return _accepted(console.supervise(actor, call_id, mode))


# --- call records
@router.get("/api/calls/records", dependencies=[RECORD_READERS])
def call_records(
    session: SessionDep,
    queue_id: Annotated[str | None, Query(max_length=64)] = None,
    agent_id: Annotated[str | None, Query(max_length=64)] = None,
    disposition: Annotated[str | None, Query(max_length=32)] = None,
    caller_number: Annotated[str | None, Query(max_length=64)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> RecordPage:
    """Finished calls, newest first; ``since``/``until`` bound when the call was offered."""
    if since is not None and until is not None and since >= until:
        raise InvalidInputError("since must be before until")
    where = RecordFilter(queue_id, agent_id, disposition, caller_number, since, until)
    rows, more = list_records(session, where, limit=limit, offset=offset)
    return RecordPage(items=[_record(row) for row in rows], limit=limit, offset=offset, has_more=more)


@router.get("/api/calls/records/{call_id}", dependencies=[RECORD_READERS])
def call_record(call_id: CallId, session: SessionDep) -> CallRecordPublic:
    row = get_record(session, call_id)
    if row is None:
        raise NotFoundError(f"no call record {call_id!r}")
    return _record(row)


def _record(row: object) -> CallRecordPublic:
    public = CallRecordPublic.model_validate(row)
    return public.model_copy(update={"has_recording": getattr(row, "recording_name", None) is not None})

