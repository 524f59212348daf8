"""``voxdesk analyze``: a recording through the live speech pipeline and qa/ (card data masked).

Mounted by voxdesk/cli.py. It lives in qa/ because it composes asr/ with qa/'s redaction and the
live QA session of a call (:class:`qa.live.session.CallQa`: compliance alerts, disclosures said,
suggested articles, one JSON line each), which asr/ may not import. The knowledge base in the
database is read by the composition root (``analyze_command(published_kb)``): qa never imports tickets.
"""

from __future__ import annotations

import asyncio
import json
import sys
import wave
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from asr.exceptions import AsrError
from config.errors import VoxdeskError
from config.settings import AsrEngineChoice, Settings, load_settings
from qa.assist.ranker import KbRanker
from qa.live.offline import RecordingEngines
from qa.pci import LegRedactor

# The knowledge base in the database: read by the composition root (qa never imports tickets).
KbSource = Callable[[Settings], KbRanker]


class SpeakerChoice(StrEnum):
    AGENT = "agent"
    CALLER = "caller"


def _settings() -> Settings:
    try:
        return load_settings()
    except VoxdeskError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def analyze_command(published_kb: KbSource | None = None) -> Callable[..., None]:
    """The ``voxdesk analyze`` command; without ``--kb`` it suggests from ``published_kb`` (if given)."""

    def analyze(
        recording: Annotated[
            Path, typer.Argument(exists=True, dir_okay=False, help="16-bit WAV, mono or stereo")
        ],
        caller_channel: Annotated[str, typer.Option(help="left or right")] = "left",
        agent_channel: Annotated[str, typer.Option(help="left or right")] = "right",
        engine: Annotated[AsrEngineChoice | None, typer.Option(help="Override the configured engine")] = None,
        language: Annotated[
            str | None,
            typer.Option(help="Language spoken in the recording, e.g. en, zh (default: asr.language, en)"),
        ] = None,
        call_id: Annotated[
            str | None, typer.Option(help="Call id in the output (default: file name)")
        ] = None,
        speaker: Annotated[
            SpeakerChoice, typer.Option(help="Who talks on a mono recording")
        ] = SpeakerChoice.CALLER,
        rules: Annotated[
            Path | None,
            typer.Option(exists=True, dir_okay=False, help="Compliance rules YAML (default: those in force)"),
        ] = None,
        kb: Annotated[
            Path | None,
            typer.Option(exists=True, dir_okay=False, help="Knowledge base CSV/TSV (default: the published)"),
        ] = None,
    ) -> None:
        """Transcribe a recording with the live pipeline and check it as a live call: one JSON line per
        segment, compliance alert, disclosure said and suggested article.

        Card data is masked as on a live call. A speech model of another language than the
        recording's is refused, never run.
        """
        # Imported here: every `voxdesk` command mounts this one, and the speech stack is slow to load.
        from asr.analyze import analyze_recording
        from asr.engines.select import build_recognizer
        from asr.pipeline import PipelineConfig
        from asr.vad import make_vad
        from qa.live.offline import analyze_lines

        settings = _settings()
        engines = _engines(settings, rules, kb, published_kb)
        overrides: dict[str, object] = {"engine": engine} if engine is not None else {}
        if language is not None:
            overrides["language"] = language
        asr = settings.asr.model_copy(update=overrides)
        try:
            with wave.open(str(recording), "rb") as wav:
                mono, seconds = wav.getnchannels() == 1, wav.getnframes() / wav.getframerate()
            recognizer = build_recognizer(asr, settings.cache_dir)
            typer.echo(f"engine: {recognizer.describe()}", err=True)
            finals = asyncio.run(
                analyze_recording(
                    recording,
                    recognizer,
                    lambda: make_vad(asr.vad, 16000, asr.vad_mode),
                    config=PipelineConfig.from_settings(asr),
                    caller_channel=caller_channel,
                    agent_channel=agent_channel,
                    call_id=call_id,
                    make_redactor=lambda leg: LegRedactor(),
                )
            )
        except (AsrError, ValueError, EOFError, wave.Error) as exc:
            typer.secho(f"cannot analyze {recording}: {exc}", fg=typer.colors.RED, err=True)
            raise typer.Exit(1) from None
        # A mono recording is one leg (named caller by the pipeline): --speaker says who talks on it.
        speakers = {"caller": speaker.value} if mono else {}
        name = call_id or recording.stem
        for line in analyze_lines(finals, engines, speakers=speakers, end=seconds, call_id=name):
            sys.stdout.write(json.dumps(line) + "\n")

    return analyze


def _engines(
    settings: Settings, rules: Path | None, kb: Path | None, published_kb: KbSource | None
) -> RecordingEngines:
    """The rules and articles to check against: the files given, else those in force."""
    from qa.assist.kb_file import read_kb_file
    from qa.compliance.engine import ComplianceEngine
    from qa.compliance.store import current_engine, read_rules_file

    try:
        compliance = ComplianceEngine(read_rules_file(rules)) if rules else current_engine(settings)
        ranker = KbRanker(read_kb_file(kb)) if kb else None
    except VoxdeskError as exc:  # a broken rules or KB file: every problem with its place
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None
    if ranker is None and published_kb is not None:
        try:
            ranker = published_kb(settings)
        except Exception as exc:  # no database here: the recording is still transcribed and checked
            reason = (str(exc).splitlines() or [type(exc).__name__])[0]  # not the whole SQL statement
            typer.secho(f"no suggestions: the knowledge base cannot be read ({reason})", err=True)
    return RecordingEngines(compliance, ranker)


analyze = analyze_command()  # without the database's knowledge base (tests, or --kb FILE)
