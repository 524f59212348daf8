"""A caller reads a card number and its security code on a call through Voxdesk as deployed.

The live console feed, the stored transcript (API and database), every process's log and the
call recording hold neither: the media worker masks them before any sink and, while they are read,
has the controller pause the call's recording (the live call shows ``recording_paused`` go true,
then false again). One call, Whisper as deployed for English.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from deployed_helpers import AGENT_PASSWORD, AGENT_SIP, Deployment, wait_for
from speech_audio import spoken_wav
from sqlalchemy import select

from asr.analyze import analyze_recording
from asr.engines.whisper import WhisperRecognizer
from asr.frames import TranscriptFrame
from asr.transcripts.models import TranscriptSegment
from asr.vad import WebRtcVad
from config.db import make_engine, make_session_factory
from qa.pci import contains_card_data
from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan

pytestmark = pytest.mark.integration

CALLER = [
    "Hello, I would like to pay my bill.",
    "My card number is",
    "four one one one, one one one one, one one one one, one one one one.",
    "The security code on the back is seven three nine.",
    "Thank you, that is all.",
]
# Any trace of the number or the code, in digits or words (transcripts: no clock times in them).
SPOKEN_TRACES = re.compile(r"\d[\d ,.-]{3,}\d|\b739\b|7[ ,.-]+3[ ,.-]+9|one one|seven three|thirty", re.I)
# In logs (which hold times and ports): only what a transcript of this call could leave.
# A bare 739 counts unless it is a log timestamp's milliseconds ("15:06:37,739").
LOG_TRACES = re.compile(r"4111[ -]?1111|1-1-1-1|one one one|seven three nine|(?<![\d,.:])\b739\b", re.I)


def unchanged(frame: TranscriptFrame) -> TranscriptFrame:
    return frame


class PausedWatcher:
    """Polls the live call as a supervisor's console would, noting every ``recording_paused`` value."""

    def __init__(self, deployment: Deployment) -> None:
        self.deployment = deployment
        self.call_id: str | None = None
        self.seen: list[tuple[bool, bool]] = []  # (recording, recording_paused), on change
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def _poll(self) -> None:
        while not self._stop.is_set():
            if self.call_id:
                answer = self.deployment.api("dp-sue", "GET", f"/api/calls/live/{self.call_id}")
                if answer.status_code == 200:
                    state = (answer.json()["recording"], answer.json()["recording_paused"])
                    if not self.seen or self.seen[-1] != state:
                        self.seen.append(state)
            time.sleep(0.15)

    def __enter__(self) -> PausedWatcher:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(5)


def test_a_card_read_on_a_call_is_in_no_transcript_event_log_or_recording(
    deployment: Deployment, deployed_asterisk: Any, tmp_path: Path
) -> None:
    caller_wav, agent_wav = tmp_path / "caller.wav", tmp_path / "agent.wav"
    spoken_wav(CALLER, caller_wav, pause=2.5)
    spoken_wav(["Thank you for calling, go ahead."], agent_wav, lead=1.0)
    caller_seconds = len(caller_wav.read_bytes()) / 16000
    login = deployment.api("dp-alice", "POST", "/api/agents/me/login")
    assert login.status_code == 202, login.text
    wait_for(
        lambda: deployment.api("dp-alice", "GET", "/api/agents/me").json().get("status") == "available",
        15, "the agent available", deployment.describe,
    )  # fmt: skip
    plan = CallPlan(
        "1000", deployed_asterisk.sip_server, wav=caller_wav, play_at=4.0,
        dtmf=(DtmfStep("1", 0.5),), hangup_after=4.0 + caller_seconds + 4.0,
    )  # fmt: skip
    results: list[CallResult] = []
    phone = SoftphonePlan(AGENT_SIP, AGENT_PASSWORD, deployed_asterisk.sip_server, wav=agent_wav)
    with deployment.console("dp-sue") as supervisor, PausedWatcher(deployment) as paused:
        with start_softphone(phone):
            caller = threading.Thread(target=lambda: results.append(place_call(plan)), daemon=True)
            caller.start()
            wait_for(lambda: bool(supervisor.call_ids()), 20, "the call on the console", deployment.describe)
            call_id = paused.call_id = supervisor.call_ids()[0]
            caller.join(plan.hangup_after + 25)
        assert results and results[0].answered, results
        wait_for(lambda: bool(supervisor.of_call(call_id, "call.ended")), 30, "the call's end",
                 deployment.describe)  # fmt: skip
        time.sleep(3)  # the caller's last words: recognised after the hang-up
        events = supervisor.of_call(call_id)

    # The recording was paused while the card was read, then resumed while the call was still on.
    recording_states = [p for r, p in paused.seen if r]
    assert True in recording_states, paused.seen
    assert recording_states[recording_states.index(True) :].count(False) >= 1, paused.seen

    # The live feed: the masks, never the digits.
    finals = [e for e in events if e["type"] == "transcript.final" and e["data"]["leg"] == "caller"]
    said = " ".join(f["data"]["text"] for f in finals)
    assert "[card ••••" in said and "[security code]" in said, said
    for event in events:
        if event["type"].startswith("transcript."):
            data = event["data"]
            for text in [data.get("text", ""), *(w["word"] for w in data.get("words", []))]:
                assert not SPOKEN_TRACES.search(_without_masks(text)), data

    # Stored: the transcript the API serves and the rows behind it.
    answer = deployment.api("dp-sue", "GET", f"/api/calls/{call_id}/transcript")
    assert answer.status_code == 200, answer.text
    segments = answer.json()["segments"]
    assert any("[card ••••" in s["text"] for s in segments), segments
    engine = make_engine(deployment.settings.effective_database_url)
    with make_session_factory(engine)() as session:
        rows = session.scalars(select(TranscriptSegment).where(TranscriptSegment.call_id == call_id)).all()
    engine.dispose()
    assert rows
    stored = [s["text"] for s in segments] + [r.text for r in rows]
    stored += [w["word"] for s in segments for w in s.get("words", [])] + [
        w["word"] for r in rows for w in r.words
    ]
    for text in stored:
        assert not SPOKEN_TRACES.search(_without_masks(text)), text

    # Every process's log.
    for child in deployment.children:
        log = child.log_path.read_text(errors="replace") if child.log_path.exists() else ""
        found = LOG_TRACES.search(log)
        assert found is None, f"{child.name}: {log[max(0, found.start() - 300) : found.end() + 100]}"

    # The recording: transcribed without any redaction, it holds neither the number nor the code.
    recordings = deployed_asterisk.sandbox.recordings_dir()
    path = recordings / f"voxdesk-{call_id}.wav"
    wait_for(path.exists, 10, f"{path} written", deployment.describe)
    heard = asyncio.run(
        analyze_recording(
            path,
            WhisperRecognizer(threads=2),
            lambda: WebRtcVad(16000, 2),
            make_redactor=lambda leg: unchanged,
        )
    )
    recorded = " ".join(f.text for f in heard)
    assert "pay my bill" in recorded.lower() or "thank you" in recorded.lower(), recorded  # it did record
    assert not contains_card_data(recorded) and not SPOKEN_TRACES.search(recorded), recorded
    print(f"\ncaller said (live): {said}\nrecording states: {paused.seen}\nrecording holds: {recorded}")


def _without_masks(text: str) -> str:
    return re.sub(r"\[card ••••\d{4}\]", "", text)
