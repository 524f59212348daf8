"""The call-control API end to end: HTTP -> command stream -> controller -> real Asterisk and SIP phones."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from calls_helpers import AGENT_PASSWORD, REDIS_URL, wait_until
from fastapi.testclient import TestClient
from tones import AGENT_HZ, CALLER_HZ, SUPERVISOR_HZ, heard, tone_rms, write_tone

from config.db import make_engine, make_session_factory, session_scope
from config.models import Role, SipCredential, User
from config.sessions import open_session
from config.settings import Settings
from telephony.sandbox import sip_ha1
from telephony.sipua.audio import wav_stats
from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan
from web.app import create_app

pytestmark = pytest.mark.integration
SECRET = "live-call-api-secret"


def _users(db_url: str) -> dict[str, str]:
    """The agent and the supervisor, each with a session; returns their session tokens."""
    factory = make_session_factory(make_engine(db_url))
    tokens = {}
    with session_scope(factory) as session:
        for sip_name, role in (("cc-agent1", Role.AGENT), ("cc-super1", Role.SUPERVISOR)):
            user = User(username=sip_name, display_name=sip_name, role=role, password_hash="x")
            session.add(user)
            session.flush()
            ha1 = sip_ha1(sip_name, "voxdesk", AGENT_PASSWORD)
            session.add(SipCredential(user_id=user.id, username=sip_name, ha1=ha1))
            tokens[sip_name] = open_session(session, user.id)
    return tokens


def ws_ticket(api: TestClient, headers: dict[str, str]) -> str:
    """A one-time ticket to open the live feed (tokens never go in a URL)."""
    ticket: str = api.post("/api/auth/ws-ticket", headers=headers).json()["ticket"]
    return ticket


def call_states_seen(feed: Any, call_id: str, seconds: float) -> list[str]:
    """The call's states as the live feed showed them, up to its end (bounded: a silent feed fails)."""
    states: list[str] = []

    def read() -> None:
        with contextlib.suppress(Exception):  # the socket closes under a reader still waiting
            while not {"wrap_up", "ended"} & set(states):
                envelope = feed.receive_json()
                if envelope["type"] == "call.state_changed" and envelope["data"]["call_id"] == call_id:
                    states.append(envelope["data"]["state"])

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(seconds)
    return list(states)


def test_an_agent_holds_and_resumes_and_a_supervisor_whispers_through_the_http_api(
    call_center_asterisk: Any, make_controller: Any, tmp_path: Path
) -> None:
    running = make_controller().start()
    tokens = _users(running.db_url)
    settings = Settings(
        database_url=running.db_url,
        data_dir=tmp_path,
        redis={"url": REDIS_URL},
        web={"secret_key": SECRET},
        asterisk={"mode": "external", "ari_url": "http://127.0.0.1:9/ari", "ari_password": "x"},
        telephony={"key_prefix": running.prefix},
    )
    agent = {"Authorization": f"Bearer {tokens['cc-agent1']}"}
    supervisor = {"Authorization": f"Bearer {tokens['cc-super1']}"}
    caller_tone = write_tone(tmp_path / "caller_tone.wav", CALLER_HZ)
    super_tone = write_tone(tmp_path / "super_tone.wav", SUPERVISOR_HZ)
    agent_tone = write_tone(tmp_path / "agent_tone.wav", AGENT_HZ)
    caller_rx = tmp_path / "caller_rx.wav"
    server = call_center_asterisk.sip_server
    with (
        TestClient(create_app(settings)) as api,
        api.websocket_connect(f"/ws/calls?ticket={ws_ticket(api, supervisor)}") as feed,
        start_softphone(SoftphonePlan("cc-agent1", AGENT_PASSWORD, server, wav=agent_tone,
                                      record=tmp_path / "agent_rx.wav")),
        start_softphone(SoftphonePlan("cc-super1", AGENT_PASSWORD, server, wav=super_tone,
                                      record=tmp_path / "super_rx.wav")),
    ):  # fmt: skip
        assert api.post("/api/agents/me/login", headers=agent).status_code == 202
        wait_until(lambda: running.agent_status("cc-agent1") == "available", 5, "the agent logged in")
        results: list[CallResult] = []
        plan = CallPlan("1000", server, wav=caller_tone, record=caller_rx, dtmf=(DtmfStep("1", 0.4),),
                        hangup_after=14.0)  # fmt: skip
        thread = threading.Thread(target=lambda: results.append(place_call(plan)), daemon=True)
        thread.start()
        call = running.call_in_state("connected")
        [live] = api.get("/api/calls/live", headers=agent).json()
        assert (live["call_id"], live["agent_id"]) == (call.call_id, "cc-agent1")

        time.sleep(1.0)
        assert api.post(f"/api/calls/{call.call_id}/hold", headers=agent).status_code == 202
        running.call_in_state("on_hold")
        hold_started = time.monotonic()
        time.sleep(3.0)
        assert api.post(f"/api/calls/{call.call_id}/resume", headers=agent).status_code == 202
        running.call_in_state("connected")
        held_for = time.monotonic() - hold_started
        whisper = api.post(f"/api/calls/{call.call_id}/supervise/whisper", headers=supervisor)
        assert whisper.status_code == 202, whisper.text
        thread.join(25)
        states = call_states_seen(feed, call.call_id, seconds=10)
    assert results and results[0].answered
    record = running.record_for(call.call_id)
    assert held_for - 1.0 < record.hold_s < held_for + 1.0
    agent_rx, caller_stats = tmp_path / "agent_rx.wav", wav_stats(caller_rx)
    assert caller_stats.voiced_fraction(300.0) > 0.5  # the agent's tone, and music while on hold
    assert heard(agent_rx, SUPERVISOR_HZ), tone_rms(agent_rx, SUPERVISOR_HZ)  # the whisper reached the agent
    assert heard(agent_rx, CALLER_HZ)
    assert not heard(caller_rx, SUPERVISOR_HZ), tone_rms(caller_rx, SUPERVISOR_HZ)  # not the caller
    assert "on_hold" in states and states[states.index("on_hold") + 1] == "connected", states
