"""The call state machine and the interim IVR menu flow (pure, no I/O)."""

from __future__ import annotations

from pathlib import Path

import pytest

from telephony.calls.exceptions import InvalidTransitionError
from telephony.calls.model import Call, MissedOffer
from telephony.calls.states import STATES
from telephony.inbound.ivr_port import CollectDtmf, Play, RouteToQueue
from telephony.inbound.menu_flow import FlowError, MenuFlowSource, MenuSession, parse_flow
from telephony.records.writer import record_values

FLOW = """
name: t
welcome: sound:hello-world
menu:
  prompt: sound:beep
  timeout_s: 2
  retries: 1
  options:
    "1": {queue: sales}
    "2": {queue: support, priority: 5}
fallback_queue: sales
"""


def test_the_usual_path_is_allowed_and_a_jump_is_refused_leaving_the_call_unchanged() -> None:
    call = Call()
    for state in ("ivr", "queued", "offering", "connected", "on_hold", "connected", "wrap_up", "ended"):
        call.transition(state)
    assert call.is_over
    fresh = Call()
    with pytest.raises(InvalidTransitionError, match="'ringing' to 'connected'"):
        fresh.transition("connected")
    assert fresh.state == "ringing"


def test_every_state_is_registered_by_name_and_only_ended_is_terminal() -> None:
    assert {
        "ringing",
        "ivr",
        "queued",
        "offering",
        "connected",
        "on_hold",
        "transferring",
        "wrap_up",
        "ended",
        "abandoned",
        "callback_pending",
        "callback_dialing",
    } == set(STATES)
    assert [name for name, state in STATES.items() if state.terminal] == ["ended"]
    for state in STATES.values():
        assert state.next_states <= set(STATES)


def test_a_call_survives_the_round_trip_through_its_redis_hash() -> None:
    call = Call(caller_number="555", ivr_path=["menu", "menu:2"], skills={"billing": 2})
    call.missed_offers.append(MissedOffer(agent_id="a1", at=1.0, reason="no answer"))
    assert Call.from_redis({k.encode(): v.encode() for k, v in call.to_redis().items()}) == call


def test_record_durations_come_from_the_call_timestamps() -> None:
    call = Call(
        created_at=100.0,
        queued_at=102.0,
        answered_at=110.0,
        hold_seconds=5.0,
        wrap_up_started_at=170.0,
        ended_at=180.0,
        disposition="answered",
    )
    values = record_values(call)
    assert (values["queue_wait_s"], values["talk_s"], values["hold_s"], values["wrap_up_s"]) == (
        8.0,
        55.0,
        5.0,
        10.0,
    )


def test_the_menu_routes_a_digit_and_falls_back_after_silence() -> None:
    session = MenuSession(parse_flow(FLOW, {"sales", "support"}))
    actions = session.start()
    assert [type(a) for a in actions] == [Play, Play, CollectDtmf]
    assert session.on_dtmf("2") == [RouteToQueue("support", 5, {}, "2")]
    quiet = MenuSession(parse_flow(FLOW, {"sales", "support"}))
    first = quiet.start()[-1]
    assert isinstance(first, CollectDtmf)
    retry = quiet.on_timeout(first.token)
    assert isinstance(retry[-1], CollectDtmf)
    assert quiet.on_timeout(first.token) == []  # a stale timer does nothing
    assert quiet.on_timeout(retry[-1].token) == [RouteToQueue("sales", choice="fallback")]


def test_a_broken_flow_is_refused_naming_the_node_and_the_running_flow_stays(tmp_path: Path) -> None:
    path = tmp_path / "flow.yaml"
    path.write_text(FLOW)
    source = MenuFlowSource(path, {"sales", "support"})
    broken = FLOW.replace("{queue: support, priority: 5}", "{queue: nowhere}")
    with pytest.raises(FlowError, match=r"menu\.options\.2: queue 'nowhere' does not exist"):
        source.reload(broken)
    assert source.flow.menu.options["2"].queue == "support"
    assert path.read_text() == FLOW
    with pytest.raises(FlowError, match=r"menu\.timeout_s"):
        source.reload(FLOW.replace("timeout_s: 2", "timeout_s: -1"))
