"""Real calls through the sandbox Asterisk: pjsua2 callers and agent softphones, controller in a thread."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from calls_helpers import DEFAULT_QUEUES, SPEECH_RMS, background_call, softphone, wait_until

from telephony.sipua.audio import wav_stats
from telephony.sipua.client import place_call
from telephony.sipua.plan import CallPlan, DtmfStep

pytestmark = pytest.mark.integration



def test_caller_pressing_2_reaches_the_support_agent_and_both_hear_each_other(
    call_center_asterisk: Any, make_controller: Any, voices: dict[str, Path], tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent1", queues=["sales"])
    running.login("cc-agent2", queues=["support"])
    with (
        softphone(call_center_asterisk, "cc-agent1", tmp_path),
        softphone(call_center_asterisk, "cc-agent2", tmp_path, voices["agent"]),
    ):
        caller_wav = tmp_path / "caller_rx.wav"
        result = place_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                wav=voices["caller"],
                play_at=5.0,
                dtmf=(DtmfStep("2", 0.6),),
                record=caller_wav,
                hangup_after=9.0,
            )
        )
    assert result.answered
    call = running.call_in_state("ended")
    record = running.record_for(call.call_id)
    assert (record.queue_id, record.agent_id, record.disposition) == ("support", "cc-agent2", "answered")
    assert record.ivr_path == ["menu:dtmf 2 -> support", "support:routetoqueue support"]
    assert record.ivr_choice == "support"
    assert record.talk_s > 6 and record.queue_wait_s < 2 and record.missed_offers == []
    caller_heard = wav_stats(caller_wav)
    assert caller_heard.rms(1.2, 3.5) > SPEECH_RMS  # the agent's greeting, played when they answered
    agent_heard = wav_stats(tmp_path / "cc-agent2.wav")
    assert agent_heard.voiced_fraction() > 0.15  # the caller's complaint (played 5 s after answer)
    assert agent_heard.rms(0.0, 3.0) < SPEECH_RMS  # and nothing while only the agent spoke
    assert not (tmp_path / "cc-agent1.wav").exists()  # the sales agent never rang
    assert running.agent_status("cc-agent2") == "available"  # after the short wrap-up


def test_skills_routing_picks_the_agent_with_the_needed_skill_level(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent1", skills={"billing": 1})  # idle longest, but not skilled enough
    running.login("cc-agent2", skills={"billing": 3})
    with (
        softphone(call_center_asterisk, "cc-agent1", tmp_path),
        softphone(call_center_asterisk, "cc-agent2", tmp_path),
    ):
        result = place_call(
            CallPlan("1000", call_center_asterisk.sip_server, dtmf=(DtmfStep("3", 0.5),), hangup_after=3.0)
        )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id)
    assert (record.queue_id, record.agent_id, record.disposition) == ("billing", "cc-agent2", "answered")


def test_an_unreachable_agent_is_recorded_as_a_missed_offer_and_the_next_agent_gets_the_call(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent3", queues=["sales"])  # logged in but no softphone registered
    with softphone(call_center_asterisk, "cc-agent1", tmp_path):
        running.login("cc-agent1", queues=["sales"])  # idle for less time: offered second
        result = place_call(
            CallPlan("1000", call_center_asterisk.sip_server, dtmf=(DtmfStep("1", 0.5),), hangup_after=4.0)
        )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id)
    assert record.agent_id == "cc-agent1"
    assert [offer["agent_id"] for offer in record.missed_offers] == ["cc-agent3"]


def test_overflow_moves_a_waiting_call_to_the_overflow_queue_after_n_seconds(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    queues = {**DEFAULT_QUEUES, "sales": {"overflow": {"after": 1.5, "to": "support"}}}
    running = make_controller(queues=queues).start()
    running.login("cc-agent2", queues=["support"])
    with softphone(call_center_asterisk, "cc-agent2", tmp_path):
        result = place_call(
            CallPlan("1000", call_center_asterisk.sip_server, dtmf=(DtmfStep("1", 0.5),), hangup_after=5.0)
        )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id)
    assert (record.first_queue_id, record.queue_id, record.agent_id) == ("sales", "support", "cc-agent2")
    assert 1.4 < record.queue_wait_s < 3.0


def test_a_caller_hanging_up_in_the_queue_is_recorded_as_abandoned(
    call_center_asterisk: Any, make_controller: Any
) -> None:
    running = make_controller().start()  # nobody logged in
    result = place_call(
        CallPlan("1000", call_center_asterisk.sip_server, dtmf=(DtmfStep("2", 0.5),), hangup_after=2.5)
    )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id)
    assert record.disposition == "abandoned_in_queue" and record.agent_id is None
    assert record.abandoned_at is not None and 1.5 < record.queue_wait_s < 2.5


def test_stopping_the_controller_mid_call_and_starting_again_the_call_goes_on_with_a_correct_record(
    call_center_asterisk: Any, make_controller: Any, voices: dict[str, Path], tmp_path: Path
) -> None:
    first = make_controller().start()
    first.login("cc-agent1", queues=["sales"])
    with softphone(call_center_asterisk, "cc-agent1", tmp_path, voices["agent"]):
        caller_wav = tmp_path / "caller_rx.wav"
        thread, results = background_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                wav=voices["caller"],
                play_at=6.0,
                dtmf=(DtmfStep("1", 0.5),),
                record=caller_wav,
                hangup_after=10.0,
            )
        )
        connected = first.call_in_state("connected")
        first.stop()  # the call keeps going in Asterisk with nobody watching
        second = make_controller().start()
        thread.join(20)
    assert results and results[0].answered and results[0].talk_seconds and results[0].talk_seconds > 9.5
    record = second.record_for(connected.call_id)
    assert (record.disposition, record.agent_id) == ("answered", "cc-agent1")
    assert 8.0 < record.talk_s < 10.5
    assert wav_stats(tmp_path / "cc-agent1.wav").voiced_fraction() > 0.1  # the caller spoke after the restart
    wait_until(lambda: second.agent_status("cc-agent1") == "available", 5, "agent back to available")
