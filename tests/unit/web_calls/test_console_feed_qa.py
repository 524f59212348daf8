"""Live QA events (``qa.*``) on the console feed: the agent on the call and the floor see them, other
agents do not; a console that follows a call late or reconnects gets the call's alerts again."""

from __future__ import annotations

from typing import Any

import redis
from test_call_control_api import REDIS_URL, Desk, connected_call
from test_console_feed_live import receive_until

from config.events import Envelope, Notifier
from config.models import Role
from qa.events import QaAlert, QaRequirementMet, QaSuggestion
from tickets.desk.events import AgentNotified
from web.routes.calls.feed import FeedFilter, Verdict, Viewer

ALICE = Viewer(Role.AGENT, user_id=7, agent_id="ag-alice")
SUE = Viewer(Role.SUPERVISOR, user_id=8)


def notifier() -> Notifier:
    """On the desk's Redis: the call streams replayed on follow and reconnect live in its db."""
    return Notifier(redis.Redis.from_url(REDIS_URL))


def marker(user_id: int) -> str:
    sentinel = AgentNotified(agent_id=user_id, ticket_id=1, reason="mention", text="marker")
    notifier().publish(sentinel)
    return sentinel.id


def alert(call_id: str, text: str = "it is guaranteed to make you money") -> QaAlert:
    return QaAlert(
        call_id=call_id, rule="no-profit-guarantee", kind="forbidden", severity="high", leg="agent",
        text=text, start=3.0, end=5.0, score=0.9, agent="ag-alice",
    )  # fmt: skip


def envelope(event: Any) -> Envelope:
    return Envelope.decode(event.envelope())


def test_qa_events_reach_the_agent_on_the_call_and_every_supervisor_but_no_other_agent() -> None:
    suggestion = QaSuggestion(call_id="c1", suggestions=[], actions=[], language="en", for_text="refund?")
    met = QaRequirementMet(call_id="c1", rule="recorded", leg="agent", text="this call is recorded",
                           start=1.0, end=2.0, score=0.8)  # fmt: skip
    alice, sue = FeedFilter(ALICE), FeedFilter(SUE)
    assert alice.admit(envelope(alert("c1"))) == Verdict(False)  # not her call (yet)
    alice.admit(Envelope("call.state_changed", {"id": "s1", "call_id": "c1", "agent_id": "ag-alice",
                                                 "state": "connected"}))  # fmt: skip
    for event in (alert("c1"), met, suggestion):
        assert alice.admit(envelope(event)).relay, event.event_type
        assert sue.admit(envelope(event)).relay, event.event_type
    assert not alice.admit(envelope(alert("c2"))).relay  # another agent's call
    assert sue.admit(envelope(alert("c2"))).relay


def test_an_agent_following_a_call_late_and_a_reconnecting_manager_get_its_alerts_again(desk: Desk) -> None:
    mine = connected_call(agent_id="ag-alice")
    desk.put_call(mine)
    earlier = alert(mine.call_id, "said before the console opened")
    since = int(earlier.at.timestamp() * 1000)
    notifier().publish(earlier)
    with desk.client.websocket_connect(desk.feed("alice")) as alice:
        assert alice.receive_json()["type"] == "subscribed"
        got = receive_until(alice, marker(desk.user_ids["alice"]))
    assert any(m["type"] == "qa.alert" and m["data"]["id"] == earlier.id for m in got), got  # type: ignore[index]
    with desk.client.websocket_connect(desk.feed("quinn", f"&since={since}")) as quinn:
        assert quinn.receive_json()["type"] == "subscribed"
        got = receive_until(quinn, marker(0))
    assert [m["data"]["text"] for m in got if m["type"] == "qa.alert"] == [earlier.text]  # type: ignore[index]
