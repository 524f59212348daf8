"""``voxdesk qa score CALL_ID`` on a migrated SQLite database: a recorded call scored from its record."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from scorecard_helpers import stored_call
from typer.testing import CliRunner

from config.db import make_engine, make_session_factory, session_scope
from config.migrate import upgrade
from telephony.records.models import CallRecord
from voxdesk.cli import app as voxdesk_app
from voxdesk.qa_score import score_call_command

pytestmark = pytest.mark.integration


def at(stamp: float) -> datetime:
    return datetime.fromtimestamp(stamp, UTC)


def test_a_recorded_call_is_scored_from_its_call_record_and_printed_as_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    upgrade(url)
    factory = make_session_factory(make_engine(url))
    facts = stored_call(factory, "agent7")
    with session_scope(factory) as session:
        session.add(CallRecord(
            call_id=facts.call_id, agent_id="agent7", queue_id="support", disposition="answered",
            offered_at=at(facts.offered_at or 0), answered_at=at(facts.answered_at or 0),
            ended_at=at(time.time()), talk_s=52.0, hold_s=8.0,
        ))  # fmt: skip
        session.add(
            CallRecord(call_id="abandoned", disposition="abandoned", offered_at=at(1), ended_at=at(2))
        )
    monkeypatch.setenv("VOXDESK_DATABASE_URL", url)
    monkeypatch.setenv("VOXDESK_DATA_DIR", str(tmp_path))
    cli = typer.Typer()
    cli.command("score")(score_call_command)
    cli.command("other")(lambda: None)  # a group, as under `voxdesk qa`

    result = CliRunner().invoke(cli, ["score", facts.call_id])
    assert result.exit_code == 0, result.output
    card = json.loads(result.stdout.strip().splitlines()[-1])
    assert card["call_id"] == facts.call_id and card["agent_id"] == "agent7"
    hold = next(item for item in card["items"] if item["key"] == "hold")
    assert hold["value"] == 8.0
    again = CliRunner().invoke(cli, ["score", facts.call_id])  # from the stored facts: same card
    assert again.exit_code == 0 and json.loads(again.stdout.strip().splitlines()[-1])["id"] == card["id"]

    for missing in ("abandoned", "no-such-call"):
        refused = CliRunner().invoke(cli, ["score", missing])
        assert refused.exit_code == 1 and "no answered call" in refused.output


def test_the_score_command_is_mounted_under_voxdesk_qa() -> None:
    result = CliRunner().invoke(voxdesk_app, ["qa", "score", "--help"])
    assert result.exit_code == 0 and "call_id" in result.output and "Score a finished call" in result.output
