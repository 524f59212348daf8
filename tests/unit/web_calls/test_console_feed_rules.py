"""The console feed's object-level rules, envelope by envelope (no Redis, no web)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from config.events import Envelope, UnknownEventError, parse_event
from config.models import Role
from tickets.access import Scope
from voxdesk.events import EVENT_MODULES
from web.routes.calls.feed import FeedFilter, SeenEvents, Verdict, Viewer

ALICE = Viewer(Role.AGENT, user_id=7, agent_id="ag-alice")


def env(kind: str, **data: Any) -> Envelope:
    return Envelope(kind, {"id": data.pop("id", f"{kind}-{sorted(data.items())}"), **data})


def state(call_id: str, agent_id: str | None, to: str = "connected") -> Envelope:
    return env("call.state_changed", call_id=call_id, agent_id=agent_id, previous_state="offering", state=to)


def partial(call_id: str, leg: str = "caller") -> Envelope:
    return env("transcript.partial", call_id=call_id, leg=leg, text="hello", start=0.0)


def test_an_agent_follows_a_call_offered_to_them_and_sees_both_legs_transcripts() -> None:
    rules = FeedFilter(ALICE)
    assert rules.admit(partial("c1")) == Verdict(False)  # not theirs yet
    assert rules.admit(state("c1", "ag-alice", "offering")) == Verdict(True, follow="c1")
    assert rules.admit(state("c1", "ag-alice", "connected")) == Verdict(True)  # already followed
    assert rules.admit(partial("c1", "caller")).relay
    assert rules.admit(env("transcript.final", call_id="c1", leg="agent", text="hi")).relay
    assert not rules.admit(partial("c2")).relay  # somebody else's call
    assert rules.admit(env("call.ended", call_id="c1", agent_id="ag-alice", disposition="answered")) == (
        Verdict(True, unfollow="c1")
    )
    assert not rules.admit(partial("c1")).relay


def test_an_agent_stops_seeing_a_call_once_it_moves_to_another_agent() -> None:
    rules = FeedFilter(ALICE)
    rules.admit(state("c1", "ag-alice"))
    moved = rules.admit(state("c1", "ag-bob", "connected"))
    assert moved == Verdict(True, unfollow="c1")  # told once that the call left them
    assert not rules.admit(partial("c1")).relay
    assert not rules.admit(state("c1", "ag-bob", "on_hold")).relay


def test_a_missed_offer_ends_following_and_other_agents_offers_stay_hidden() -> None:
    rules = FeedFilter(ALICE)
    rules.admit(state("c1", "ag-alice", "offering"))
    missed = env("call.offer_missed", call_id="c1", agent_id="ag-alice", reason="no_answer")
    assert rules.admit(missed) == Verdict(True, unfollow="c1")
    assert not rules.admit(env("call.offer_missed", call_id="c9", agent_id="ag-bob", reason="x")).relay
    assert not rules.admit(state("c9", "ag-bob")).relay


def test_an_agents_own_status_naming_a_call_makes_the_console_follow_it() -> None:
    rules = FeedFilter(ALICE)
    mine = env("agent.state_changed", agent_id="ag-alice", status="busy", previous_status="x", call_id="c3")
    assert rules.admit(mine) == Verdict(True, follow="c3")
    assert rules.admit(partial("c3")).relay
    other = env("agent.state_changed", agent_id="ag-bob", status="busy", previous_status="x", call_id="c4")
    assert rules.admit(other) == Verdict(False)


def test_an_agent_sees_only_their_own_ticket_notices() -> None:
    rules = FeedFilter(ALICE)
    reminder = env("ticket.agent_notice", agent_id=7, ticket_id=1, reason="sla_reminder", text="due")
    assert rules.admit(reminder).relay
    other = env("ticket.agent_notice", agent_id=8, ticket_id=1, reason="escalation", text="x")
    assert not rules.admit(other).relay
    # A SIP user name that looks like another user's id never leaks that user's notices.
    numeric = FeedFilter(Viewer(Role.AGENT, user_id=9, agent_id="7"))
    assert not numeric.admit(reminder).relay
    assigned = env("ticket.changed", ticket_id=3, action="assigned", assignee_id=7, actor="sue")
    assert rules.admit(assigned).relay
    to_bob = env("ticket.changed", ticket_id=3, action="assigned", assignee_id=8, actor="sue")
    assert not rules.admit(to_bob).relay
    commented = env("ticket.changed", ticket_id=3, action="commented", assignee_id=7, actor="sue")
    assert not rules.admit(commented).relay  # not a notice: the ticket view shows it


@pytest.mark.parametrize("role", [Role.QA_MANAGER, Role.ADMIN])
def test_qa_managers_and_admins_see_every_call_transcript_and_notice(role: Role) -> None:
    rules = FeedFilter(Viewer(role, user_id=1))
    for envelope in (
        state("c1", "ag-bob"),
        partial("c2"),
        env("ticket.agent_notice", agent_id=8, ticket_id=1, reason="escalation", text="x"),
        env("ticket.changed", ticket_id=3, action="escalated", assignee_id=None, actor="system"),
        env("call.a_type_added_later", call_id="c5"),
    ):
        assert rules.admit(envelope) == Verdict(True), envelope
    assert not rules.admit(env("conversation.message_added", conversation_id=1)).relay
    assert rules.following == set()


def test_supervisors_see_every_call_but_only_the_ticket_notices_of_their_groups_and_team() -> None:
    team = Scope(1, Role.SUPERVISOR, group_ids=frozenset({4}), people=frozenset({1, 8}))
    rules = FeedFilter(Viewer(Role.SUPERVISOR, user_id=1, access=team))
    for seen in (
        state("c1", "ag-bob"),
        partial("c2"),
        env("call.a_type_added_later", call_id="c5"),
        env("ticket.agent_notice", agent_id=8, ticket_id=1, reason="escalation", text="x"),
        env("ticket.changed", ticket_id=3, action="escalated", assignee_id=None, group_id=4, actor="system"),
        env("ticket.changed", ticket_id=5, action="assigned", assignee_id=8, group_id=9, actor="sue"),
    ):
        assert rules.admit(seen) == Verdict(True), seen
    for hidden in (
        env("ticket.agent_notice", agent_id=9, ticket_id=2, reason="escalation", text="x"),
        env("ticket.changed", ticket_id=6, action="escalated", assignee_id=None, group_id=5, actor="system"),
        env("ticket.changed", ticket_id=7, action="assigned", assignee_id=9, group_id=None, actor="sue"),
    ):
        assert rules.admit(hidden) == Verdict(False), hidden


def test_viewers_listen_to_their_channels_and_patterns() -> None:
    assert ALICE.channels() == ["voxdesk:agent:ag-alice", "voxdesk:agent:7"]
    assert ALICE.patterns() == ["voxdesk:ticket:*"]
    assert ALICE.scope == "ag-alice"
    no_sip = Viewer(Role.AGENT, user_id=5)
    assert (no_sip.channels(), no_sip.scope) == (["voxdesk:agent:5"], "user:5")
    boss = Viewer(Role.SUPERVISOR, user_id=1)
    assert boss.channels() == [] and "voxdesk:call:*" in boss.patterns() and boss.scope == "all"


def test_an_event_published_on_three_channels_is_sent_once() -> None:
    seen = SeenEvents(remember=2)
    first = state("c1", "ag-alice")
    assert seen.first_time(first) and not seen.first_time(first)
    seen.first_time(partial("a"))
    seen.first_time(partial("b"))
    assert seen.first_time(first)  # forgotten after ``remember`` newer ones


def test_envelopes_are_read_without_their_class_and_parsing_an_unknown_type_says_so() -> None:
    envelope = Envelope.decode(b'{"type": "call.brand_new", "data": {"id": "x1", "call_id": "c"}}')
    assert (envelope.type, envelope.id) == ("call.brand_new", "x1")
    assert envelope.envelope()["data"]["call_id"] == "c"
    with pytest.raises(UnknownEventError, match=r"unknown event type 'call\.brand_new'"):
        envelope.parse()
    for garbage in (b"not json", b"[]", b'{"type": "call.x"}', b'{"data": {}}'):
        with pytest.raises(ValueError):
            Envelope.decode(garbage)
    notice = parse_event({"type": "system.notice", "data": {"message": "maintenance"}})
    assert notice.event_type == "system.notice"


def test_every_module_that_registers_an_event_is_in_the_process_start_list() -> None:
    root = Path(__file__).resolve().parents[3]
    declaring = set()
    for package in ("config", "telephony", "asr", "tickets", "qa", "routing", "web"):
        for path in (root / package).rglob("*.py"):
            if "@register_event" in path.read_text(encoding="utf-8"):
                declaring.add(".".join(path.relative_to(root).with_suffix("").parts))
    assert declaring <= set(EVENT_MODULES), declaring - set(EVENT_MODULES)
