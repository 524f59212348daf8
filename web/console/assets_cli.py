"""``voxdesk assets``: build the console's browser libraries from the npm registry (``lock`` re-pins)."""

from __future__ import annotations

import typer

from config.errors import VoxdeskError
from web.console.assets import LOCK_FILE, build_vendor, resolve_lock
from web.console.static_files import VENDOR

assets_app = typer.Typer(
    help="The console's browser libraries (JsSIP, htmx, Swagger UI), from the npm registry.",
    invoke_without_command=True,
)


@assets_app.callback()
def build(
    ctx: typer.Context,
    force: bool = typer.Option(False, "--force", help="Rebuild even when the stamp says up to date"),
) -> None:
    """Download the locked packages, check their integrity and build static/vendor/ (once)."""
    if ctx.invoked_subcommand is not None:
        return
    try:
        built = build_vendor(force=force)
    except VoxdeskError as exc:
        typer.secho(f"voxdesk assets failed: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    typer.echo(f"browser libraries built in {VENDOR}" if built else "browser libraries are up to date")


@assets_app.command("lock")
def lock() -> None:
    """Resolve the wanted packages to exact versions and rewrite the lock file (needs the registry)."""
    try:
        packages = resolve_lock()
    except VoxdeskError as exc:
        typer.secho(f"voxdesk assets lock failed: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(1) from None
    for package in packages.values():
        typer.echo(f"{package.name} {package.version}")
    typer.echo(f"written {LOCK_FILE}")
