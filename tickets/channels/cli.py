"""``voxdesk channels ...``: run the inbound SMTP server."""

from __future__ import annotations

import signal
import threading

import typer

from config.db import make_engine, make_session_factory
from config.events import Notifier
from config.jobs import create_celery
from config.settings import load_settings
from tickets.channels.email import EmailAdapter
from tickets.channels.smtp_server import start_smtp_server
from tickets.desk.contact_rules import text_rules_from_settings
from tickets.desk.outbox import DeskRuntime
from tickets.desk.surveys import CsatSurveys, enqueue_on
from tickets.progress.notices import ProgressNotices
from tickets.sla.tasks import CeleryDeliveryQueue, CeleryTimerScheduler

channels_cli = typer.Typer(help="Text channels: the inbound SMTP server.")


@channels_cli.command("smtp-server")
def smtp_server() -> None:
    """Accept customer mail on channels.smtp_host:smtp_port until interrupted."""
    settings = load_settings()
    redis_url = settings.redis.url or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"
    factory = make_session_factory(make_engine(settings.effective_database_url))
    notifier = Notifier.from_url(redis_url)
    jobs = create_celery(redis_url)
    # A new sender's mail opens a ticket by the text rules; its SLA timers are queued on the broker.
    desk_runtime = DeskRuntime(
        events=notifier,
        timers=CeleryTimerScheduler(jobs),
        deliveries=CeleryDeliveryQueue(jobs),
        surveys=CsatSurveys(enqueue_on(jobs)),
        progress=ProgressNotices(jobs),
        text_rules=text_rules_from_settings(settings.desk.text_ticket_groups, settings.data_dir),
    )
    adapter = EmailAdapter(settings.channels, settings.customers.default_region, notifier, desk_runtime)
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
