"""An admin changes a routing rule on the admin page and the next call follows it: the real web app and
the call controller on one database and one Redis prefix, Debian's Chromium, the sandbox Asterisk and
pjsua2 phones. Nothing restarts: the page's save is a command the running controller applies.

Pressing 2 in the test IVR asks for the support queue (tests/integration/calls/test_inbound_calls.py
shows such a call reaching the support agent); after the admin adds a rule sending the "support"
choice to sales, the next such call rings the sales agent instead.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from asterisk_support import free_port
from calls_helpers import REDIS_URL, softphone, wait_until
from playwright.sync_api import Page, sync_playwright

from config.accounts import create_user
from config.db import make_engine, make_session_factory, session_scope
from config.models import Role
from config.settings import RedisSettings, Settings, WebSettings
from config.telephony_settings import TelephonySettings
from telephony.sipua.client import place_call
from telephony.sipua.plan import CallPlan, DtmfStep
from web.app import create_app

pytestmark = pytest.mark.integration

ADMIN, PASSWORD = "routing-admin", "routing-Admin-pass-7q"
ARTIFACTS = Path(
    os.environ.get("VOXDESK_ARTIFACTS") or Path(__file__).resolve().parents[3] / "artifacts" / "screenshots"
)
SUPPORT_TO_SALES = """# Callers who ask for support go to sales while support is short-staffed.
default_queue: general
rules:
  - name: support-to-sales
    when: {ivr_choice: [support]}
    queue: sales
"""


@pytest.fixture
def admin_console(
    make_controller: Any, asterisk_settings: Settings, tmp_path: Path
) -> Iterator[tuple[Any, str]]:
    """The running controller and the web app reading the same routing files (the controller writes)."""
    running = make_controller()
    with session_scope(make_session_factory(make_engine(running.db_url))) as session:
        create_user(session, ADMIN, "Ada Admin", Role.ADMIN, PASSWORD)
    running.start()
    settings = Settings(
        database_url=running.db_url,
        data_dir=tmp_path / "web-data",
        redis=RedisSettings(url=REDIS_URL),
        web=WebSettings(secret_key="routing-secret-" + uuid.uuid4().hex),
        asterisk=asterisk_settings.asterisk,
        telephony=TelephonySettings(key_prefix=running.prefix, routing_dir=running.routing_dir),
    )
    port = free_port(0)
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, name="uvicorn-admin", daemon=True)
    thread.start()
    wait_until(lambda: bool(server.started), 20, "the web app")
    try:
        yield running, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def change_the_rule_in_the_page(page: Page, base_url: str) -> None:
    page.goto(f"{base_url}/login?next=/admin%23routing")
    page.fill("input[name=username]", ADMIN)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.locator("#routing-status.ok", has_text="Loaded").wait_for(timeout=15_000)
    assert page.locator("#routing-file").input_value() == "rules"
    assert "rules: []" in page.locator("#routing-yaml").input_value()
    assert "support" in page.locator("#routing-queues").inner_text()

    page.locator("#routing-yaml").fill(SUPPORT_TO_SALES.replace("queue: sales", "queue: salse"))
    page.click("#routing-validate")  # a typo in the queue is named before anything is saved
    page.locator("#routing-status.bad", has_text="Refused").wait_for(timeout=10_000)
    problems = page.locator("#routing-problems li").all_inner_texts()
    assert any("salse" in p for p in problems), problems

    page.locator("#routing-yaml").fill(SUPPORT_TO_SALES)
    page.click("#routing-validate")
    page.locator("#routing-status.ok", has_text="Valid").wait_for(timeout=10_000)
    page.click("#routing-save")
    # The page reads the file back until call control has written it.
    page.locator("#routing-status.ok", has_text="call control applied it").wait_for(timeout=15_000)


def test_an_admin_changes_a_routing_rule_in_the_page_and_the_next_call_follows_it(
    call_center_asterisk: Any, admin_console: tuple[Any, str], tmp_path: Path
) -> None:
    running, base_url = admin_console
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", headless=True,
                                         args=["--no-sandbox", "--disable-gpu"])  # fmt: skip
        try:
            page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
            change_the_rule_in_the_page(page, base_url)
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "admin-routing-en.png"))
            page.goto(f"{base_url}/lang/zh?next=/admin%23routing")
            page.locator("#routing-status.ok", has_text="已载入").wait_for(timeout=15_000)
            assert "support-to-sales" in page.locator("#routing-yaml").input_value()
            page.screenshot(path=str(ARTIFACTS / "admin-routing-zh.png"))
        finally:
            browser.close()
    assert running.command_failures() == []
    assert (running.routing_dir / "rules.yaml").read_text(encoding="utf-8") == SUPPORT_TO_SALES

    running.login("cc-agent1", queues=["sales"])
    running.login("cc-agent2", queues=["support"])
    with (
        softphone(call_center_asterisk, "cc-agent1", tmp_path),
        softphone(call_center_asterisk, "cc-agent2", tmp_path),
    ):
        result = place_call(
            CallPlan("1000", call_center_asterisk.sip_server, dtmf=(DtmfStep("2", 0.6),), hangup_after=4.0)
        )
    assert result.answered
    record = running.record_for(running.call_in_state("ended").call_id)
    assert record.ivr_choice == "support"  # the caller asked for support...
    assert (record.queue_id, record.agent_id, record.disposition) == ("sales", "cc-agent1", "answered")
    assert not (tmp_path / "cc-agent2.wav").exists()  # ...and the support agent's phone never rang
