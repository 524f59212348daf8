"""The ``voxdesk`` command line: run the whole contact center, or one part of it."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer

from config.errors import VoxdeskError
from config.settings import Settings, load_settings
from qa.pci.logs import install_log_redaction
from voxdesk.events import import_event_modules

app = typer.Typer(
    help="Voxdesk: an open-source, voice-first contact center.\n\n"
    "`voxdesk up` starts everything on embedded defaults (SQLite, an embedded Redis, an Asterisk "
    "sandbox, the web console, a worker); `voxdesk down` stops it.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema: migrate up or down.", no_args_is_help=True)
app.add_typer(db_app, name="db")


@app.callback()
def main_options(
    config: Annotated[
        Path | None,
        typer.Option(
            "--config", "-c", help="Settings YAML file (default config/voxdesk.yaml or $VOXDESK_CONFIG)"
        ),
    ] = None,
) -> None:
    """Options that every command shares."""
    if config is not None:
        # Every command (and every child process) reads settings through load_settings().
        os.environ["VOXDESK_CONFIG"] = str(config.resolve())


def settings_or_exit() -> Settings:
    """Load settings, or print why they are wrong and exit with status 2."""
    try:
        return load_settings()
    except VoxdeskError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(2) from None


def _start_asterisk(settings: Settings) -> Any:
    from voxdesk.asterisk import start_asterisk

    return start_asterisk(settings)


@app.command()
def up() -> None:
    """Start Voxdesk (Redis, database, Asterisk, web console, worker) and stay in the foreground."""
    from voxdesk.supervisor import run_up

    settings = settings_or_exit()
    try:
        run_up(settings, _start_asterisk)
    except VoxdeskError as exc:
        typer.secho(f"voxdesk up failed: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None


@app.command()
def down() -> None:
    """Stop a Voxdesk started with `voxdesk up` (and everything it started)."""
    from voxdesk.supervisor import run_down

    settings = settings_or_exit()
    try:
        stopped = run_down(settings)
    except VoxdeskError as exc:
        typer.secho(str(exc), fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo("Voxdesk stopped." if stopped else "Voxdesk was not running.")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "heads") -> None:
    """Migrate the database schema up (to the newest revision by default)."""
    from config.migrate import upgrade

    settings = settings_or_exit()
    upgrade(settings.effective_database_url, revision)
    typer.echo(f"database at {revision}")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision")] = "base") -> None:
    """Migrate the database schema down (to an empty database by default)."""
    from config.migrate import downgrade

    settings = settings_or_exit()
    downgrade(settings.effective_database_url, revision)
    typer.echo(f"database at {revision}")


@app.command("settings")
def show_settings() -> None:
    """Print the effective settings (secrets hidden), after file and environment layers."""
    current = settings_or_exit()
    data = current.model_dump(mode="json")
    for section in data.values():
        if isinstance(section, dict):
            for key in section:
                if ("password" in key or "secret" in key) and section[key]:
                    section[key] = "***"
    import yaml

    typer.echo(yaml.safe_dump(data, sort_keys=False))


def _mount_features() -> None:
    """Commands that live with their feature. Imported directly: a broken feature fails loudly."""
    from asr.cli import models_app
    from qa.analyze_cli import analyze_command
    from qa.cli import qa_app
    from telephony.cli import asterisk_app, call, softphone
    from telephony.controller import controller_app
    from tickets.channels.cli import channels_cli
    from tickets.kb.cli import kb_cli
    from voxdesk.media import published_kb
    from voxdesk.qa_score import score_call_command
    from web.console.assets_cli import assets_app

    app.add_typer(asterisk_app, name="asterisk")
    app.command("call")(call)
    app.command("softphone")(softphone)
    app.add_typer(controller_app, name="controller")
    app.add_typer(models_app, name="models")
    app.command("analyze")(analyze_command(published_kb))  # the same live QA, on the database's KB
    app.add_typer(channels_cli, name="channels")
    qa_app.command("score")(score_call_command)  # reads call records, so it is wired here
    app.add_typer(qa_app, name="qa")
    app.add_typer(kb_cli, name="kb")
    app.add_typer(assets_app, name="assets")


_mount_features()


def main() -> None:
    """Console-script entry point (the mail server runs through it too: every event type known;
    card data masked in whatever it logs)."""
    import_event_modules()
    install_log_redaction()
    app()


if __name__ == "__main__":
    main()
