"""``voxdesk channels ...``: run the inbound SMTP server."""

from __future__ import annotations

import signal
import threading

import typer

from config.db import make_engine, make_session_factory
from config.events import Notifier
from config.settings import load_settings
from tickets.channels.email_ import EmailAdapter
from tickets.channels.smtp_server import start_smtp_server

channels_cli = typer.Typer(help="Text channels: the inbound SMTP server.")


@channels_cli.command("smtp-server")
def smtp_server() -> None:
    """Accept customer mail on channels.smtp_host:smtp_port until interrupted."""
    settings = load_settings()
    redis_url = settings.redis.url or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"
    factory = make_session_factory(make_engine(settings.effective_database_url))
    adapter = EmailAdapter(settings.channels, settings.customers.default_region, Notifier.from_url(redis_url))
    controller = start_smtp_server(adapter, factory, settings.channels)
    typer.echo(f"SMTP server on {settings.channels.smtp_host}:{settings.channels.smtp_port}")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        controller.stop()
