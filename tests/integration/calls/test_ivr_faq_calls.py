"""The IVR's FAQ step on real calls: a pjsua2 caller with a Piper voice asks a question through the
sandbox Asterisk; the caller's leg is tapped to a real Whisper media worker whose final transcript comes
back to the controller, the FAQ bot answers from the knowledge base in the controller's database, and the
answer is synthesised (Piper) and played to the caller. A question the knowledge base does not cover is
handed to the fallback queue with the question in the call's IVR path."""

from __future__ import annotations

import asyncio
import json
import wave
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import redis
from calls_helpers import RunningController, heard
from speech_audio import spoken_wav
from taps_helpers import MEDIA_REDIS_URL, LiveEvents, MediaWorkerProcess, attach_taps, clear_media_workers

from config.db import make_engine, make_session_factory, session_scope
from telephony.ivr.faq import FaqAnswer
from telephony.ivr.prompts import PromptRenderer
from telephony.sipua.client import place_call
from telephony.sipua.plan import CallPlan, DtmfStep
from tickets.kb.models import ArticleStatus, KbArticle

pytestmark = pytest.mark.integration

HEARD = 0.6  # normalised correlation of a prompt with what the caller received (about 0.9 when played)
ASK = "Tell me in a few words what you are calling about."
INTRO = "I am an automated assistant. Here is what I found."
CONFIRM = (
    "Did that answer your question? Press 1 if yes, or 2, or just stay on the line, to speak to an agent."
)
HANDOVER = "Let me connect you to an agent."
FAQ_FLOW = """
name: faq
start: ask
default_language: en
languages: [en]
fallback: operator
nodes:
  ask: {type: faq, timeout: 8, bot_timeout: 5, confirm_timeout: 15}
  operator: {type: route_queue, queue: general, choice: fallback}
"""
ARTICLES = [
    (
        "How to request a refund",
        "Refunds go back to the card or account that paid, within five working days of our approval. "
        "Find the order number on your receipt and call us, or reply to your order e-mail.",
    ),
    (
        "Resetting your router",
        "Unplug the router, wait thirty seconds and plug it back in. "
        "When the light turns green you are online.",
    ),
    (
        "Understanding your invoice",
        "Your monthly invoice lists the plan, any calls outside it and taxes. "
        "It is paid by direct debit on the 10th.",
    ),
]
QUESTION = "How long does it take to get my refund?"
UNKNOWN = "Can you recommend a good pizza place near the station?"


@pytest.fixture(scope="module")
def whisper_worker(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A Whisper media worker publishing live events only (no segment store needed here)."""
    clear_media_workers()
    redis.Redis.from_url(MEDIA_REDIS_URL).delete("celery")
    media = MediaWorkerProcess("whisper", tmp_path_factory.mktemp("faq-ivr"), extra_args=("--no-store",))
    try:
        media.wait_ready()
        yield media
    finally:
        media.stop()


def faq_controller(make_controller: Any) -> RunningController:
    """A controller running the FAQ flow over a knowledge base of three published articles, its bot
    loaded before the first call (as the controller does in the background when it starts)."""
    running: RunningController = make_controller()
    with session_scope(make_session_factory(make_engine(running.db_url))) as session:
        for title, body in ARTICLES:
            session.add(
                KbArticle(title=title, body=body, status=ArticleStatus.PUBLISHED.value, updated_by="test")
            )
    running.flow_path.write_text(FAQ_FLOW, encoding="utf-8")
    running.start()
    attach_taps(running)
    assert running.controller is not None and running.controller.stasis.faq is not None
    running.controller.stasis.faq.warm_up()
    return running


def seconds(path: Path) -> float:
    with wave.open(str(path), "rb") as audio:
        return audio.getnframes() / audio.getframerate()


def onset(recording: Path, prompt: Path) -> float:
    """Where (seconds into ``recording``) the first second of ``prompt`` is heard best."""

    def samples(path: Path) -> np.ndarray:
        with wave.open(str(path), "rb") as audio:
            data = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2").astype(np.float64)
            return data.reshape(-1, audio.getnchannels()).mean(axis=1)

    rec, chunk = samples(recording), samples(prompt)[:8000]
    corr = np.correlate(rec, chunk, mode="valid")
    energy = np.sqrt(np.maximum(np.convolve(rec**2, np.ones(len(chunk)), mode="valid"), 1e-9))
    return float(np.argmax(np.abs(corr) / energy)) / 8000


def bot_answer(running: RunningController, question: str) -> FaqAnswer:
    assert running.controller is not None and running.controller.stasis.faq is not None
    return asyncio.run(running.controller.stasis.faq.answer(question, "en"))


def test_a_question_the_knowledge_base_answers_is_read_out_and_the_caller_confirms_it(
    call_center_asterisk: Any,
    make_controller: Any,
    whisper_worker: MediaWorkerProcess,
    prompts: PromptRenderer,
    tmp_path: Path,
) -> None:
    running = faq_controller(make_controller)
    expected = bot_answer(running, QUESTION)
    assert expected.answered, expected
    answer = prompts.render(expected.text, "en")
    wav = tmp_path / "question.wav"
    spoken_wav([QUESTION], wav)
    # Press 1 once the intro, the answer and "did that answer your question?" have been played:
    # the question ends, ~2.5 s to recognise and answer it, then the three prompts, then a margin.
    speaking_from = seconds(prompts.render(ASK, "en").path) + 0.5
    played = sum(seconds(prompts.render(text, "en").path) for text in (INTRO, CONFIRM)) + seconds(answer.path)
    press_at = speaking_from + seconds(wav) + 2.5 + played + 2.0
    caller_rx = tmp_path / "caller_rx.wav"
    events = LiveEvents().start()
    try:
        result = place_call(
            CallPlan(
                "1000",
                call_center_asterisk.sip_server,
                wav=wav,
                play_at=speaking_from,
                dtmf=(DtmfStep("1", press_at),),
                record=caller_rx,
                hangup_after=press_at + 12.0,  # the IVR hangs up after its goodbye: a margin under load
            )
        )
    finally:
        events.stop()
    assert result.answered
    call = running.call_in_state("ended", wait=15)
    record = running.record_for(call.call_id, wait=20)
    said = [f["text"] for f in events.finals(call.call_id)]
    assert record.ivr_path[0].startswith("ask:asked: "), (record.ivr_path, said)
    assert record.ivr_path[1:] == [
        f"ask:bot answered kb:{expected.article_key}",
        "ask:answer confirmed (dtmf 1)",
        "ask:hangup",
    ], (record.ivr_path, said)
    assert record.disposition == "ivr_hangup" and record.queue_id is None
    assert heard(caller_rx, prompts.render(INTRO, "en").path) > HEARD
    assert heard(caller_rx, answer.path) > HEARD  # the knowledge base's answer reached the caller
    assert heard(caller_rx, prompts.render("Thank you for calling. Goodbye.", "en").path) > HEARD
    # End of the question to the assistant's voice (VAD hangover + Whisper + bot), as the caller hears it.
    to_voice = onset(caller_rx, prompts.render(INTRO, "en").path) - speaking_from - seconds(wav)
    print(
        json.dumps(
            {"faq_path": record.ivr_path, "heard": said, "question_end_to_answer_s": round(to_voice, 2)}
        )
    )


def test_a_question_the_knowledge_base_does_not_cover_goes_to_the_queue_with_the_question(
    call_center_asterisk: Any,
    make_controller: Any,
    whisper_worker: MediaWorkerProcess,
    prompts: PromptRenderer,
    tmp_path: Path,
) -> None:
    running = faq_controller(make_controller)
    wav = tmp_path / "unknown.wav"
    spoken_wav([UNKNOWN], wav)
    speaking_from = seconds(prompts.render(ASK, "en").path) + 0.5
    caller_rx = tmp_path / "caller_rx.wav"
    result = place_call(
        CallPlan(
            "1000",
            call_center_asterisk.sip_server,
            wav=wav,
            play_at=speaking_from,
            record=caller_rx,
            hangup_after=speaking_from + seconds(wav) + 8.0,
        )
    )
    assert result.answered
    call = running.call_in_state("ended", wait=15)
    record = running.record_for(call.call_id, wait=20)
    assert record.ivr_path[0].startswith("ask:asked: "), record.ivr_path
    assert "pizza" in record.ivr_path[0].lower(), record.ivr_path
    assert record.ivr_path[1].startswith("ask:bot handed over ("), record.ivr_path  # with the bot's reason
    assert record.ivr_path[2:] == ["operator:routetoqueue general"]
    assert (record.queue_id, record.ivr_choice) == ("general", "fallback")
    assert heard(caller_rx, prompts.render(HANDOVER, "en").path) > HEARD
    assert call.queued_at is not None and call.ivr_started_at is not None
    # End of the question to the caller queued (VAD hangover + Whisper + bot + "let me connect you").
    spoken_until = speaking_from + seconds(wav)
    waited = call.queued_at - call.ivr_started_at - spoken_until
    print(json.dumps({"unknown_question_end_to_queued_s": round(waited, 2)}))
