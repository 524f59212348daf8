"""``voxdesk qa check`` in a real process: JSON alert lines, the data dir's rules, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def voxdesk(*args: str, data_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VOXDESK_DATA_DIR": str(data_dir)}
    return subprocess.run(
        [sys.executable, "-m", "voxdesk.cli", "qa", "check", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_a_promise_prints_one_alert_line_and_a_negation_none(tmp_path: Path) -> None:
    done = voxdesk("I promise this investment will make you money", "--speaker", "agent", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    [line] = [json.loads(x) for x in done.stdout.splitlines()]
    assert line["type"] == "alert" and line["rule"] == "no-profit-guarantee" and line["kind"] == "forbidden"
    assert line["leg"] == "agent" and line["start"] == 0.0 and line["severity"] == "high"
    assert line["text"] == "I promise this investment will make you money" and 0 < line["score"] <= 1
    negated = voxdesk("我们无法保证收益", "--speaker", "agent", data_dir=tmp_path)
    assert negated.returncode == 0 and negated.stdout == ""
    by_caller = voxdesk("I am going to kill you", "--speaker", "caller", data_dir=tmp_path)
    assert [json.loads(x)["rule"] for x in by_caller.stdout.splitlines()] == ["caller-threat-or-abuse"]


def test_the_data_dirs_rules_apply_and_a_rules_file_replaces_them(tmp_path: Path) -> None:
    (tmp_path / "compliance_rules.yaml").write_text(
        "rules: [{id: no-hold, kind: forbidden, examples: [please hold the line]}]\n", encoding="utf-8"
    )
    done = voxdesk("please hold the line while I check", data_dir=tmp_path)
    assert [json.loads(x)["rule"] for x in done.stdout.splitlines()] == ["no-hold"]
    other = tmp_path / "other.yaml"
    other.write_text("rules: [{id: no-bye, kind: forbidden, examples: [goodbye now]}]\n", encoding="utf-8")
    done = voxdesk("please hold the line while I check", "--rules", str(other), data_dir=tmp_path)
    assert done.returncode == 0 and done.stdout == ""


def test_a_broken_rules_file_is_a_clear_error_with_exit_status_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("rules:\n  - {id: a, kind: required, examples: [say it]}\n", encoding="utf-8")
    done = voxdesk("hello", "--rules", str(broken), data_dir=tmp_path)
    assert done.returncode == 2 and done.stdout == ""
    assert "rules[0].within_s: a required rule needs within_s" in done.stderr
    assert "Traceback" not in done.stderr
    missing = voxdesk("hello", "--rules", str(tmp_path / "nope.yaml"), data_dir=tmp_path)
    assert missing.returncode == 2 and "cannot read the rules file" in missing.stderr
    wrong = voxdesk("hello", "--speaker", "boss", data_dir=tmp_path)
    assert wrong.returncode == 2
