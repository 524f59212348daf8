"""The call state machine and call record durations (pure, no I/O)."""

from __future__ import annotations

import pytest

from telephony.calls.exceptions import InvalidTransitionError
from telephony.calls.model import Call, MissedOffer
from telephony.calls.states import STATES
from telephony.records.writer import record_values


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


def test_channels_dialed_for_a_call_never_reuse_an_id_even_after_a_reload_from_redis() -> None:
    # A blind transfer offers the call again after the first agent's channel hung up; reusing that
    # channel's id let its late StasisEnd (or Asterisk's teardown) be taken for the new offer.
    call = Call()
    first = call.new_channel_id("offer")
    reloaded = Call.from_redis(call.to_redis())
    ids = [first, reloaded.new_channel_id("offer"), reloaded.new_channel_id("consult")]
    assert len(set(ids)) == 3
    assert all(channel_id.startswith(f"{call.call_id}-") for channel_id in ids)
