"""``voxdesk qa check TEXT``: the compliance rules in effect (or a rules file) against one text.

Prints one JSON line per alert, the same lines ``voxdesk analyze`` prints for a recording. A rules
file that cannot be used is an error listing every problem (exit status 2).
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from config.settings import load_settings
from qa.compliance.engine import ComplianceEngine
from qa.compliance.exceptions import ComplianceRuleFileError
from qa.compliance.model import CHANNELS, Finding, Utterance
from qa.compliance.store import current_engine, read_rules_file

qa_app = typer.Typer(help="Quality assurance: compliance checks.")


class SpeakerChoice(StrEnum):
    AGENT = "agent"
    CALLER = "caller"


def alert_line(finding: Finding) -> dict[str, object]:
    """The JSON line of one finding ("alert" or "requirement_met"), as the command line prints it."""
    kind = "requirement_met" if finding.kind == "requirement_met" else "alert"
    return {
        "type": kind, "rule": finding.rule_id, "kind": finding.kind, "leg": finding.speaker,
        "text": finding.text, "start": finding.start, "severity": finding.severity,
        "score": finding.score,
    }  # fmt: skip


@qa_app.command("check")
def check(
    text: Annotated[str, typer.Argument(help="What was said or written")],
    speaker: Annotated[SpeakerChoice, typer.Option(help="Who said it")] = SpeakerChoice.AGENT,
    rules: Annotated[
        Path | None, typer.Option(help="A compliance rules file (default: the rules in effect)")
    ] = None,
    channel: Annotated[str, typer.Option(help=f"One of {', '.join(CHANNELS)}")] = "voice",
) -> None:
    """Print one JSON line per forbidden statement the rules find in TEXT."""
    if channel not in CHANNELS:
        typer.echo(f"error: unknown channel {channel!r}; channels are {', '.join(CHANNELS)}", err=True)
        raise typer.Exit(2)
    try:
        engine = ComplianceEngine(read_rules_file(rules)) if rules else current_engine(load_settings())
    except ComplianceRuleFileError as exc:
        typer.echo(f"error: {exc.summary}", err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(2) from None
    for finding in engine.check(Utterance(speaker.value, text), channel=channel):
        typer.echo(json.dumps(alert_line(finding), ensure_ascii=False))
