"""``voxdesk analyze`` checks a recording as a live call (the same session, Whisper, Piper speech): a
mono agent recording gives its forbidden promise and the disclosure it never said; a mono caller
recording gives the article that answers the question."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import typer
from speech_audio import phone_band, piper_16k, silence
from typer.testing import CliRunner

from asr.audio import write_wav
from qa.analyze_cli import analyze

pytestmark = pytest.mark.integration

RULES = """
rules:
  - id: no-profit-guarantee
    kind: forbidden
    speaker: agent
    severity: high
    examples: [this investment is guaranteed to make money, you cannot lose money with this fund]
  - id: recording-notice
    kind: required
    speaker: agent
    severity: medium
    examples: [this call is recorded for quality and training purposes]
    within_s: 4
"""
KB = """key,title,body
refunds,Refunds,"To get a refund for an order, open the order and choose request refund."
delivery,Delivery times,Parcels arrive within two to four working days; track them from your account.
password,Resetting your password,Choose forgot password on the sign-in page and follow the e-mailed link.
"""


def recording(path: Path, sentences: list[str]) -> Path:
    parts = [silence(0.5)]
    for text in sentences:
        parts += [piper_16k(text), silence(1.2)]
    write_wav(path, 8000, phone_band(np.concatenate(parts)))
    return path


def run(tmp_path: Path, wav: Path, *options: str) -> list[dict[str, Any]]:
    app = typer.Typer()
    app.command()(analyze)
    result = CliRunner().invoke(app, [str(wav), "--engine", "whisper", *options])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_a_mono_agent_recording_gives_its_forbidden_promise_and_the_disclosure_never_said(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXDESK_CACHE_DIR", str(tmp_path / "cache"))
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    wav = recording(tmp_path / "agent.wav", ["Hello, thank you for calling.",
                                             "This fund is guaranteed to make you money."])  # fmt: skip
    lines = run(tmp_path, wav, "--speaker", "agent", "--rules", str(rules))
    segments = [line for line in lines if line["type"] == "segment"]
    alerts = [line for line in lines if line["type"] == "alert"]
    assert segments and {s["speaker"] for s in segments} == {"agent"}
    by_rule = {a["rule"]: a for a in alerts}
    assert len(alerts) == 2 and {(a["kind"], a["leg"]) for a in alerts} == {
        ("forbidden", "agent"), ("missing_disclosure", "agent"),
    }  # fmt: skip
    promise, missing = by_rule["no-profit-guarantee"], by_rule["recording-notice"]
    assert "guaranteed" in promise["text"].lower() and promise["start"] > segments[0]["start"]
    # Missing from its deadline: four seconds after the agent's first words.
    assert missing["start"] == pytest.approx(segments[0]["start"] + 4.0, abs=0.01)


def test_a_mono_caller_recording_gets_the_article_that_answers_the_question(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VOXDESK_CACHE_DIR", str(tmp_path / "cache"))
    kb = tmp_path / "kb.csv"
    kb.write_text(KB, encoding="utf-8")
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    wav = recording(tmp_path / "caller.wav", ["How do I get a refund for my order?"])
    lines = run(tmp_path, wav, "--kb", str(kb), "--rules", str(rules))
    suggestions = [line for line in lines if line["type"] == "suggestion"]
    assert [s["rank"] for s in suggestions] == [1, 2, 3]
    assert suggestions[0]["article"] == "refunds" and suggestions[0]["score"] > suggestions[2]["score"]
    assert not [line for line in lines if line["type"] == "alert"]  # no agent: no deadline ran
