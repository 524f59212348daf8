"""kill -9 of a deployed process during a connected call: ``voxdesk up`` restarts it, the call stays up
and carries on. Everything runs as deployed: ``voxdesk up`` with its sandbox Asterisk, embedded Redis,
web, Celery worker, media worker (Whisper) and call controller as separate processes, a pjsua2 caller
and an agent softphone. On main before the supervisor restarted children, the first kill stopped
everything, Asterisk and the call included."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fault_helpers import (
    AGENT,
    AGENT_PASSWORD,
    Deployed,
    call_events,
    start_voxdesk,
    stop_voxdesk,
    wait_until,
)
from speech_audio import AGENT_SENTENCES, CUSTOMER_SENTENCES, spoken_wav

from asr.transcripts.repository import TranscriptRepository
from config.db import make_engine, make_session_factory, session_scope
from telephony.calls.model import Call
from telephony.commands.bus import send_command
from telephony.commands.schemas import AgentLogin
from telephony.records.models import CallRecord
from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

MEDIA, CONTROLLER, WEB = "voxdesk.processes media", "voxdesk.processes controller", "uvicorn"


@pytest.fixture
def deployed(tmp_path: Path) -> Iterator[Deployed]:
    running = start_voxdesk(tmp_path)
    try:
        yield running
    finally:
        stop_voxdesk(running)


def live_call(deployed: Deployed) -> Call | None:
    client = deployed.redis
    for key in client.scan_iter("voxdesk:call:*"):
        if client.type(key) == b"hash":
            call = Call.from_redis(client.hgetall(key))
            if call.state == "connected":
                return call
    return None


def caller_finals_after(deployed: Deployed, call_id: str, epoch_ms: int) -> list[str]:
    return [
        event["data"]["text"]
        for at, event in call_events(deployed.redis, call_id)
        if at > epoch_ms and event["type"] == "transcript.final" and event["data"]["leg"] == "caller"
    ]


def caller_tap_worker(deployed: Deployed, call_id: str) -> str | None:
    raw = deployed.redis.hget(f"voxdesk:taps:{call_id}", "caller")
    tap = json.loads(raw) if raw else None
    return str(tap["worker_id"]) if tap and tap["ready"] else None


def test_kill_9_of_the_media_worker_then_of_the_controller_leaves_the_call_up_and_transcribed(
    deployed: Deployed, tmp_path: Path
) -> None:
    caller_wav, agent_wav = tmp_path / "caller.wav", tmp_path / "agent.wav"
    spoken_wav(CUSTOMER_SENTENCES * 4, caller_wav, pause=1.5, lead=4.0)  # about 80 s of talk
    spoken_wav(AGENT_SENTENCES, agent_wav, pause=1.5, lead=1.0)
    # Both kills and their checks were done ~35 s into the call (media re-tapped 8 s after its kill,
    # controller active 5 s after its); 60 s leaves a wide margin, and a caller cut off fails below.
    talk = 60.0
    with start_softphone(
        SoftphonePlan(
            AGENT, AGENT_PASSWORD, deployed.sip_server, wav=agent_wav, record=tmp_path / "agent-rx.wav"
        ),
        wait_registered=20,
    ) as phone:
        send_command(deployed.redis, AgentLogin(agent_id=AGENT, endpoint=f"PJSIP/{AGENT}", queues=["sales"]))
        wait_until(
            lambda: deployed.redis.hget(f"voxdesk:agent:{AGENT}", "state") == b'"available"',
            20,
            "the agent logged in",
            deployed.child_log("controller"),
        )
        results: list[CallResult] = []
        plan = CallPlan(
            "1000",
            deployed.sip_server,
            wav=caller_wav,
            play_at=0.5,
            dtmf=(DtmfStep("1", 0.5),),
            hangup_after=talk,
        )
        caller = threading.Thread(target=lambda: results.append(place_call(plan)), daemon=True)
        caller.start()
        wait_until(
            lambda: live_call(deployed) is not None,
            30,
            "the call connected to the agent",
            deployed.child_log("controller"),
        )
        connected = live_call(deployed)
        connected_at = time.monotonic()
        assert connected is not None
        call_id = connected.call_id
        wait_until(
            lambda: bool(caller_finals_after(deployed, call_id, 0)),
            40,
            "a first caller transcript",
            deployed.child_log("media"),
        )
        first_worker = caller_tap_worker(deployed, call_id)
        others = {name: deployed.pid_of(name) for name in (CONTROLLER, WEB)}

        # 1. The media worker dies: restarted, the caller's leg is tapped again, transcripts resume.
        killed_media = deployed.kill_9(MEDIA)
        media_killed_at = time.monotonic()
        wait_until(
            lambda: deployed.restarted(MEDIA, killed_media), 10, "the media worker restarted", deployed.log
        )
        wait_until(
            lambda: caller_tap_worker(deployed, call_id) not in (None, first_worker),
            40,
            "the caller's leg tapped on the restarted worker",
            deployed.child_log("controller"),
        )
        retapped_at = int(time.time() * 1000)
        figures = {"media_kill_to_retap_s": round(time.monotonic() - media_killed_at, 1)}
        wait_until(
            lambda: bool(caller_finals_after(deployed, call_id, retapped_at)),
            30,
            "caller transcripts after the media worker's restart",
            deployed.child_log("media"),
        )
        assert {name: deployed.pid_of(name) for name in (CONTROLLER, WEB)} == others  # nobody else restarted
        assert caller.is_alive() and live_call(deployed) is not None

        # 2. The controller dies: restarted, it carries on with the call (taps untouched).
        lease = "voxdesk:telephony:controller-lease"
        old_holder = deployed.redis.get(lease)
        killed_controller = deployed.kill_9(CONTROLLER)
        controller_killed_at = time.monotonic()
        wait_until(
            lambda: deployed.restarted(CONTROLLER, killed_controller),
            10,
            "the controller restarted",
            deployed.log,
        )
        wait_until(
            lambda: deployed.redis.get(lease) not in (None, old_holder),
            40,
            "the restarted controller active (its lease)",
            deployed.child_log("controller"),
        )
        after_controller = int(time.time() * 1000)
        figures["controller_kill_to_active_s"] = round(time.monotonic() - controller_killed_at, 1)
        print("restart figures:", json.dumps(figures))
        wait_until(
            lambda: bool(caller_finals_after(deployed, call_id, after_controller)),
            30,
            "caller transcripts after the controller's restart",
            deployed.child_log("media"),
        )
        figures["checks_done_into_call_s"] = round(time.monotonic() - connected_at, 1)
        print("call figures:", json.dumps(figures))
        assert caller.is_alive(), "the caller was cut off"
        caller.join(talk + 30)
        phone_result = phone.stop()
    assert results and results[0].answered, results
    assert results[0].talk_seconds is not None and results[0].talk_seconds > talk - 1.5  # nobody cut it short
    assert phone_result.calls_answered == 1

    # The restarted controller ends the call record properly at the caller's hang-up.
    factory = make_session_factory(make_engine(deployed.database_url))

    def record() -> CallRecord | None:
        from sqlalchemy import select

        with session_scope(factory) as session:
            return session.scalars(select(CallRecord).where(CallRecord.call_id == call_id)).first()

    wait_until(lambda: record() is not None, 20, "the call record", deployed.child_log("controller"))
    saved = record()
    assert saved is not None and (saved.disposition, saved.agent_id) == ("answered", AGENT)
    assert saved.talk_s is not None and saved.talk_s > talk - 15

    # The caller's words in the order they were published, from both media workers: the re-tapped leg
    # went on with its leg clock, so the transcript reads in order and stored times never clash.
    published = [
        event["data"]
        for _at, event in call_events(deployed.redis, call_id)
        if event["type"] == "transcript.final" and event["data"]["leg"] == "caller"
    ]
    published_starts = [final["start"] for final in published]
    assert published_starts == sorted(published_starts), published_starts
    assert len(published) >= 8 and published_starts[-1] > 40.0, published_starts

    def caller_segments() -> list[float]:
        with session_scope(factory) as session:
            return [s.start for s in TranscriptRepository(session).for_call(call_id) if s.leg == "caller"]

    wait_until(
        lambda: len(caller_segments()) >= len(published),
        30,
        "stored caller segments",
        deployed.child_log("worker"),
    )
    stored = caller_segments()  # every published segment stored once, none lost to a clash of times
    assert len(stored) == len(published), (stored, published_starts)
    assert all(abs(a - b) < 0.002 for a, b in zip(stored, published_starts, strict=True))

    # 3. The web process dies too: restarted, the console answers again; Asterisk never stopped.
    killed_web = deployed.kill_9(WEB)
    wait_until(lambda: deployed.restarted(WEB, killed_web), 10, "the web process restarted", deployed.log)

    def healthy() -> bool:
        try:
            return httpx.get(deployed.url + "health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(healthy, 60, "the restarted console", deployed.child_log("web"))
    assert httpx.get(deployed.url + "health", timeout=5).json()["checks"]["asterisk"]["ok"]
    assert "restarting it in" in deployed.log.read_text()
