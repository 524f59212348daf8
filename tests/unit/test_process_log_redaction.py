"""Every process ``voxdesk up`` runs masks card data in its log: each entry point, as it starts.

The controller and the media worker (``voxdesk.processes``) and the mail server (``voxdesk.cli``)
run in a child process here, the way the supervisor starts them; the web factory is called after
uvicorn's own logging set-up, and the Celery worker's set-up signal is sent as the worker sends it.
"""

from __future__ import annotations

import io
import logging
import logging.config
import subprocess
import sys
from pathlib import Path

from qa.pci.logs import RedactingFilter

ROOT = Path(__file__).resolve().parents[2]
CARD = "4111 1111 1111 1111"


def run_child(setup: str) -> str:
    code = f"{setup}\nimport logging\nlogging.getLogger('child').warning('caller said {CARD} cvv 739')"
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    return done.stderr


def test_the_controller_and_the_media_worker_log_through_the_filter() -> None:
    written = run_child("from voxdesk.processes import _configure_logging; _configure_logging('INFO')")
    assert "caller said [card ••••1111] cvv [security code]" in written, written
    assert "4111" not in written


def test_the_mail_server_and_every_cli_command_log_through_the_filter() -> None:
    # `voxdesk channels smtp-server` configures no handler: Python's last resort writes, filtered.
    setup = "from qa.pci.logs import install_log_redaction; import voxdesk.cli; install_log_redaction()"
    written = run_child(setup)
    assert "[card ••••1111]" in written and "4111" not in written, written
    source = (ROOT / "voxdesk" / "cli.py").read_text(encoding="utf-8")
    assert "install_log_redaction()\n    app()" in source  # main() installs it before any command runs


def test_the_web_factory_filters_uvicorns_handlers(monkeypatch, tmp_path) -> None:
    from uvicorn.config import LOGGING_CONFIG

    from voxdesk.processes import web_app

    monkeypatch.setenv("VOXDESK_DATA_DIR", str(tmp_path))
    logging.config.dictConfig(LOGGING_CONFIG)  # what uvicorn does before calling the factory
    web_app()
    handlers = logging.getLogger("uvicorn").handlers + logging.getLogger("uvicorn.access").handlers
    assert handlers and all(any(isinstance(f, RedactingFilter) for f in h.filters) for h in handlers)


def test_the_celery_worker_filters_the_handlers_it_sets_up() -> None:
    from celery.signals import after_setup_logger

    import voxdesk.jobs  # noqa: F401 - connects the signal, as `celery -A voxdesk.jobs:celery_app` does

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        after_setup_logger.send(
            sender=None, logger=root, loglevel=logging.INFO, logfile=None, format="", colorize=False
        )
        logging.getLogger("celery.test").warning("task failed for card %s", CARD)
    finally:
        root.removeHandler(handler)
    assert "[card ••••1111]" in stream.getvalue() and "4111" not in stream.getvalue()
