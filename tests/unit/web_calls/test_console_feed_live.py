"""``/ws/calls`` and the transcript route on the real Redis: what each role receives and reads."""

from __future__ import annotations

import json
import os
import uuid

import redis
from starlette.testclient import WebSocketTestSession
from test_call_control_api import Desk, connected_call

from asr.events import TranscriptFinal, TranscriptPartial
from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentCreate
from config.db import make_engine, make_session_factory, session_scope
from config.events import Notifier, SystemNotice, channel_name
from telephony.calls.model import Call
from telephony.calls.notifier import CallNotifier
from telephony.records.writer import write_record
from tickets.desk.events import AgentNotified, TicketChanged

# The desk app reads the same variable: both must use one database (pub/sub itself spans all).
REDIS_URL = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def notifier() -> Notifier:
    return Notifier(redis.Redis.from_url(REDIS_URL))


def final(call_id: str, leg: str, text: str) -> TranscriptFinal:
    return TranscriptFinal(call_id=call_id, leg=leg, text=text, start=1.0, end=2.0, confidence=0.9, words=[])


def marker(user_id: int) -> str:
    """Publish a notice the user's console relays; what arrives before it was published earlier."""
    sentinel = AgentNotified(agent_id=user_id, ticket_id=1, reason="mention", text="marker")
    notifier().publish(sentinel)
    return sentinel.id


def receive_until(ws: WebSocketTestSession, event_id: str) -> list[dict[str, object]]:
    got = []
    while True:
        message = ws.receive_json()
        got.append(message)
        if isinstance(message["data"], dict) and message["data"].get("id") == event_id:
            return got


def test_a_supervisor_gets_transcripts_of_any_call_and_survives_unknown_and_broken_events(desk: Desk) -> None:
    call_id = f"c-{uuid.uuid4().hex[:8]}"
    raw = redis.Redis.from_url(REDIS_URL)
    with desk.client.websocket_connect(desk.feed("quinn")) as qa:
        assert qa.receive_json()["data"] == {"scope": "all"}
        raw.publish(channel_name("call", call_id), b"\xff not json")
        unknown = {"type": "call.added_next_year", "data": {"id": "u1", "call_id": call_id}}
        raw.publish(channel_name("call", call_id), json.dumps(unknown))
        notifier().publish(TranscriptPartial(call_id=call_id, leg="caller", text="i want a", start=0.5))
        notifier().publish(final(call_id, "agent", "how can i help"))
        got = [m for m in receive_until(qa, marker(0)) if m["data"].get("call_id") == call_id]  # type: ignore[union-attr]
    assert [m["type"] for m in got] == ["call.added_next_year", "transcript.partial", "transcript.final"]
    assert got[2]["data"]["leg"] == "agent"  # type: ignore[index]


def test_an_agent_gets_the_transcript_of_their_call_only_including_what_was_said_before_they_connected(
    desk: Desk,
) -> None:
    mine = connected_call(agent_id="ag-alice")
    theirs = connected_call(agent_id="ag-bob")
    desk.put_call(mine)
    desk.put_call(theirs)
    notifier().publish(final(mine.call_id, "caller", "said before the console opened"))
    with desk.client.websocket_connect(desk.feed("alice")) as alice:
        assert alice.receive_json()["data"] == {"scope": "ag-alice"}
        assert alice.receive_json()["data"]["text"] == "said before the console opened"
        notifier().publish(final(theirs.call_id, "caller", "bob's customer"))
        notifier().publish(TranscriptPartial(call_id=mine.call_id, leg="agent", text="hello", start=3.0))
        got = receive_until(alice, marker(desk.user_ids["alice"]))
    texts = [m["data"].get("text") for m in got]  # type: ignore[union-attr]
    assert "hello" in texts and "bob's customer" not in texts


def test_an_agent_follows_a_call_offered_to_them_and_gets_their_ticket_notices(desk: Desk) -> None:
    call = Call(state="queued", caller_channel_id="ch", caller_number="5550000", queue_id="sales")
    alice_id, bob_id = desk.user_ids["alice"], desk.user_ids["bob"]
    with desk.client.websocket_connect(desk.feed("alice")) as alice:
        alice.receive_json()
        notifier().publish(TranscriptPartial(call_id=call.call_id, leg="caller", text="too early", start=0))
        notifier().publish(final(call.call_id, "caller", "said in the queue"))
        offered = call.model_copy(update={"state": "offering", "offer_agent_id": "ag-alice"})
        CallNotifier(notifier()).state_changed(offered, "queued")
        assert alice.receive_json()["data"]["state"] == "offering"
        assert alice.receive_json()["data"]["text"] == "said in the queue"  # the final, read back
        notifier().publish(final(call.call_id, "caller", "now you hear me"))
        notifier().publish(AgentNotified(agent_id=bob_id, ticket_id=4, reason="escalation", text="bob's"))
        notifier().publish(AgentNotified(agent_id=alice_id, ticket_id=5, reason="sla_reminder", text="due"))
        notifier().publish(
            TicketChanged(ticket_id=5, action="assigned", actor="sue", status="open", priority="normal",
                          assignee_id=alice_id)
        )  # fmt: skip
        notifier().publish(SystemNotice(message="not for the calls feed"))
        got = receive_until(alice, marker(desk.user_ids["alice"]))
    kinds = [(m["type"], m["data"].get("text") or m["data"].get("action")) for m in got]  # type: ignore[union-attr]
    assert kinds[:3] == [
        ("transcript.final", "now you hear me"),
        ("ticket.agent_notice", "due"),
        ("ticket.changed", "assigned"),
    ]
    assert ("transcript.partial", "too early") not in kinds and ("ticket.agent_notice", "bob's") not in kinds


def test_an_agent_without_a_sip_account_gets_ticket_notices_and_other_roles_are_refused(desk: Desk) -> None:
    from starlette.websockets import WebSocketDisconnect

    with desk.client.websocket_connect(desk.feed("nosip")) as nosip:
        assert nosip.receive_json()["data"] == {"scope": f"user:{desk.user_ids['nosip']}"}
        notice = AgentNotified(agent_id=desk.user_ids["nosip"], ticket_id=1, reason="mention", text="@")
        notifier().publish(notice)
        assert nosip.receive_json()["type"] == "ticket.agent_notice"
    try:
        with desk.client.websocket_connect("/ws/calls?ticket=garbage") as ws:
            ws.receive_json()
        raise AssertionError("a bad ticket was admitted")
    except WebSocketDisconnect as refused:
        assert refused.code == 1008


def test_the_transcript_route_applies_the_access_rule(desk: Desk) -> None:
    factory = make_session_factory(make_engine(desk.db_url))
    done = Call(agent_id="ag-alice", queue_id="sales", disposition="answered", state="ended")
    write_record(factory, done)
    with session_scope(factory) as session:
        for leg, start, text in (("agent", 2.0, "thanks for calling"), ("caller", 0.5, "my order is late")):
            TranscriptRepository(session).add(
                TranscriptSegmentCreate(call_id=done.call_id, leg=leg, start=start, end=start + 1,
                                        text=text, confidence=0.9)
            )  # fmt: skip
    path = f"/api/calls/{done.call_id}/transcript"
    mine = desk.get("alice", path)
    assert mine.status_code == 200, mine.text
    assert [s["text"] for s in mine.json()["segments"]] == ["my order is late", "thanks for calling"]
    assert desk.get("bob", path).status_code == 404  # not his call: as if there were none
    assert desk.get("sue", path).status_code == 200 and desk.get("quinn", path).status_code == 200
    assert desk.get("sue", "/api/calls/nope123/transcript").status_code == 404
    assert desk.get("sue", "/api/calls/bad%20id!/transcript").status_code == 422
    live = connected_call(agent_id="ag-bob")  # on a live call, before any record exists
    desk.put_call(live)
    assert desk.get("bob", f"/api/calls/{live.call_id}/transcript").json()["segments"] == []
    assert desk.get("alice", f"/api/calls/{live.call_id}/transcript").status_code == 404
    assert desk.client.get(path).status_code == 401


def test_a_reconnecting_console_gets_every_event_of_its_calls_published_since_it_left(desk: Desk) -> None:
    mine = connected_call(agent_id="ag-alice")
    theirs = connected_call(agent_id="ag-bob")
    desk.put_call(mine)
    desk.put_call(theirs)
    notifier().publish(final(mine.call_id, "caller", "before the console left"))
    left_at = final(mine.call_id, "caller", "x").at  # the console's last event, as epoch ms
    since = int(left_at.timestamp() * 1000)
    missed = [final(mine.call_id, "agent", f"missed {n}") for n in range(3)]
    for event in missed:
        notifier().publish(event)
    notifier().publish(final(theirs.call_id, "caller", "bob's customer, missed too"))
    for who, call in (("alice", mine), ("quinn", theirs)):
        with desk.client.websocket_connect(desk.feed(who, f"&since={since}")) as console:
            assert console.receive_json()["type"] == "subscribed"
            got = receive_until(console, marker(desk.user_ids[who] if who == "alice" else 0))
        texts = [m["data"].get("text") for m in got if m["data"].get("call_id") == call.call_id]  # type: ignore[union-attr]
        if who == "alice":  # her own call: what she missed (after the finals said before she followed it)
            assert texts[-3:] == ["missed 0", "missed 1", "missed 2"], texts
            assert "bob's customer, missed too" not in [m["data"].get("text") for m in got]  # type: ignore[union-attr]
        else:  # a QA manager sees every live call, so bob's missed final comes back too
            assert texts == ["bob's customer, missed too"], texts
