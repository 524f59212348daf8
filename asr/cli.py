"""``voxdesk models ...``: mounted by voxdesk/cli.py (``voxdesk analyze`` lives in qa/analyze_cli.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from asr.exceptions import AsrError
from asr.models_cli.catalogue import load_catalogue
from asr.models_cli.download import download, unpack_model
from config.errors import VoxdeskError
from config.settings import Settings, load_settings

models_app = typer.Typer(
    help="Speech models: list what is installed, pull official Vosk models.", no_args_is_help=True
)


def _settings() -> Settings:
    try:
        return load_settings()
    except VoxdeskError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


@models_app.command("list")
def list_models() -> None:
    """Show installed models and which engine `auto` would pick."""
    from asr.engines.select import choose_engine, installed_models, normalise_language

    settings = _settings()
    models = installed_models(settings.asr, settings.cache_dir)
    if not models:
        typer.echo("no speech models installed")
    for model in models:
        typer.echo(
            f"{model.engine:8} {model.name:34} {model.language or '?':4} {model.source:30} {model.path}"
        )
    try:
        typer.echo(
            f"engine ({settings.asr.engine.value}): {choose_engine(settings.asr, settings.cache_dir).reason}"
        )
    except AsrError as exc:
        typer.secho(f"engine: none usable: {exc}", fg=typer.colors.YELLOW)
    catalogue = load_catalogue()
    typer.echo(
        "available to pull: "
        + ", ".join(f"{name} ({normalise_language(catalogue[name].language)})" for name in sorted(catalogue))
    )


@models_app.command("pull")
def pull(
    name: Annotated[str, typer.Argument(help="Model name, e.g. vosk-model-small-en-us-0.15")],
    base_url: Annotated[str | None, typer.Option(help="Mirror to download from")] = None,
    sha256: Annotated[str | None, typer.Option(help="Expected SHA-256 of the zip")] = None,
    catalogue: Annotated[Path | None, typer.Option(help="JSON catalogue instead of the built-in one")] = None,
) -> None:
    """Download (resumable), verify and unpack an official Vosk model into the models dir."""
    from asr.engines.select import models_dir

    settings = _settings()
    try:
        entries = load_catalogue(catalogue)
        entry = entries.get(name)
        if entry is None:
            typer.secho(
                f"unknown model {name!r}; known: {', '.join(sorted(entries))}", fg=typer.colors.RED, err=True
            )
            raise typer.Exit(2)
        url = entry.url_from(base_url or settings.asr.models_base_url)
        target_dir = models_dir(settings.asr, settings.cache_dir)
        archive = target_dir / ".downloads" / f"{name}.zip"
        shown = {"step": -1}

        def progress(done: int, total: int | None) -> None:
            step = done * 20 // total if total else done >> 24
            if step != shown["step"]:
                shown["step"] = step
                size = f"{done / 1e6:.1f}/{total / 1e6:.1f} MB" if total else f"{done / 1e6:.1f} MB"
                typer.echo(f"\r{name}: {size}", nl=False, err=True)

        typer.echo(f"downloading {url}", err=True)
        download(url, archive, sha256=sha256 or entry.sha256, progress=progress)
        typer.echo("", err=True)
        path = unpack_model(archive, target_dir, name)
        archive.unlink()
    except AsrError as exc:
        typer.echo("", err=True)
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"installed {name} in {path}")
