"""Real SIP calls (pjsua2 in a child process) through the sandbox Asterisk."""

from __future__ import annotations

from pathlib import Path

import pytest
from asterisk_support import RunningAsterisk

from telephony.sipua.audio import wav_stats
from telephony.sipua.client import SipAgentError, place_call, start_softphone
from telephony.sipua.plan import CallPlan, DtmfStep, SoftphonePlan

pytestmark = pytest.mark.integration

SPEECH_RMS = 500.0  # 20 ms frames above this are speech; G.711 line silence sits near 0


def test_echo_returns_the_callers_speech_and_dtmf(asterisk: RunningAsterisk, tmp_path: Path) -> None:
    record = tmp_path / "echo.wav"
    plan = CallPlan(
        "600", asterisk.sip_server, say="I want a refund for my order", play_at=0.5,
        dtmf=(DtmfStep("5", 3.2),), record=record, hangup_after=4.0,
    )  # fmt: skip
    result = place_call(plan)
    assert result.answered and result.status_code == 200
    assert result.dtmf_received == "5"  # Echo() sends RFC 4733 events back too
    stats = wav_stats(record)
    assert 3.5 < stats.seconds < 4.6
    assert stats.rms(0.8, 2.5) > SPEECH_RMS  # the espeak phrase (about 2.2 s from 0.5 s) came back
    assert stats.rms(3.5, 4.0) < SPEECH_RMS  # and nothing after it


def test_playback_extension_plays_hello_world(asterisk: RunningAsterisk, tmp_path: Path) -> None:
    record = tmp_path / "hello.wav"
    result = place_call(CallPlan("601", asterisk.sip_server, record=record, hangup_after=5.0))
    assert result.answered
    assert result.talk_seconds is not None and result.talk_seconds < 3.0  # Asterisk hung up after the prompt
    stats = wav_stats(record)
    assert 1.0 < stats.seconds < 3.0
    assert stats.rms(0.0, 1.2) > SPEECH_RMS
    assert stats.voiced_fraction() > 0.4


def test_agent_softphone_registers_with_digest_auth_from_the_stored_ha1(asterisk: RunningAsterisk) -> None:
    agent = asterisk.agent
    with start_softphone(SoftphonePlan(agent.username, agent.password, asterisk.sip_server)):
        contacts = asterisk.sandbox.cli("pjsip show contacts")
        assert f"{agent.username}/sip:{agent.username}@127.0.0.1" in contacts


def test_agent_with_a_wrong_password_is_refused(asterisk: RunningAsterisk) -> None:
    with pytest.raises(SipAgentError, match="did not register"):
        start_softphone(
            SoftphonePlan(asterisk.agent.username, "wrong", asterisk.sip_server), wait_registered=3
        )
