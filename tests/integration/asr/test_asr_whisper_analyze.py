"""Offline English engine (faster-whisper tiny.en) through the analyze pipeline on a stereo call."""

from __future__ import annotations

from pathlib import Path

import jiwer
import numpy as np
import pytest
from speech_audio import AGENT_SENTENCES, CUSTOMER_SENTENCES, phone_band, piper_16k, silence, words_of

from asr.analyze import analyze_recording
from asr.audio import write_wav
from asr.pipeline import PipelineConfig
from asr.vad import WebRtcVad
from qa.pci import LegRedactor

pytestmark = pytest.mark.integration


def build_call(path: Path) -> dict[str, list[tuple[float, float, str]]]:
    """Stereo 8 kHz-band call: caller left, agent right, taking turns; ends right after the caller's
    last sentence (no trailing silence) as when the caller hangs up."""
    script = [
        ("agent", AGENT_SENTENCES[0]),
        ("caller", CUSTOMER_SENTENCES[0]),
        ("caller", CUSTOMER_SENTENCES[1]),
        ("agent", AGENT_SENTENCES[1]),
        ("caller", CUSTOMER_SENTENCES[2]),
        ("caller", CUSTOMER_SENTENCES[3]),
        ("agent", AGENT_SENTENCES[2]),
        ("caller", CUSTOMER_SENTENCES[4]),
    ]
    tracks = {"caller": [silence(0.5)], "agent": [silence(0.5)]}
    spoken: dict[str, list[tuple[float, float, str]]] = {"caller": [], "agent": []}
    now = 0.5
    for index, (speaker, text) in enumerate(script):
        speech = piper_16k(text)
        other = "agent" if speaker == "caller" else "caller"
        tracks[speaker].append(speech)
        tracks[other].append(silence(len(speech) / 16000))
        spoken[speaker].append((now, now + len(speech) / 16000, text))
        now += len(speech) / 16000
        if index < len(script) - 1:
            tracks["caller"].append(silence(0.8))
            tracks["agent"].append(silence(0.8))
            now += 0.8
    caller, agent = np.concatenate(tracks["caller"]), np.concatenate(tracks["agent"])
    write_wav(path, 8000, phone_band(caller), phone_band(agent))
    return spoken


async def test_a_stereo_call_is_transcribed_per_speaker_with_low_word_error_rate(
    tmp_path, whisper_recognizer
):
    wav = tmp_path / "call.wav"
    spoken = build_call(wav)
    finals = await analyze_recording(
        wav, whisper_recognizer, lambda: WebRtcVad(16000, 2), config=PipelineConfig(), call_id="c-42",
        make_redactor=lambda leg: LegRedactor(),
    )
    assert {f.leg.call_id for f in finals} == {"c-42"}
    for leg in ("caller", "agent"):
        mine = [f for f in finals if f.leg.leg == leg]
        reference = words_of(" ".join(text for _, _, text in spoken[leg]))
        hypothesis = words_of(" ".join(f.text for f in mine))
        error = jiwer.wer(reference, hypothesis)
        assert error <= 0.15, f"{leg}: WER {error:.2%}\nref: {reference}\nhyp: {hypothesis}"
        # Attribution: every segment of this leg lies where this speaker (not the other) talked.
        for final in mine:
            assert any(s - 0.3 <= final.start and final.end <= e + 0.3 for s, e, _ in spoken[leg]), final
            for word in final.words:
                assert 0.0 <= word.confidence <= 1.0 and word.start <= word.end
    last_start, last_end, last_text = spoken["caller"][-1]
    tail = [f for f in finals if f.leg.leg == "caller" and f.start >= last_start - 0.3]
    assert tail, "the last sentence before hang-up was lost"
    # It was recognised (most words right) and its words reach the end of the recording.
    assert jiwer.wer(words_of(last_text), words_of(" ".join(f.text for f in tail))) <= 0.5
    assert tail[-1].end >= last_end - 0.5


def test_voxdesk_analyze_prints_json_lines_and_rejects_a_file_that_is_not_a_wav(tmp_path, monkeypatch):
    import json

    import typer
    from typer.testing import CliRunner

    from qa.analyze_cli import analyze

    monkeypatch.setenv("VOXDESK_CACHE_DIR", str(tmp_path / "cache"))
    app = typer.Typer()
    app.command()(analyze)
    wav = tmp_path / "call.wav"
    spoken = build_call(wav)
    result = CliRunner().invoke(app, [str(wav), "--engine", "whisper", "--caller-channel", "left"])
    assert result.exit_code == 0, result.output
    printed = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    lines = [line for line in printed if line["type"] == "segment"]  # live QA's lines come too
    assert {line["leg"] for line in lines} == {"caller", "agent"}
    assert all(line["type"] == "segment" and line["call_id"] == "call" for line in lines)
    assert [line["start"] for line in lines] == sorted(line["start"] for line in lines)
    assert len(lines) >= len(spoken["caller"]) + len(spoken["agent"]) - 2
    junk = tmp_path / "junk.wav"
    junk.write_bytes(b"not a wav at all")
    bad = CliRunner().invoke(app, [str(junk), "--engine", "whisper"])
    assert bad.exit_code == 1 and "cannot analyze" in bad.output
