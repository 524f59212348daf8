"""The entry points of the processes ``voxdesk up`` runs, each starting with every event type known.

``python -m voxdesk.processes controller|media [args]`` and the web app factory
(``voxdesk.processes:web_app``) load every event module first (:mod:`voxdesk.events`), so no process
depends on what its feature happened to import: the console's feed once died on the first call event
because the web process had never imported the call notifier.
"""

from __future__ import annotations

import sys

from fastapi import FastAPI

from voxdesk.events import import_event_modules


def web_app() -> FastAPI:
    """The web console and API (uvicorn's ``--factory`` target)."""
    import_event_modules()
    from web.app import create_app

    return create_app()


def main(argv: list[str] | None = None) -> None:
    """Run the call controller or a media worker; the rest of ``argv`` goes to the worker's options."""
    args = list(sys.argv[1:] if argv is None else argv)
    kind = args.pop(0) if args else ""
    import_event_modules()
    if kind == "controller":
        from config.settings import load_settings
        from telephony.controller import run_controller

        run_controller(load_settings())
    elif kind == "media":
        from asr.media.worker import main as media_worker

        media_worker(args)
    else:
        raise SystemExit("usage: python -m voxdesk.processes controller|media [media worker options]")


if __name__ == "__main__":
    main()
