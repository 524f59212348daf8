"""The speech IVR on real calls: a pjsua2 caller with a Piper voice says a menu choice through the sandbox
Asterisk; the caller's leg is tapped to a real media worker process (Whisper tiny.en, the English engine
here: the only Vosk model, Korean, knows no English keyword), its final transcripts come back to the
controller on Redis and pick the branch. A nonsense utterance re-prompts, and the caller can then choose."""

from __future__ import annotations

import json
import wave
from pathlib import Path
from typing import Any

import pytest
import redis
from calls_helpers import RunningController, heard
from speech_audio import spoken_wav
from taps_helpers import MEDIA_REDIS_URL, LiveEvents, MediaWorkerProcess, attach_taps, clear_media_workers

from telephony.ivr.prompts import PromptRenderer
from telephony.sipua.client import place_call
from telephony.sipua.plan import CallPlan, DtmfStep

pytestmark = pytest.mark.integration

HEARD = 0.6  # normalised correlation of a prompt with what the caller received (about 0.9 when played)
MENU_PROMPT = "Please say sales, or billing."
NO_MATCH = "Sorry, I did not get that."
SPEECH_FLOW = f"""
name: speech
start: menu
default_language: en
languages: [en]
fallback: operator
nodes:
  menu:
    type: menu
    prompt: "{MENU_PROMPT}"
    no_match: "{NO_MATCH}"
    timeout: 6
    retries: 1
    options:
      "1": {{next: sales, label: sales, keywords: [sales]}}
      "2": {{next: billing, label: billing, keywords: [billing, invoice]}}
    on_failure: operator
  sales: {{type: route_queue, queue: sales}}
  billing: {{type: route_queue, queue: billing}}
  operator: {{type: route_queue, queue: general, choice: fallback}}
"""


@pytest.fixture(scope="module")
def whisper_worker(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A Whisper media worker publishing live events only (no segment store needed here)."""
    clear_media_workers()
    redis.Redis.from_url(MEDIA_REDIS_URL).delete("celery")
    media = MediaWorkerProcess("whisper", tmp_path_factory.mktemp("speech-ivr"), extra_args=("--no-store",))
    try:
        media.wait_ready()
        yield media
    finally:
        media.stop()


def speech_controller(make_controller: Any) -> RunningController:
    running: RunningController = make_controller()
    running.flow_path.write_text(SPEECH_FLOW, encoding="utf-8")
    running.start()
    attach_taps(running)
    return running


def test_a_caller_saying_billing_is_routed_to_the_billing_queue(
    call_center_asterisk: Any, make_controller: Any, whisper_worker: MediaWorkerProcess, tmp_path: Path
) -> None:
    running = speech_controller(make_controller)
    wav = tmp_path / "billing.wav"
    spoken_wav(["billing"], wav)
    with wave.open(str(wav), "rb") as audio:
        spoken_until = 3.0 + audio.getnframes() / audio.getframerate()  # after the answer
    events = LiveEvents().start()
    try:
        result = place_call(
            CallPlan("1000", call_center_asterisk.sip_server, wav=wav, play_at=3.0, hangup_after=9.0)
        )
    finally:
        events.stop()
    assert result.answered
    call = running.call_in_state("ended", wait=15)
    record = running.record_for(call.call_id, wait=20)
    said = [f["text"] for f in events.finals(call.call_id)]
    assert record.ivr_path[0] == "menu:speech 2 -> billing", (record.ivr_path, said)
    assert (record.queue_id, record.ivr_choice) == ("billing", "billing")
    # End of the word to the caller queued (VAD hangover + Whisper + Redis + IVR), for the record.
    assert call.queued_at is not None and call.ivr_started_at is not None
    print(
        json.dumps(
            {"spoken_choice_to_queued_s": round(call.queued_at - call.ivr_started_at - spoken_until, 2)}
        )
    )


def test_a_nonsense_utterance_re_prompts_and_the_caller_then_chooses_by_voice(
    call_center_asterisk: Any,
    make_controller: Any,
    whisper_worker: MediaWorkerProcess,
    prompts: PromptRenderer,
    tmp_path: Path,
) -> None:
    running = speech_controller(make_controller)
    wav = tmp_path / "nonsense-then-sales.wav"
    spoken_wav(["purple monkey dishwasher", "sales"], wav, pause=5.0)
    caller_rx = tmp_path / "caller_rx.wav"
    result = place_call(
        CallPlan(
            "1000", call_center_asterisk.sip_server, wav=wav, play_at=3.0, record=caller_rx, hangup_after=14.0
        )
    )
    assert result.answered
    record = running.record_for(running.call_in_state("ended", wait=15).call_id, wait=20)
    assert record.ivr_path[:2] == ["menu:speech not understood (1/2)", "menu:speech 1 -> sales"], (
        record.ivr_path
    )
    assert (record.queue_id, record.ivr_choice) == ("sales", "sales")
    # Never silence: the caller heard the no-match line and the menu again after the nonsense.
    assert heard(caller_rx, prompts.render(NO_MATCH, "en").path) > HEARD


def test_a_digit_still_picks_the_option_of_a_speech_menu(
    call_center_asterisk: Any, make_controller: Any, whisper_worker: MediaWorkerProcess
) -> None:
    running = speech_controller(make_controller)
    result = place_call(
        CallPlan("1000", call_center_asterisk.sip_server, dtmf=(DtmfStep("1", 1.0),), hangup_after=5.0)
    )
    assert result.answered
    record = running.record_for(running.call_in_state("ended", wait=15).call_id, wait=20)
    assert record.ivr_path[0] == "menu:dtmf 1 -> sales"
    assert (record.queue_id, record.ivr_choice) == ("sales", "sales")
