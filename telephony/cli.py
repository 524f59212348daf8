"""``voxdesk asterisk ...``, ``voxdesk call`` and ``voxdesk softphone``: mounted by ``voxdesk/cli.py``."""

from __future__ import annotations

import getpass
import json
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from config.errors import VoxdeskError
from config.settings import Settings, load_settings
from telephony.sandbox import AsteriskSandbox
from telephony.sandbox.agents import SipCredentialSpec, stored_agent_credentials
from telephony.sipua.client import place_call, start_softphone
from telephony.sipua.plan import CallPlan, DtmfStep, SoftphonePlan

console = Console(stderr=True)
asterisk_app = typer.Typer(
    help="The Asterisk Voxdesk runs (sandbox chroot, host, or external).", no_args_is_help=True
)


def _settings() -> Settings:
    """Settings from ``--config`` / ``$VOXDESK_CONFIG`` (the main CLI sets the variable)."""
    try:
        return load_settings()
    except VoxdeskError as exc:
        console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


def agent_credentials(settings: Settings) -> list[SipCredentialSpec]:
    """The agents to configure as SIP endpoints (from the database; empty until it has any)."""
    return stored_agent_credentials(settings.effective_database_url)


def _fail(exc: VoxdeskError) -> typer.Exit:
    console.print(f"[red]{exc}[/red]")
    return typer.Exit(1)


@asterisk_app.command("up")
def asterisk_up() -> None:
    """Install (first time), configure and start Asterisk; reload its config if it already runs."""
    settings = _settings()
    with console.status("Asterisk: preparing") as status:
        sandbox = AsteriskSandbox(settings, progress=lambda line: status.update(f"Asterisk: {line[:100]}"))
        try:
            ari = sandbox.up(agents=agent_credentials(settings))
        except VoxdeskError as exc:
            raise _fail(exc) from None
    report = sandbox.last_up
    if report is not None and report.install is not None and report.install.installed:
        console.print(f"sandbox installed in {report.install.seconds:.1f} s")
    if report is not None and report.start_to_ari_seconds is not None:
        console.print(f"Asterisk started; ARI answered after {report.start_to_ari_seconds:.2f} s")
    elif report is not None and report.reloaded:
        console.print("Asterisk was already running; configuration reloaded")
    typer.echo(f"ARI {ari.url} (user {ari.user}) mode={sandbox.mode}")


@asterisk_app.command("install")
def asterisk_install() -> None:
    """Install the Asterisk sandbox (Debian chroot) without starting it; instant when present."""
    settings = _settings()
    with console.status("Asterisk: installing") as status:
        sandbox = AsteriskSandbox(settings, progress=lambda line: status.update(f"Asterisk: {line[:100]}"))
        try:
            report = sandbox.install()
        except VoxdeskError as exc:
            raise _fail(exc) from None
    if report is None:
        typer.echo(f"nothing to install (mode={sandbox.mode})")
    elif report.installed:
        typer.echo(f"sandbox installed in {report.seconds:.1f} s at {report.rootfs}")
    else:
        typer.echo(f"sandbox already installed at {report.rootfs}")


@asterisk_app.command("down")
def asterisk_down() -> None:
    """Stop the Asterisk Voxdesk started (never an external one)."""
    stopped = AsteriskSandbox(_settings()).down()
    typer.echo("Asterisk stopped" if stopped else "Asterisk was not running")


@asterisk_app.command("status")
def asterisk_status(
    as_json: Annotated[bool, typer.Option("--json", help="machine-readable")] = False,
) -> None:
    """Whether Asterisk runs, whether ARI answers, and which version it is."""
    status = AsteriskSandbox(_settings()).status()
    if as_json:
        typer.echo(json.dumps(status.__dict__))
    else:
        state = f"running (pid {status.pid})" if status.running else "not running"
        ari = "answers" if status.ari_answers else "does not answer"
        typer.echo(f"mode={status.mode} {state}; ARI {status.ari_url} {ari}; version {status.version or '-'}")
    if not status.running:
        raise typer.Exit(3)


@asterisk_app.command("cli")
def asterisk_cli(command: Annotated[str, typer.Argument(help='e.g. "pjsip show endpoints"')]) -> None:
    """Run one Asterisk CLI command."""
    try:
        typer.echo(AsteriskSandbox(_settings()).cli(command), nl=False)
    except VoxdeskError as exc:
        raise _fail(exc) from None


@asterisk_app.command("config")
def asterisk_config() -> None:
    """Print what to add to an existing Asterisk so Voxdesk can use it (mode=external)."""
    settings = _settings()
    for name, snippet in AsteriskSandbox(settings).admin_snippets(agent_credentials(settings)).items():
        typer.echo(f"; ---- add to {name} ----\n{snippet}")


def _server(settings: Settings) -> str:
    host = settings.asterisk.bind_address
    return f"{'127.0.0.1' if host in ('0.0.0.0', '') else host}:{settings.asterisk.sip_port}"


def call(
    number: Annotated[str, typer.Argument(help="number to dial, e.g. 1000 (inbound) or 600 (echo)")],
    wav: Annotated[Path | None, typer.Option(help="WAV to play into the call (8 kHz mono)")] = None,
    say: Annotated[str | None, typer.Option(help="text to speak with espeak-ng instead of a WAV")] = None,
    dtmf: Annotated[list[str] | None, typer.Option(help="digits to press (repeatable)")] = None,
    dtmf_at: Annotated[list[float] | None, typer.Option(help="seconds after answer for each --dtmf")] = None,
    record: Annotated[Path | None, typer.Option(help="record what the caller hears to this WAV")] = None,
    hangup_after: Annotated[float, typer.Option(help="seconds after answer")] = 10.0,
) -> None:
    """Call Voxdesk as a customer would (the loopback test caller)."""
    digits, times = dtmf or [], dtmf_at or []
    steps = tuple(DtmfStep(d, times[i] if i < len(times) else 2.0 + i) for i, d in enumerate(digits))
    plan = CallPlan(
        number, _server(_settings()), wav=wav, say=say, dtmf=steps, record=record, hangup_after=hangup_after
    )
    try:
        result = place_call(plan, on_event=lambda event: console.print(json.dumps(event), highlight=False))
    except VoxdeskError as exc:
        raise _fail(exc) from None
    typer.echo(
        f"answered={result.answered} code={result.status_code} setup={result.setup_seconds}s "
        f"talk={result.talk_seconds}s dtmf_received={result.dtmf_received!r} record={result.record}"
    )
    if not result.answered:
        raise typer.Exit(1)


def softphone(
    agent: Annotated[str, typer.Option(help="agent SIP username")],
    password: Annotated[str | None, typer.Option(help="SIP password (asked for when omitted)")] = None,
    wav: Annotated[Path | None, typer.Option(help="WAV to play into each answered call")] = None,
    record: Annotated[Path | None, typer.Option(help="record each call to this WAV")] = None,
    duration: Annotated[
        float | None, typer.Option(help="seconds to stay registered (default: until Ctrl-C)")
    ] = None,
) -> None:
    """Register as an agent and auto-answer calls (a headless softphone)."""
    secret = password if password is not None else getpass.getpass(f"SIP password for {agent}: ")
    plan = SoftphonePlan(agent, secret, _server(_settings()), wav=wav, record=record, duration=duration)
    try:
        handle = start_softphone(
            plan, on_event=lambda event: console.print(json.dumps(event), highlight=False)
        )
    except VoxdeskError as exc:
        raise _fail(exc) from None
    try:
        while handle.running:
            time.sleep(0.2)
    except KeyboardInterrupt:
        pass
    result = handle.stop()
    typer.echo(f"registered={result.registered} calls_answered={result.calls_answered}")
