"""The real IVR on real calls: an order status read back, position announcements, no input -> fallback."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from calls_helpers import AGENT_PASSWORD, DEFAULT_QUEUES, heard

from config.db import make_engine, make_session_factory, session_scope
from telephony.ivr.prompts import PromptRenderer
from telephony.sipua.audio import wav_stats
from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, DtmfStep, SoftphonePlan
from tickets.connectors.models import Order

pytestmark = pytest.mark.integration

HEARD = 0.6  # normalised correlation of a prompt with what the caller received (about 0.9 when played)


def test_a_caller_entering_an_order_number_and_hash_hears_the_order_status_read_back(
    make_controller: Any, call_center_asterisk: Any, prompts: PromptRenderer, tmp_path: Path
) -> None:
    running = make_controller()
    with session_scope(make_session_factory(make_engine(running.db_url))) as session:
        session.add(Order(order_number="482913", status="shipped", carrier="DHL"))
    running.start()
    caller_wav = tmp_path / "caller_rx.wav"
    result = place_call(
        CallPlan(
            "1000",
            call_center_asterisk.sip_server,
            dtmf=(DtmfStep("4", 0.5), DtmfStep("482913#", 1.5)),
            record=caller_wav,
            hangup_after=16.0,
        )
    )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id, wait=20)
    assert record.ivr_choice == "" and record.disposition == "ivr_hangup"
    assert record.ivr_path[:3] == [
        "menu:dtmf 4 -> order_number",
        "order_number:collected 6 digits via dtmf",
        "find_order:found",
    ]
    expected = prompts.render("Order 4 8 2 9 1 3 is shipped. It is on its way with DHL.", "en")
    assert heard(caller_wav, expected.path) > HEARD
    wrong = prompts.render("Sorry, I could not find order 4 8 2 9 1 3.", "en")
    assert heard(caller_wav, wrong.path) < HEARD


def test_a_waiting_caller_hears_their_position_and_expected_wait_announced(
    make_controller: Any, call_center_asterisk: Any, prompts: PromptRenderer, tmp_path: Path
) -> None:
    queues = {**DEFAULT_QUEUES, "sales": {"announce": {"first": 1.5, "every": 30}, "average_handle": 120}}
    running = make_controller(queues=queues).start()  # nobody logged in: the caller waits
    caller_wav = tmp_path / "caller_rx.wav"
    result = place_call(
        CallPlan(
            "1000",
            call_center_asterisk.sip_server,
            dtmf=(DtmfStep("1", 0.5),),
            record=caller_wav,
            hangup_after=9.0,
        )
    )
    assert result.answered
    call = running.call_in_state("ended")
    assert call.last_announced_at is not None and call.queued_at is not None
    assert 1.4 < call.last_announced_at - call.queued_at < 2.5
    announcement = prompts.render("You are next in line. Your expected wait is about 2 minutes.", "en")
    assert heard(caller_wav, announcement.path) > HEARD
    spoken_at = 0.5 + (call.last_announced_at - call.queued_at)
    assert wav_stats(caller_wav).rms(spoken_at + 0.3, spoken_at + 2.5) > 500  # energy while it is said


def test_a_caller_who_presses_nothing_is_routed_to_the_fallback_queue_and_reaches_a_person(
    make_controller: Any, call_center_asterisk: Any, voices: dict[str, Path], tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent1", queues=["general"])
    phone = SoftphonePlan(
        "cc-agent1", AGENT_PASSWORD, call_center_asterisk.sip_server, wav=voices["agent"],
        record=tmp_path / "agent.wav",
    )  # fmt: skip
    caller_wav = tmp_path / "caller_rx.wav"
    with start_softphone(phone):
        result = place_call(
            CallPlan("1000", call_center_asterisk.sip_server, record=caller_wav, hangup_after=13.0)
        )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id)
    assert (record.queue_id, record.ivr_choice, record.agent_id) == ("general", "fallback", "cc-agent1")
    assert record.disposition == "answered"
    assert record.ivr_path[-2:] == ["menu:gave up -> operator", "operator:routetoqueue general"]
    assert wav_stats(caller_wav).voiced_fraction() > 0.1  # the agent's greeting reached the caller


def test_a_caller_leaving_a_voicemail_is_recorded_into_the_box_and_the_record_points_at_it(
    make_controller: Any, call_center_asterisk: Any, voices: dict[str, Path]
) -> None:
    running = make_controller().start()
    result = place_call(
        CallPlan(
            "1000",
            call_center_asterisk.sip_server,
            dtmf=(DtmfStep("5", 0.5),),
            wav=voices["caller"],
            play_at=2.0,
            hangup_after=7.0,
        )
    )
    assert result.answered
    call = running.call_in_state("ended")
    record = running.record_for(call.call_id)
    assert record.disposition == "voicemail"
    assert record.recording_name == f"voicemail/general/{call.call_id}"
    runtime = call_center_asterisk.sandbox.runtime
    message = runtime.host_path(f"{runtime.dirs.spool}/recording/{record.recording_name}.wav")
    assert wav_stats(message).voiced_fraction() > 0.2  # the caller's words, not silence


def test_an_ivr_transfer_dials_the_number_and_bridges_the_caller_with_whoever_answers(
    make_controller: Any, call_center_asterisk: Any, voices: dict[str, Path], tmp_path: Path
) -> None:
    # The dialled number is a registered softphone standing in for an outside line.
    running = make_controller(transfer_dial_template="PJSIP/cc-agent3").start()
    desk = SoftphonePlan(
        "cc-agent3", AGENT_PASSWORD, call_center_asterisk.sip_server, wav=voices["agent"],
        record=tmp_path / "desk.wav",
    )  # fmt: skip
    caller_wav = tmp_path / "caller_rx.wav"
    with start_softphone(desk):
        result = place_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                dtmf=(DtmfStep("6", 0.5),),
                record=caller_wav,
                hangup_after=8.0,
            )
        )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id)
    assert record.disposition == "transferred" and record.answered_at is not None
    assert heard(caller_wav, voices["agent"]) > HEARD  # the desk's greeting reached the caller
