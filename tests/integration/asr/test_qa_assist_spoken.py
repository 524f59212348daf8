"""Agent assist on speech: English questions spoken by Piper, sent through the real speech pipeline
(phone-band audio, WebRTC VAD, Whisper tiny.en), each transcript ranked against the test knowledge
base. Recognition errors are part of what is measured."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from speech_audio import spoken_wav

from asr.analyze import analyze_recording
from asr.pipeline import PipelineConfig
from asr.vad import WebRtcVad
from qa.assist.kb_file import read_kb_file
from qa.assist.ranker import KbRanker
from qa.assist.session import AssistSession
from qa.pci import LegRedactor

pytestmark = pytest.mark.integration

DATA = Path(__file__).resolve().parents[2] / "data" / "qa"


async def test_spoken_questions_find_their_article_first_at_least_9_times_in_10(
    tmp_path: Path, whisper_recognizer: object
) -> None:
    questions = [
        q
        for q in yaml.safe_load((DATA / "assist_questions.yaml").read_text(encoding="utf-8"))["questions"]
        if q.get("spoken")
    ]
    assert len(questions) >= 12
    wav = tmp_path / "questions.wav"
    starts = spoken_wav([q["text"] for q in questions], wav, pause=3.0, lead=0.5)
    finals = await analyze_recording(
        wav,
        whisper_recognizer,
        lambda: WebRtcVad(16000, 2),
        config=PipelineConfig(),
        call_id="assist",
        make_redactor=lambda leg: LegRedactor(),  # as on a live call
    )
    ranker = KbRanker(read_kb_file(DATA / "kb_articles.csv"))
    bounds = [*starts[1:], float("inf")]
    top1 = top3 = 0
    report = []
    for question, start, end in zip(questions, starts, bounds, strict=True):
        session = AssistSession(ranker)  # one per question: each is its own short call
        heard = [f for f in finals if start <= (f.start + f.end) / 2 < end]  # VAD pads segments
        for final in heard:
            session.hear("caller", final.text, at=final.end)
        keys = [s.article_key for s in session.latest.suggestions] if session.latest else []
        top1 += bool(keys) and keys[0] == question["expect"]
        top3 += question["expect"] in keys
        report.append((question["text"], " ".join(f.text for f in heard), question["expect"], keys))
    print(f"spoken top-1 {top1}/{len(questions)}, top-3 {top3}/{len(questions)}")
    for line in report:
        print(line)
    assert top1 / len(questions) >= 0.90, report
    assert top3 / len(questions) >= 0.95, report
