"""``voxdesk analyze``: a recording through the live speech pipeline and qa/ (card data masked).

Mounted by voxdesk/cli.py. It lives in qa/ because it composes asr/ with qa/'s redaction (and the
compliance and assist checks), which asr/ may not import.
"""

from __future__ import annotations

import asyncio
import json
import sys
import wave
from pathlib import Path
from typing import Annotated

import typer

from asr.exceptions import AsrError
from config.errors import VoxdeskError
from config.settings import AsrEngineChoice, Settings, load_settings
from qa.pci import LegRedactor


def _settings() -> Settings:
    try:
        return load_settings()
    except VoxdeskError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


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
    call_id: Annotated[str | None, typer.Option(help="Call id in the output (default: file name)")] = None,
) -> None:
    """Transcribe a recording with the live pipeline; prints one JSON line per segment.

    Card data is masked as on a live call. A speech model of another language than the
    recording's is refused, never run.
    """
    # Imported here: every `voxdesk` command mounts this one, and the speech stack is slow to load.
    from asr.analyze import analyze_recording
    from asr.engines.select import build_recognizer
    from asr.pipeline import PipelineConfig
    from asr.vad import make_vad

    settings = _settings()
    overrides: dict[str, object] = {"engine": engine} if engine is not None else {}
    if language is not None:
        overrides["language"] = language
    asr = settings.asr.model_copy(update=overrides)
    try:
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
    for final in finals:
        sys.stdout.write(json.dumps({"type": "segment", **final.as_dict()}) + "\n")
