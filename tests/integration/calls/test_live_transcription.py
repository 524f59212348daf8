"""Live transcription of both legs of a real call: Piper speech from pjsua2 parties through the sandbox
Asterisk, snoop + externalMedia taps to a media worker process (Whisper tiny.en), segments stored by a
real Celery worker in PostgreSQL and published live on Redis."""

from __future__ import annotations

import threading
import time
import wave
from pathlib import Path
from typing import Any

import jiwer
import pytest
import redis
from calls_helpers import AGENT_PASSWORD, wait_until
from desk.celery_worker import Worker
from speech_audio import AGENT_SENTENCES, CUSTOMER_SENTENCES, spoken_wav, words_of
from taps_helpers import (
    MEDIA_REDIS_URL,
    LiveEvents,
    MediaWorkerProcess,
    attach_taps,
    clear_media_workers,
    wait_released,
)

from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentPublic
from config.db import make_engine, make_session_factory, session_scope
from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def transcripts_db(migrated_postgres: Any) -> str:
    url: str = migrated_postgres("taps")
    return url


@pytest.fixture(scope="module")
def speech_workers(transcripts_db: str, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A Whisper media worker and a Celery worker that stores its segments, for the whole module."""
    logs = tmp_path_factory.mktemp("taps-workers")
    clear_media_workers()
    redis.Redis.from_url(MEDIA_REDIS_URL).delete("celery")  # jobs left by an earlier, killed run
    store = Worker("taps-store", transcripts_db, MEDIA_REDIS_URL, logs)
    media = MediaWorkerProcess("whisper", logs)
    try:
        store.wait_ready()
        media.wait_ready()
        yield media
    finally:
        media.stop()
        store.stop()


def stored(db_url: str, call_id: str) -> list[TranscriptSegmentPublic]:
    factory = make_session_factory(make_engine(db_url))
    with session_scope(factory) as session:
        return TranscriptRepository(session).for_call(call_id)


def test_both_legs_of_a_call_are_transcribed_live_stored_per_speaker_and_the_last_words_kept(
    call_center_asterisk: Any,
    make_controller: Any,
    speech_workers: MediaWorkerProcess,
    transcripts_db: str,
    tmp_path: Path,
) -> None:
    caller_wav, agent_wav = tmp_path / "caller.wav", tmp_path / "agent.wav"
    spoken_wav(CUSTOMER_SENTENCES, caller_wav, pause=1.2)
    spoken_wav(AGENT_SENTENCES, agent_wav, pause=1.2, lead=1.0)
    with wave.open(str(caller_wav), "rb") as wav:
        caller_seconds = wav.getnframes() / wav.getframerate()

    running = make_controller().start()
    taps = attach_taps(running)
    running.login("cc-agent1")
    events = LiveEvents().start()
    play_at = 1.0
    results: list[CallResult] = []
    plan = CallPlan(
        "1000",
        call_center_asterisk.sip_server,
        wav=caller_wav,
        play_at=play_at,
        dtmf=(DtmfStep("1", 0.3),),
        # The caller hangs up 0.3 s after their last word: less than the VAD's hangover, so only the
        # hang-up flush can bring that sentence in.
        hangup_after=play_at + caller_seconds + 0.3,
    )
    softphone = SoftphonePlan("cc-agent1", AGENT_PASSWORD, call_center_asterisk.sip_server, wav=agent_wav)
    try:
        with start_softphone(softphone):
            thread = threading.Thread(target=lambda: results.append(place_call(plan)), daemon=True)
            thread.start()
            call = running.call_in_state("connected", wait=15)
            tapped = taps.service.store
            wait_until(
                lambda: _legs(running, tapped, call.call_id) == {"caller", "agent"}, 10, "both legs tapped"
            )
            thread.join(plan.hangup_after + 20)
        assert results and results[0].answered
        wait_released(taps, call.call_id, {"caller", "agent"})
        last = words_of(CUSTOMER_SENTENCES[-1])

        def complete() -> bool:
            caller = [s for s in stored(transcripts_db, call.call_id) if s.leg == "caller"]
            return bool(caller) and jiwer.wer(last, words_of(caller[-1].text)) <= 0.5

        wait_until(complete, 60, "the caller's last sentence stored")
        time.sleep(1.0)  # any straggling store job
    finally:
        events.stop()
    segments = stored(transcripts_db, call.call_id)
    for leg, sentences, speaker in (
        ("caller", CUSTOMER_SENTENCES, None),
        ("agent", AGENT_SENTENCES, "cc-agent1"),
    ):
        mine = [s for s in segments if s.leg == leg]
        assert mine, f"nothing stored for the {leg}"
        assert {s.speaker for s in mine} == {speaker}
        reference = words_of(" ".join(sentences))
        hypothesis = words_of(" ".join(s.text for s in mine))
        error = jiwer.wer(reference, hypothesis)
        assert error <= 0.15, f"{leg}: WER {error:.2%}\nref: {reference}\nhyp: {hypothesis}"
        assert all(s.end >= s.start for s in mine) and all(s.engine for s in mine)
    # The last stored caller segment is the sentence said just before hanging up.
    caller_segments = [s for s in segments if s.leg == "caller"]
    assert jiwer.wer(words_of(CUSTOMER_SENTENCES[-1]), words_of(caller_segments[-1].text)) <= 0.5
    # Every stored segment was also published live to subscribers of the call.
    live = [(f["leg"], f["start"], f["text"]) for f in events.finals(call.call_id)]
    for segment in segments:
        # Start times are compared within 10 ms: the event and the row round them separately.
        assert any(
            leg == segment.leg and text == segment.text and abs(start - segment.start) <= 0.01
            for leg, start, text in live
        ), segment
    # Nothing left behind: no tap channels in Asterisk, no legs on the worker, no tap keys.
    channels = running.run(lambda c: c.rest.list_channels())
    assert not [ch.id for ch in channels if ch.id.startswith("tap-")]
    wait_until(lambda: (speech_workers.load() or {}).get("legs") == 0, 5, "worker legs released")
    assert not _legs(running, tapped, call.call_id)


def _legs(running: Any, store: Any, call_id: str) -> set[str]:
    async def legs(_controller: Any) -> set[str]:
        return {tap.leg for tap in await store.legs(call_id) if tap.ready}

    found: set[str] = running.run(legs)
    return found
