"""Hold, transfers, supervisor whisper, IVR reload and an Asterisk restart, with real SIP parties."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from calls_helpers import (
    AGENT_PASSWORD,
    DEFAULT_QUEUES,
    SPEECH_RMS,
    TEST_FLOW,
    background_call,
    heard,
    softphone,
    wait_until,
)

from telephony.commands.schemas import (
    AgentLogin,
    BlindTransfer,
    HoldCall,
    ReloadIvrFlow,
    ResumeCall,
    Supervise,
    WarmTransferComplete,
    WarmTransferStart,
)
from telephony.sipua.audio import wav_stats
from telephony.sipua.client import place_call
from telephony.sipua.plan import CallPlan, DtmfStep

pytestmark = pytest.mark.integration



def test_hold_keeps_the_caller_away_from_the_agent_and_the_record_counts_the_hold_time(
    call_center_asterisk: Any, make_controller: Any, voices: dict[str, Path], tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent1")
    with softphone(call_center_asterisk, "cc-agent1", tmp_path):
        thread, results = background_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                wav=voices["caller"],
                play_at=3.0,
                dtmf=(DtmfStep("1", 0.4),),
                hangup_after=9.0,
            )
        )
        call = running.call_in_state("connected")
        time.sleep(1.0)
        running.send(HoldCall(call_id=call.call_id))
        running.call_in_state("on_hold")
        time.sleep(4.5)  # the caller speaks (3.0 s to about 6 s after answer) while on hold
        running.send(ResumeCall(call_id=call.call_id))
        running.call_in_state("connected")
        thread.join(15)
    assert results[0].answered
    record = running.record_for(call.call_id)
    assert 4.0 < record.hold_s < 5.5
    agent_heard = wav_stats(tmp_path / "cc-agent1.wav")
    assert agent_heard.voiced_fraction() < 0.05  # everything the caller said fell inside the hold


def test_blind_transfer_moves_the_caller_to_another_queue_and_agent(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent1", queues=["sales"])
    running.login("cc-agent2", queues=["support"])
    with (
        softphone(call_center_asterisk, "cc-agent1", tmp_path),
        softphone(call_center_asterisk, "cc-agent2", tmp_path),
    ):
        # The caller stays longer than the 8 s the transfer is given, so a slow first leg cannot
        # turn into a caller who left before the second agent's phone rang.
        thread, results = background_call(
            CallPlan("1000", call_center_asterisk.sip_server, dtmf=(DtmfStep("1", 0.4),), hangup_after=14.0)
        )
        call = running.call_in_state("connected")
        assert call.agent_id == "cc-agent1"
        running.send(BlindTransfer(call_id=call.call_id, queue_id="support"))
        wait_until(
            lambda: any(c.agent_id == "cc-agent2" and c.state == "connected" for c in running.calls()),
            8,
            "the support agent connected",
        )
        second = next(c for c in running.calls() if c.call_id == call.call_id)
        # A fresh channel id: the first agent's channel may still be ending when the new offer rings.
        assert second.agent_channel_id not in (None, call.agent_channel_id)
        thread.join(25)
    assert results[0].answered
    record = running.record_for(call.call_id)
    assert (record.first_queue_id, record.queue_id, record.agent_id) == ("sales", "support", "cc-agent2")
    assert record.disposition == "answered"


def test_warm_transfer_lets_the_agents_talk_first_then_hands_over_the_caller(
    call_center_asterisk: Any, make_controller: Any, voices: dict[str, Path], tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent1", queues=["sales"])
    running.login("cc-agent2", queues=["support"])
    with (
        softphone(call_center_asterisk, "cc-agent1", tmp_path),
        softphone(call_center_asterisk, "cc-agent2", tmp_path, voices["agent"]),
    ):
        thread, results = background_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                record=tmp_path / "c.wav",
                dtmf=(DtmfStep("1", 0.4),),
                hangup_after=10.0,
            )
        )
        call = running.call_in_state("connected")
        running.send(WarmTransferStart(call_id=call.call_id, target_agent_id="cc-agent2"))
        running.call_in_state("transferring")
        time.sleep(4.0)  # the target answers and greets the first agent; the caller waits outside
        running.send(WarmTransferComplete(call_id=call.call_id))
        wait_until(
            lambda: any(c.agent_id == "cc-agent2" and c.state == "connected" for c in running.calls()),
            5,
            "the caller handed to the second agent",
        )
        thread.join(15)
    assert results[0].answered
    record = running.record_for(call.call_id)
    assert (record.agent_id, record.disposition) == ("cc-agent2", "answered")
    assert (
        wav_stats(tmp_path / "cc-agent1.wav").rms(1.0, 3.5) > SPEECH_RMS
    )  # agent 1 heard agent 2's greeting
    # The caller waited outside with music on hold: agent 2's greeting is nowhere in what they heard.
    assert heard(tmp_path / "c.wav", voices["agent"]) < 0.5


def test_supervisor_whisper_reaches_the_agent_but_not_the_caller(
    call_center_asterisk: Any, make_controller: Any, voices: dict[str, Path], tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent1")
    caller_wav = tmp_path / "caller_rx.wav"
    with (
        softphone(call_center_asterisk, "cc-agent1", tmp_path),
        softphone(call_center_asterisk, "cc-super1", tmp_path, voices["super"]),
    ):
        thread, results = background_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                record=caller_wav,
                dtmf=(DtmfStep("1", 0.4),),
                hangup_after=9.0,
            )
        )
        call = running.call_in_state("connected")
        connected_at = time.monotonic()
        running.send(Supervise(call_id=call.call_id, mode="whisper", supervisor_endpoint="PJSIP/cc-super1"))
        thread.join(15)
    assert results[0].answered
    agent_heard = wav_stats(tmp_path / "cc-agent1.wav")
    assert agent_heard.rms(0.5, 3.5) > SPEECH_RMS  # the supervisor's advice, whispered to the agent
    # The caller hears hold music while queued, so compare with the advice itself, not loudness.
    assert heard(caller_wav, voices["super"]) < 0.5
    assert time.monotonic() - connected_at > 5


def test_a_broken_ivr_flow_is_refused_naming_the_node_and_calls_keep_using_the_running_flow(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent2", queues=["support"])
    broken = TEST_FLOW.replace(
        "support: {type: route_queue, queue: support}", "support: {type: route_queue, queue: no-such-queue}"
    )
    assert broken != TEST_FLOW
    running.send(ReloadIvrFlow(text=broken))
    wait_until(lambda: running.command_failures() != [], 5, "the refusal")
    assert "node 'support': queue 'no-such-queue' does not exist" in running.command_failures()[0]
    with softphone(call_center_asterisk, "cc-agent2", tmp_path):
        result = place_call(
            CallPlan("1000", call_center_asterisk.sip_server, dtmf=(DtmfStep("2", 0.4),), hangup_after=3.0)
        )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id)
    assert (record.queue_id, record.agent_id) == ("support", "cc-agent2")


def test_after_an_asterisk_restart_the_controller_reconnects_and_takes_new_calls(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    from telephony.sandbox import SipCredentialSpec

    running = make_controller().start()
    running.login("cc-agent1")
    sandbox = call_center_asterisk.sandbox
    sandbox.down()
    agents = [
        call_center_asterisk.agent.credential,
        *(
            SipCredentialSpec.from_password(n, "voxdesk", AGENT_PASSWORD)
            for n in ("cc-agent1", "cc-agent2", "cc-agent3", "cc-super1")
        ),
    ]
    sandbox.up(agents=agents)
    wait_until(
        lambda: running.controller is not None and running.controller.stream.connections >= 2,
        20,
        "the controller to reconnect",
    )
    with softphone(call_center_asterisk, "cc-agent1", tmp_path):
        result = place_call(
            CallPlan("1000", call_center_asterisk.sip_server, dtmf=(DtmfStep("1", 0.4),), hangup_after=3.0)
        )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id)
    assert (record.agent_id, record.disposition) == ("cc-agent1", "answered")


def test_with_no_agent_free_the_caller_accepts_a_callback_and_is_called_back_when_one_is(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    queues = {**DEFAULT_QUEUES, "sales": {"max_wait": 1.5}}
    # The customer's phone for the call back is a registered softphone standing in for their number.
    running = make_controller(queues=queues, callback_dial_template="PJSIP/cc-agent2").start()
    result = place_call(
        CallPlan(
            "1000",
            call_center_asterisk.sip_server,
            dtmf=(DtmfStep("1", 0.4), DtmfStep("1", 3.5)),
            hangup_after=12.0,
        )
    )
    assert (
        result.answered and result.talk_seconds is not None and result.talk_seconds < 8
    )  # we hung up on them
    pending = running.call_in_state("callback_pending")
    assert pending.callback_number == "caller"
    with softphone(call_center_asterisk, "cc-agent2", tmp_path) as customer_phone:
        with softphone(call_center_asterisk, "cc-agent1", tmp_path):
            running.send(AgentLogin(agent_id="cc-agent1", endpoint="PJSIP/cc-agent1"))  # busy at once
            connected = running.call_in_state("connected")
            assert connected.call_id == pending.call_id and connected.agent_id == "cc-agent1"
            time.sleep(1.0)
        customer_phone.stop()
    record = running.record_for(pending.call_id)
    assert record.callback_requested and (record.agent_id, record.disposition) == ("cc-agent1", "answered")
