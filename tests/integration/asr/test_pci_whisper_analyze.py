"""A card number and a security code read out (Piper) through the real Whisper pipeline: `voxdesk
analyze` prints neither, in any form, in a segment's text or its words; without the redactor the
same audio does give the digits (so the test hears what it claims to hide)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
import typer
from speech_audio import phone_band, piper_16k, silence
from typer.testing import CliRunner

from asr.analyze import analyze_recording
from asr.audio import write_wav
from asr.frames import TranscriptFrame
from asr.vad import WebRtcVad
from qa.analyze_cli import analyze
from qa.pci import contains_card_data

pytestmark = pytest.mark.integration

SENTENCES = [
    "My card number is four one one one, one one one one, one one one one, one one one one.",
    "The security code on the back is seven three nine.",
    "Thank you.",
]
TRACES = re.compile(r"\d[\d ,.-]{3,}\d|739|7[ ,.-]+3[ ,.-]+9|seven|thirty", re.IGNORECASE)


def unchanged(frame: TranscriptFrame) -> TranscriptFrame:
    return frame


def card_call(path: Path) -> None:
    parts = [silence(0.5)]
    for text in SENTENCES:
        parts += [piper_16k(text), silence(1.0)]
    write_wav(path, 8000, phone_band(np.concatenate(parts)))


async def test_the_recording_holds_the_digits_the_redacted_analysis_hides(tmp_path, whisper_recognizer):
    wav = tmp_path / "card.wav"
    card_call(wav)
    raw = await analyze_recording(
        wav, whisper_recognizer, lambda: WebRtcVad(16000, 2), make_redactor=lambda leg: unchanged
    )
    heard = " ".join(f.text for f in raw)
    assert contains_card_data(heard), heard  # Whisper did hear a card number and a security code


def test_voxdesk_analyze_prints_no_card_number_and_no_security_code(tmp_path, monkeypatch):
    monkeypatch.setenv("VOXDESK_CACHE_DIR", str(tmp_path / "cache"))
    wav = tmp_path / "card.wav"
    card_call(wav)
    app = typer.Typer()
    app.command()(analyze)
    result = CliRunner().invoke(app, [str(wav), "--engine", "whisper"])
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    lines = [line for line in lines if line["type"] == "segment"]  # live QA's lines have no words
    printed = " ".join(line["text"] for line in lines)
    assert "[card ••••1111]" in printed and "[security code]" in printed, printed
    for line in lines:
        words = " ".join(w["word"] for w in line["words"])
        for text in (line["text"], words):
            assert not TRACES.search(text.replace("[card ••••1111]", "")), text
        if "[" in line["text"]:
            assert line["text"] == words  # text and words redacted by one pass
