"""The entry points of the processes ``voxdesk up`` runs, each starting with every event type known.

``python -m voxdesk.processes controller|media [args]`` and the web app factory
(``voxdesk.processes:web_app``) load every event module first (:mod:`voxdesk.events`), so no process
depends on what its feature happened to import: the console's feed once died on the first call event
because the web process had never imported the call notifier.
"""

from __future__ import annotations

import logging
import sys

from fastapi import FastAPI

from qa.pci.logs import install_log_redaction
from voxdesk.events import import_event_modules

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def web_app() -> FastAPI:
    """The web console and API (uvicorn's ``--factory`` target)."""
    import_event_modules()
    from web.app import create_app

    install_log_redaction()  # uvicorn set up its handlers before calling this factory
    return create_app()


def main(argv: list[str] | None = None) -> None:
    """Run the call controller or a media worker; the rest of ``argv`` goes to the worker's options."""
    args = list(sys.argv[1:] if argv is None else argv)
    kind = args.pop(0) if args else ""
    import_event_modules()
    if kind == "controller":
        from config.settings import load_settings
        from telephony.controller import run_controller

        settings = load_settings()
        _configure_logging(settings.log_level)
        run_controller(settings)
    elif kind == "media":
        _configure_logging(logging.INFO)
        run_media_worker(args)
    else:
        raise SystemExit("usage: python -m voxdesk.processes controller|media [media worker options]")


def _configure_logging(level: int | str) -> None:
    """Logging as the process would set it up itself, with card data masked on every handler."""
    logging.basicConfig(level=level, format=LOG_FORMAT)
    install_log_redaction()


def run_media_worker(args: list[str]) -> None:
    """The media worker, composed: qa/'s card-data redaction on every leg, and on caller legs the
    recording pause while card data is read."""
    from asr.media.worker import main as media_worker
    from config.settings import load_settings
    from voxdesk.media import live_qa
    from voxdesk.pci import leg_redactor, pause_sinks, recording_pause

    settings = load_settings(_option(args, "--config"))
    redis_url = (
        _option(args, "--redis-url")
        or settings.redis.url
        or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"
    )
    pause = pause_sinks(recording_pause(redis_url, settings.telephony.key_prefix))
    live = live_qa(settings, redis_url)
    media_worker(
        args,
        make_redactor=leg_redactor,
        extra_sinks=lambda start: [*pause(start), *live.leg_started(start)],  # live QA on each call
    )


def _option(args: list[str], name: str) -> str | None:
    """The value of ``name value`` among the worker's options (it parses them again itself)."""
    for index, arg in enumerate(args):
        if arg == name and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


if __name__ == "__main__":
    main()
