"""``voxdesk kb ...``: load knowledge-base articles from a file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.exc import SQLAlchemyError

from config.db import make_engine, make_session_factory
from config.errors import VoxdeskError
from config.settings import load_settings
from qa.assist.exceptions import KbFileError
from qa.assist.kb_file import read_kb_file
from tickets.desk.outbox import DeskRuntime
from tickets.kb.importer import import_entries

kb_cli = typer.Typer(help="Knowledge base: import articles.", no_args_is_help=True)


@kb_cli.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(help="CSV or TSV with the header key, title, body[, language]")],
) -> None:
    """Create or update (by key) and publish the articles of FILE; prints what changed."""
    try:
        entries = read_kb_file(file)
    except KbFileError as exc:
        typer.secho(f"cannot import {file}:", fg=typer.colors.RED, err=True)
        for problem in exc.problems:
            typer.echo(f"  {problem}", err=True)
        raise typer.Exit(2) from None
    try:
        settings = load_settings()
        engine = make_engine(settings.effective_database_url)
        try:
            with make_session_factory(engine)() as session:
                summary = import_entries(session, DeskRuntime(), entries)
        finally:
            engine.dispose()
    except VoxdeskError as exc:
        typer.secho(f"import failed: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    except SQLAlchemyError as exc:  # unreachable, or a schema behind this version
        reason = str(exc).splitlines()[0][:300]
        typer.secho(f"import failed: {reason} (is `voxdesk db upgrade` done?)", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"{file}: {len(entries)} articles: {summary.line()}")
    for title, keys in (("created", summary.created), ("updated", summary.updated)):
        if keys:
            typer.echo(f"  {title}: {', '.join(keys)}")
