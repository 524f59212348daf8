"""Browser tier: the real app under uvicorn on loopback, a host page on another origin, Debian's Chromium.

The database is a scratch PostgreSQL database migrated with ``config.migrate.upgrade``; live events go
through the real Redis at VOXDESK_TEST_REDIS_URL. Nothing here is faked.
"""

from __future__ import annotations

import functools
import http.server
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import redis
import uvicorn
from playwright.sync_api import Browser, Playwright, sync_playwright
from sqlalchemy.orm import Session, sessionmaker

from config.db import make_engine, make_session_factory
from config.settings import CustomerSettings, RedisSettings, Settings, WebSettings
from config.telephony_settings import RecordingSettings, TelephonySettings
from web.app import create_app

PG_URL = os.environ.get("VOXDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass(frozen=True)
class LiveApp:
    base_url: str
    secret: str
    session_factory: sessionmaker[Session]
    recordings_dir: Path  # where the app reads call recordings (telephony.recording.directory)


@pytest.fixture(scope="session")
def browser_pg_url(migrated_postgres: Callable[[str], str]) -> str:
    """A database of this folder's own with every migration applied, dropped when the session ends."""
    return migrated_postgres("br")


@pytest.fixture(scope="session")
def live_app(
    browser_pg_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveApp]:
    """The real app served by uvicorn in a thread on a free loopback port."""
    secret = "browser-secret-" + uuid.uuid4().hex
    data_dir = tmp_path_factory.mktemp("voxdesk-browser-data")
    settings = Settings(
        database_url=browser_pg_url,
        data_dir=data_dir,
        telephony=TelephonySettings(recording=RecordingSettings(directory=data_dir / "recordings")),
        redis=RedisSettings(url=redis_url),
        web=WebSettings(secret_key=secret),
        customers=CustomerSettings(default_region="US"),
    )
    # Sign-in failures from 127.0.0.1 are remembered for 15 minutes: an earlier run's wrong passwords
    # must not lock this run's browsers out.
    counters = redis.Redis.from_url(redis_url)
    stale = list(counters.scan_iter(f"{settings.telephony.key_prefix}:login:*"))
    if stale:
        counters.delete(*stale)
    counters.close()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-browser-tests", daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    engine = make_engine(browser_pg_url)
    try:
        yield LiveApp(
            f"http://127.0.0.1:{port}", secret, make_session_factory(engine), data_dir / "recordings"
        )
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def host_page(live_app: LiveApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A shop's page on its own origin (localhost, another port) embedding the widget by script tag."""
    root: Path = tmp_path_factory.mktemp("shop")
    (root / "index.html").write_text(
        "<!doctype html><html><head><meta charset='utf-8'><title>Shop</title></head>"
        "<body><h1>Acme Shop</h1><p>Questions? Use the chat.</p>"
        f"<script src='{live_app.base_url}/webchat/widget.js' async></script></body></html>",
        encoding="utf-8",
    )
    port = free_port()
    httpd = http.server.ThreadingHTTPServer(
        ("127.0.0.1", port), functools.partial(_QuietHandler, directory=str(root))
    )
    thread = threading.Thread(target=httpd.serve_forever, name="shop-page", daemon=True)
    thread.start()
    try:
        yield f"http://localhost:{port}/index.html"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    # Playwright's sync API runs an event loop in this thread; module scope ends it before the
    # asyncio tests of other folders start, which would otherwise find a loop already running.
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def chromium(playwright_driver: Playwright) -> Iterator[Browser]:
    """Debian's Chromium, headless; fails (not skips) when it is not installed."""
    browser = playwright_driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    try:
        yield browser
    finally:
        browser.close()
