"""Music on hold, call recording (file, pause, retention) and supervisor listen/barge, with real SIP parties.

Parties play pure tones (see ``tones``) so who heard whom is read from each recording's spectrum.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import pytest
from calls_helpers import background_call, softphone, wait_until
from tones import AGENT_HZ, CALLER_HZ, SUPERVISOR_HZ, heard, silent_seconds, tone_rms, write_tone

from config.db import make_engine, make_session_factory
from telephony.commands.schemas import HoldCall, ResumeCall, SetRecordingPaused, Supervise
from telephony.recording.retention import purge_recordings
from telephony.sipua.audio import wav_stats
from telephony.sipua.plan import CallPlan, DtmfStep

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("tones")
    return {
        "caller": write_tone(base / "caller.wav", CALLER_HZ),
        "agent": write_tone(base / "agent.wav", AGENT_HZ),
        "super": write_tone(base / "super.wav", SUPERVISOR_HZ),
    }


def test_a_caller_on_hold_hears_the_music_voxdesk_generated(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent1")
    caller_wav = tmp_path / "caller_rx.wav"
    with softphone(call_center_asterisk, "cc-agent1", tmp_path):  # the agent says nothing
        thread, results = background_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                record=caller_wav,
                dtmf=(DtmfStep("1", 0.4),),
                hangup_after=8.0,
            )
        )
        call = running.call_in_state("connected")
        time.sleep(1.0)
        running.send(HoldCall(call_id=call.call_id))
        running.call_in_state("on_hold")
        held_from = time.monotonic()
        time.sleep(3.5)
        running.send(ResumeCall(call_id=call.call_id))
        running.call_in_state("connected")
        held_for = time.monotonic() - held_from
        thread.join(15)
    assert results[0].answered
    stats = wav_stats(caller_wav)
    loud_seconds = stats.voiced_fraction(300.0) * stats.seconds
    # Only the short IVR beep and the hold music are loud; silence on hold would leave about 0.3 s.
    assert loud_seconds > held_for - 1.0, f"{loud_seconds:.1f} s loud of {held_for:.1f} s on hold"
    assert loud_seconds < held_for + 1.5  # and the music stopped on resume


def test_a_call_recording_holds_both_parties_and_leaves_out_the_paused_stretch(
    call_center_asterisk: Any, make_controller: Any, tones: dict[str, Path], tmp_path: Path
) -> None:
    running = make_controller().start()
    running.login("cc-agent1")
    with softphone(call_center_asterisk, "cc-agent1", tmp_path, tones["agent"]):
        thread, results = background_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                wav=tones["caller"],
                dtmf=(DtmfStep("1", 0.4),),
                hangup_after=10.0,
            )
        )
        call = running.call_in_state("connected")
        wait_until(lambda: bool(running.calls()[0].recording_name), 5, "the recording to start")
        time.sleep(1.5)
        running.send(SetRecordingPaused(call_id=call.call_id, paused=True))
        wait_until(lambda: running.calls()[0].recording_paused, 5, "the recording paused")
        paused_from = time.monotonic()
        time.sleep(3.0)
        running.send(SetRecordingPaused(call_id=call.call_id, paused=False))
        wait_until(lambda: not running.calls()[0].recording_paused, 5, "the recording resumed")
        paused_for = time.monotonic() - paused_from
        thread.join(15)
    assert results[0].answered
    record = running.record_for(call.call_id)
    assert record.recording_name == f"voxdesk-{call.call_id}"
    recordings = call_center_asterisk.sandbox.recordings_dir()
    path = recordings / f"{record.recording_name}.wav"
    wait_until(path.exists, 5, f"{path} to be written")
    assert heard(path, CALLER_HZ) and heard(path, AGENT_HZ), (
        tone_rms(path, CALLER_HZ),
        tone_rms(path, AGENT_HZ),
    )
    file_seconds = wav_stats(path).seconds
    # A paused recording either skips the stretch (shorter file) or fills it with silence.
    missing = (record.talk_s - file_seconds) + silent_seconds(path)
    assert paused_for - 1.0 < missing < paused_for + 1.5, (record.talk_s, file_seconds, silent_seconds(path))

    # Retention: the recording is purged once its file is older than the retention setting.
    factory = make_session_factory(make_engine(running.db_url))
    assert purge_recordings(recordings, 90, factory).deleted == ()
    old = time.time() - 91 * 86400
    os.utime(path, (old, old))
    report = purge_recordings(recordings, 90, factory)
    assert record.recording_name in report.deleted and not path.exists()
    assert running.record_for(call.call_id).recording_name is None


def _supervised_call(
    asterisk: Any, running: Any, tones: dict[str, Path], tmp_path: Path, mode: str
) -> tuple[Path, Path, Path]:
    """A caller, an agent and a supervisor in ``mode``, each playing a tone; their recordings."""
    caller_wav = tmp_path / "caller_rx.wav"
    running.login("cc-agent1")
    with (
        softphone(asterisk, "cc-agent1", tmp_path, tones["agent"]),
        softphone(asterisk, "cc-super1", tmp_path, tones["super"]),
    ):
        thread, results = background_call(
            CallPlan(
                "1000",
                asterisk.sip_server,
                wav=tones["caller"],
                record=caller_wav,
                dtmf=(DtmfStep("1", 0.4),),
                hangup_after=8.0,
            )
        )
        call = running.call_in_state("connected")
        running.send(Supervise(call_id=call.call_id, mode=mode, supervisor_endpoint="PJSIP/cc-super1"))
        wait_until(
            lambda: any(len(c.supervisor_channel_ids) >= 1 for c in running.calls()), 5, "the supervisor"
        )
        thread.join(15)
    assert results[0].answered
    return caller_wav, tmp_path / "cc-agent1.wav", tmp_path / "cc-super1.wav"


def test_a_listening_supervisor_hears_both_parties_and_neither_hears_the_supervisor(
    call_center_asterisk: Any, make_controller: Any, tones: dict[str, Path], tmp_path: Path
) -> None:
    running = make_controller().start()
    caller, agent, supervisor = _supervised_call(call_center_asterisk, running, tones, tmp_path, "listen")
    assert heard(supervisor, CALLER_HZ) and heard(supervisor, AGENT_HZ)
    assert heard(caller, AGENT_HZ) and heard(agent, CALLER_HZ)  # the call itself goes on
    assert not heard(caller, SUPERVISOR_HZ), tone_rms(caller, SUPERVISOR_HZ)
    assert not heard(agent, SUPERVISOR_HZ), tone_rms(agent, SUPERVISOR_HZ)


def test_a_barging_supervisor_and_both_parties_all_hear_each_other(
    call_center_asterisk: Any, make_controller: Any, tones: dict[str, Path], tmp_path: Path
) -> None:
    running = make_controller().start()
    caller, agent, supervisor = _supervised_call(call_center_asterisk, running, tones, tmp_path, "barge")
    assert heard(supervisor, CALLER_HZ) and heard(supervisor, AGENT_HZ)
    assert heard(caller, AGENT_HZ) and heard(caller, SUPERVISOR_HZ)
    assert heard(agent, CALLER_HZ) and heard(agent, SUPERVISOR_HZ)
