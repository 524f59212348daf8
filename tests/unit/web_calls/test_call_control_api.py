"""The call-control API on the real Redis: commands land on the controller's stream, refusals do not."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aredis
from fastapi.testclient import TestClient

from config.db import make_engine, make_session_factory, session_scope
from config.events import Notifier
from config.migrate import upgrade
from config.models import Role, SipCredential, User
from config.sessions import open_session_for
from config.settings import Settings
from routing import Agent, AgentState
from telephony.agents.notifier import AgentNotifier
from telephony.agents.store import AgentStore
from telephony.calls.model import Call
from telephony.calls.notifier import CallNotifier
from telephony.calls.store import CallStore
from telephony.commands.bus import stream_key
from telephony.commands.schemas import COMMAND_ADAPTER, Command
from telephony.records.writer import write_record
from web.app import create_app
from web.routes.calls.routes import get_queue_ids

REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SECRET = "test-secret-for-call-api"
QUEUES = frozenset({"sales", "support"})


@dataclass
class Desk:
    client: TestClient
    prefix: str
    redis: redis.Redis
    tokens: dict[str, str]
    user_ids: dict[str, int]
    db_url: str

    def auth(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    def feed(self, who: str, query: str = "") -> str:
        """The live feed's URL with a one-time ticket of ``who``'s session (tokens stay out of URLs)."""
        ticket = self.post(who, "/api/auth/ws-ticket").json()["ticket"]
        return f"/ws/calls?ticket={ticket}{query}"

    def post(self, who: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return self.client.post(path, json=body, headers=self.auth(who))

    def get(self, who: str, path: str, **params: Any) -> Any:
        return self.client.get(path, params=params, headers=self.auth(who))

    def commands(self) -> list[Command]:
        rows = self.redis.xrange(stream_key(self.prefix))
        return [COMMAND_ADAPTER.validate_json(fields[b"command"]) for _id, fields in rows]

    def put_call(self, call: Call) -> None:
        async def save() -> None:
            client = aredis.Redis.from_url(REDIS_URL)
            await CallStore(client, self.prefix).save(call)
            await client.aclose()

        asyncio.run(save())

    def put_agent(self, agent_id: str, status: AgentState, call_id: str | None = None) -> None:
        async def save() -> None:
            client = aredis.Redis.from_url(REDIS_URL)
            reason = "lunch" if status is AgentState.PAUSED else None
            state = Agent(
                agent_id, endpoint=f"PJSIP/{agent_id}", state=status, call_id=call_id, pause_reason=reason
            )
            await AgentStore(client, self.prefix).save(state)
            await client.aclose()

        asyncio.run(save())


USERS = {  # username -> (role, SIP user name or None)
    "alice": (Role.AGENT, "ag-alice"),
    "bob": (Role.AGENT, "ag-bob"),
    "nosip": (Role.AGENT, None),
    "sue": (Role.SUPERVISOR, "sup-sue"),
    "quinn": (Role.QA_MANAGER, None),
}


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    db_url = f"sqlite:///{tmp_path / 'voxdesk.db'}"
    upgrade(db_url)
    factory = make_session_factory(make_engine(db_url))
    user_ids: dict[str, int] = {}
    with session_scope(factory) as session:
        for name, (role, sip) in USERS.items():
            user = User(username=name, display_name=name, role=role, password_hash="x")
            session.add(user)
            session.flush()
            user_ids[name] = user.id
            if sip:
                session.add(SipCredential(user_id=user.id, username=sip, ha1="0" * 32))
    prefix = f"test-callapi-{uuid.uuid4().hex[:8]}"
    settings = Settings(
        database_url=db_url,
        data_dir=tmp_path,
        redis={"url": REDIS_URL},
        web={"secret_key": SECRET},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
        telephony={"key_prefix": prefix},
    )
    app = create_app(settings)
    app.dependency_overrides[get_queue_ids] = lambda: QUEUES
    tokens = {name: open_session_for(factory, user_ids[name]) for name in USERS}
    client = redis.Redis.from_url(REDIS_URL)
    with TestClient(app) as test_client:
        yield Desk(test_client, prefix, client, tokens, user_ids, db_url)
    keys = client.keys(f"{prefix}:*")
    if keys:
        client.delete(*keys)


def connected_call(agent_id: str = "ag-alice", state: str = "connected", **extra: Any) -> Call:
    return Call(
        state=state, caller_channel_id=f"chan-{uuid.uuid4().hex[:6]}", caller_number="5551234",
        queue_id="sales", agent_id=agent_id, agent_channel_id="agent-chan", bridge_id="br", **extra,
    )  # fmt: skip


# --- in-call commands


def test_an_agent_holds_their_own_call_and_the_command_lands_on_the_stream(desk: Desk) -> None:
    call = connected_call()
    desk.put_call(call)
    response = desk.post("alice", f"/api/calls/{call.call_id}/hold")
    assert response.status_code == 202, response.text
    [command] = desk.commands()
    assert command.kind == "hold" and command.call_id == call.call_id  # type: ignore[union-attr]
    assert command.actor == f"alice#{desk.user_ids['alice']}"
    assert response.json()["command_id"] == command.command_id


def test_an_agent_cannot_touch_a_call_they_are_not_on(desk: Desk) -> None:
    call = connected_call(agent_id="ag-bob")
    desk.put_call(call)
    for action in ("hold", "hang-up", "transfer/warm/cancel"):
        response = desk.post("alice", f"/api/calls/{call.call_id}/{action}")
        assert response.status_code == 403
        assert response.json()["detail"] == f"you are not on call {call.call_id}"
    assert desk.commands() == []


def test_an_unknown_call_gets_404_and_a_malformed_id_422(desk: Desk) -> None:
    assert desk.post("sue", "/api/calls/nope123/hold").json()["detail"] == "no live call 'nope123'"
    assert desk.post("sue", "/api/calls/nope123/hold").status_code == 404
    assert desk.post("sue", "/api/calls/bad%20id!/hold").status_code == 422
    assert desk.commands() == []


def test_resuming_a_call_that_is_not_on_hold_is_a_conflict(desk: Desk) -> None:
    call = connected_call()
    desk.put_call(call)
    response = desk.post("alice", f"/api/calls/{call.call_id}/resume")
    assert response.status_code == 409
    assert response.json()["detail"] == f"call {call.call_id} is connected; resume needs on_hold"
    desk.put_call(call.model_copy(update={"state": "on_hold"}))
    assert desk.post("alice", f"/api/calls/{call.call_id}/resume").status_code == 202
    assert [c.kind for c in desk.commands()] == ["resume"]


def test_a_blind_transfer_to_an_unknown_queue_is_refused_naming_the_queues(desk: Desk) -> None:
    call = connected_call()
    desk.put_call(call)
    response = desk.post("alice", f"/api/calls/{call.call_id}/transfer/blind", {"queue_id": "nowhere"})
    assert response.status_code == 422
    assert response.json()["detail"] == "no queue 'nowhere'; the queues are sales, support"
    assert desk.commands() == []
    ok = desk.post("alice", f"/api/calls/{call.call_id}/transfer/blind", {"queue_id": "support"})
    assert ok.status_code == 202
    [command] = desk.commands()
    assert (command.kind, command.queue_id) == ("blind_transfer", "support")  # type: ignore[union-attr]


def test_a_warm_transfer_needs_a_known_available_agent_other_than_oneself(desk: Desk) -> None:
    call = connected_call()
    desk.put_call(call)
    path = f"/api/calls/{call.call_id}/transfer/warm"
    unknown = desk.post("alice", path, {"target_agent_id": "ghost"})
    assert (unknown.status_code, unknown.json()["detail"]) == (422, "no agent 'ghost'")
    oneself = desk.post("alice", path, {"target_agent_id": "ag-alice"})
    assert oneself.status_code == 422
    desk.put_agent("ag-bob", AgentState.ON_CALL, call_id="other")
    busy = desk.post("alice", path, {"target_agent_id": "ag-bob"})
    assert (busy.status_code, busy.json()["detail"]) == (409, "agent ag-bob is on_call, not available")
    assert desk.commands() == []
    desk.put_agent("ag-bob", AgentState.AVAILABLE)
    assert desk.post("alice", path, {"target_agent_id": "ag-bob"}).status_code == 202
    complete = desk.post("alice", f"/api/calls/{call.call_id}/transfer/warm/complete")
    assert complete.status_code == 409  # the controller has not started the transfer yet
    desk.put_call(call.model_copy(update={"state": "transferring", "consult_channel_id": "c1"}))
    assert desk.post("alice", f"/api/calls/{call.call_id}/transfer/warm/complete").status_code == 202
    assert [c.kind for c in desk.commands()] == ["warm_transfer_start", "warm_transfer_complete"]


def test_recording_pause_needs_a_recorded_call_and_toggles(desk: Desk) -> None:
    call = connected_call()
    desk.put_call(call)
    assert desk.post("alice", f"/api/calls/{call.call_id}/recording/pause").status_code == 409
    desk.put_call(call.model_copy(update={"recording_name": f"voxdesk-{call.call_id}"}))
    assert desk.post("alice", f"/api/calls/{call.call_id}/recording/resume").status_code == 409
    assert desk.post("alice", f"/api/calls/{call.call_id}/recording/pause").status_code == 202
    [command] = desk.commands()
    assert command.kind == "recording_paused" and command.paused is True  # type: ignore[union-attr]


def test_a_supervisor_acts_on_any_call_and_supervises_from_their_own_phone(desk: Desk) -> None:
    call = connected_call(agent_id="ag-bob")
    desk.put_call(call)
    assert desk.post("sue", f"/api/calls/{call.call_id}/hold").status_code == 202
    for mode in ("listen", "whisper", "barge"):
        assert desk.post("sue", f"/api/calls/{call.call_id}/supervise/{mode}").status_code == 202
    assert desk.post("sue", f"/api/calls/{call.call_id}/supervise/shout").status_code == 422
    commands = desk.commands()
    assert [c.kind for c in commands] == ["hold", "supervise", "supervise", "supervise"]
    assert [(c.mode, c.supervisor_endpoint) for c in commands[1:]] == [  # type: ignore[union-attr]
        ("listen", "PJSIP/sup-sue"), ("whisper", "PJSIP/sup-sue"), ("barge", "PJSIP/sup-sue"),
    ]  # fmt: skip


def test_supervision_is_refused_to_agents_and_to_calls_not_yet_answered(desk: Desk) -> None:
    call = connected_call(agent_id="ag-bob")
    desk.put_call(call)
    refused = desk.post("bob", f"/api/calls/{call.call_id}/supervise/listen")
    assert (refused.status_code, refused.json()["detail"]) == (403, "role agent may not do this")
    queued = connected_call(agent_id=None, state="queued")
    desk.put_call(queued)
    assert desk.post("sue", f"/api/calls/{queued.call_id}/supervise/whisper").status_code == 409
    assert desk.commands() == []


def test_roles_are_checked_on_every_call_route(desk: Desk) -> None:
    call = connected_call()
    desk.put_call(call)
    assert desk.client.post(f"/api/calls/{call.call_id}/hold").status_code == 401
    assert desk.post("quinn", f"/api/calls/{call.call_id}/hold").status_code == 403
    assert desk.post("quinn", "/api/agents/me/login").status_code == 403
    assert desk.get("alice", "/api/agents").status_code == 403
    assert desk.get("alice", "/api/calls/records").status_code == 403
    assert (
        desk.client.put(
            f"/api/agents/{desk.user_ids['alice']}/profile", json={}, headers=desk.auth("bob")
        ).status_code
        == 403
    )
    assert desk.commands() == []


# --- the agent's own status


def test_an_agent_logs_in_with_the_endpoint_skills_and_queues_from_the_database(desk: Desk) -> None:
    profile = {"skills": {"billing": 3}, "queues": ["sales"]}
    saved = desk.client.put(
        f"/api/agents/{desk.user_ids['alice']}/profile", json=profile, headers=desk.auth("sue")
    )
    assert saved.status_code == 200 and saved.json()["agent_id"] == "ag-alice"
    bad = desk.client.put(
        f"/api/agents/{desk.user_ids['alice']}/profile",
        json={"skills": {}, "queues": ["x"]},
        headers=desk.auth("sue"),
    )
    assert (bad.status_code, bad.json()["detail"]) == (422, "no such queues: x")
    assert desk.post("alice", "/api/agents/me/login").status_code == 202
    [command] = desk.commands()
    assert (command.kind, command.agent_id, command.endpoint) == ("agent_login", "ag-alice", "PJSIP/ag-alice")  # type: ignore[union-attr]
    assert (command.skills, command.queues) == ({"billing": 3}, ["sales"])  # type: ignore[union-attr]


def test_an_agent_without_a_sip_account_is_told_so(desk: Desk) -> None:
    response = desk.post("nosip", "/api/agents/me/login")
    assert response.status_code == 409
    assert response.json()["detail"] == "nosip has no SIP account; an admin must create one"
    assert desk.commands() == []


def test_pause_needs_a_reason_and_a_logged_in_agent_who_is_not_on_a_call(desk: Desk) -> None:
    assert desk.post("alice", "/api/agents/me/pause", {"reason": "lunch"}).status_code == 409  # offline
    desk.put_agent("ag-alice", AgentState.ON_CALL, call_id="c1")
    busy = desk.post("alice", "/api/agents/me/pause", {"reason": "lunch"})
    assert (busy.status_code, busy.json()["detail"]) == (409, "agent ag-alice is on a call; pause after it")
    desk.put_agent("ag-alice", AgentState.AVAILABLE)
    assert desk.post("alice", "/api/agents/me/pause", {"reason": ""}).status_code == 422
    assert desk.post("alice", "/api/agents/me/resume").status_code == 409  # not paused
    assert desk.post("alice", "/api/agents/me/pause", {"reason": "lunch"}).status_code == 202
    desk.put_agent("ag-alice", AgentState.PAUSED)
    assert desk.post("alice", "/api/agents/me/resume").status_code == 202
    assert desk.post("alice", "/api/agents/me/logout").status_code == 202
    commands = desk.commands()
    assert [c.kind for c in commands] == ["agent_pause", "agent_unpause", "agent_logout"]
    assert commands[0].reason == "lunch"  # type: ignore[union-attr]
    assert desk.get("alice", "/api/agents/me").json()["status"] == "paused"


# --- reads


def test_an_agent_sees_what_the_caller_asked_the_ivr_faq_step_on_their_live_call(desk: Desk) -> None:
    path = [
        "ask_question:asked: can I change my delivery address",
        "ask_question:bot handed over (no article matches)",
    ]
    desk.put_call(connected_call(ivr_path=path, ivr_choice="question"))
    (live,) = desk.get("alice", "/api/calls/live").json()
    assert (live["ivr_path"], live["ivr_choice"]) == (path, "question")


def test_agents_see_their_own_live_calls_and_supervisors_see_all(desk: Desk) -> None:
    mine, theirs = connected_call(), connected_call(agent_id="ag-bob")
    desk.put_call(mine)
    desk.put_call(theirs)
    assert [c["call_id"] for c in desk.get("alice", "/api/calls/live").json()] == [mine.call_id]
    assert {c["call_id"] for c in desk.get("sue", "/api/calls/live").json()} == {mine.call_id, theirs.call_id}
    assert desk.get("alice", f"/api/calls/live/{theirs.call_id}").status_code == 403
    assert desk.get("alice", f"/api/calls/live/{mine.call_id}").json()["state"] == "connected"
    desk.put_agent("ag-bob", AgentState.ON_CALL, call_id=theirs.call_id)
    [bob] = desk.get("sue", "/api/agents").json()
    assert (bob["agent_id"], bob["status"], bob["call_id"]) == ("ag-bob", "on_call", theirs.call_id)


def test_call_records_are_filtered_by_queue_agent_disposition_and_time(desk: Desk) -> None:
    factory = make_session_factory(make_engine(desk.db_url))
    now = datetime.now(UTC).timestamp()
    for index, (queue, agent, disposition) in enumerate(
        [
            ("sales", "ag-alice", "answered"),
            ("support", "ag-bob", "answered"),
            ("sales", None, "abandoned_in_queue"),
        ]
    ):
        call = Call(queue_id=queue, agent_id=agent, disposition=disposition, created_at=now - 3600 * index,
                    state="ended", ended_at=now - 3600 * index + 60)  # fmt: skip
        write_record(factory, call)
    assert len(desk.get("quinn", "/api/calls/records").json()["items"]) == 3
    sales = desk.get("sue", "/api/calls/records", queue_id="sales").json()["items"]
    assert [r["disposition"] for r in sales] == ["answered", "abandoned_in_queue"]  # newest first
    assert len(desk.get("sue", "/api/calls/records", agent_id="ag-bob").json()["items"]) == 1
    since = (datetime.now(UTC) - timedelta(minutes=90)).isoformat()
    recent = desk.get("sue", "/api/calls/records", since=since).json()["items"]
    assert [r["agent_id"] for r in recent] == ["ag-alice", "ag-bob"]
    page = desk.get("sue", "/api/calls/records", limit=1).json()
    assert page["has_more"] and len(page["items"]) == 1
    until = (datetime.now(UTC) - timedelta(hours=5)).isoformat()
    assert desk.get("sue", "/api/calls/records", since=since, until=until).status_code == 422
    one = page["items"][0]["call_id"]
    assert desk.get("sue", f"/api/calls/records/{one}").json()["call_id"] == one
    assert desk.get("sue", "/api/calls/records/nosuchcall").status_code == 404


# --- the live feed


def test_the_live_feed_relays_call_and_agent_events_by_role(desk: Desk) -> None:
    notifier = Notifier(redis.Redis.from_url(REDIS_URL))
    call = connected_call(agent_id="ag-bob")
    with (
        desk.client.websocket_connect(desk.feed("sue")) as supervisor,
        desk.client.websocket_connect(desk.feed("alice")) as alice,
    ):
        assert supervisor.receive_json()["data"] == {"scope": "all"}
        assert alice.receive_json()["data"] == {"scope": "ag-alice"}
        CallNotifier(notifier).state_changed(call, "queued")  # to bob: the supervisor sees it, alice not
        AgentNotifier(notifier).state_changed(
            Agent("ag-alice", endpoint="PJSIP/ag-alice", state=AgentState.PAUSED, pause_reason="lunch"),
            "available",
        )  # fmt: skip
        first = supervisor.receive_json()
        assert (first["type"], first["data"]["call_id"]) == ("call.state_changed", call.call_id)
        second = supervisor.receive_json()  # the call event once, though published on three channels
        assert (second["type"], second["data"]["agent_id"]) == ("agent.state_changed", "ag-alice")
        mine = alice.receive_json()
        assert (mine["type"], mine["data"]["pause_reason"]) == ("agent.state_changed", "lunch")


def test_the_live_feed_refuses_bad_tickets_and_tokens_in_its_url(desk: Desk) -> None:
    from starlette.websockets import WebSocketDisconnect

    for query in ("?ticket=garbage", "?ticket=", "", f"?token={desk.tokens['sue']}"):
        with pytest.raises(WebSocketDisconnect) as refused:
            with desk.client.websocket_connect(f"/ws/calls{query}") as ws:
                ws.receive_json()
        assert refused.value.code == 1008
