"""A supervisor watches the floor in real Chromium: a waiting call put in the real Redis call store and
real events on the bus show up live (wallboard, live calls, transcript, compliance alert), in English
and Chinese. Screenshots at 1366x768 go to $VOXDESK_ARTIFACTS (default artifacts/screenshots/)."""

from __future__ import annotations

import asyncio
import os
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import redis.asyncio as aredis
from browser_polling import poll
from playwright.sync_api import Browser, Page

from asr.events import TranscriptFinal, TranscriptPartial
from config.accounts import create_user
from config.events import Notifier
from config.models import Role
from config.telephony_settings import TelephonySettings
from qa.events import QaAlert
from routing import Agent, AgentState
from telephony.agents.notifier import AgentStateChanged
from telephony.agents.store import AgentStore
from telephony.calls.model import Call
from telephony.calls.notifier import CallStateChanged
from telephony.calls.store import CallStore
from tickets.desk.events import TicketChanged

pytestmark = pytest.mark.browser
PASSWORD = "floor-Vox-7rq-long-pass"
ARTIFACTS = Path(
    os.environ.get("VOXDESK_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
)


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()




def waiting_of(queue: str) -> str:
    return (
        f'(() => {{ const n = document.querySelector(\'[data-queue="{queue}"] [data-metric=waiting] '
        ".metric-value'); return n ? n.textContent : 'none'; })()"
    )


def save_call(
    redis_url: str, call: Call | None = None, agent: Agent | None = None, forget_agent: str | None = None
) -> None:
    async def save() -> None:
        client = aredis.Redis.from_url(redis_url)
        try:
            if call is not None:
                await CallStore(client, TelephonySettings().key_prefix).save(call)
            if agent is not None:
                await AgentStore(client, TelephonySettings().key_prefix).save(agent)
            if forget_agent is not None:
                await AgentStore(client, TelephonySettings().key_prefix).remove(forget_agent)
        finally:
            await client.aclose()

    # Playwright's sync API runs an event loop in this thread: the store's async client gets its own.
    worker = threading.Thread(target=asyncio.run, args=(save(),))
    worker.start()
    worker.join(timeout=10)


def test_a_supervisor_sees_calls_and_alerts_arrive_live_in_both_languages(
    page: Page, live_app: Any, redis_url: str
) -> None:
    name = f"sup-{uuid.uuid4().hex[:6]}"
    with live_app.session_factory() as session:
        user_id = create_user(session, name, "Floor Lead", Role.SUPERVISOR, PASSWORD).id
        session.commit()
    page.goto(f"{live_app.base_url}/login?next=/supervisor")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.locator("h1", has_text="Floor").wait_for(timeout=10_000)
    page.locator("#floor-live.ok").wait_for(timeout=10_000)  # the live feed is open
    page.locator("#floor-updated", has_text="Updated").wait_for(timeout=10_000)  # the wallboard loaded

    agent_id = f"floor-agent-{uuid.uuid4().hex[:4]}"
    queue, call_id = f"billing-{uuid.uuid4().hex[:4]}", f"floor{uuid.uuid4().hex[:10]}"
    assert page.evaluate(waiting_of(queue)) == "none"
    since = time.time() - 12
    call = Call(call_id=call_id, state="queued", queue_id=queue, caller_number="+14155550100",
                queued_at=since, queue_entered_at=since)  # fmt: skip
    save_call(redis_url, call)
    notifier = Notifier(redis.Redis.from_url(redis_url))
    try:
        notifier.publish(CallStateChanged(call_id=call_id, queue_id=queue, previous_state="ivr",
                                          state="queued", caller_number=call.caller_number))  # fmt: skip
        started = time.monotonic()
        poll(page, waiting_of(queue), "1", seconds=4)  # the event, not the 5 s poll, brings it
        assert time.monotonic() - started < 4
        entry = page.locator(f"button.call[data-call='{call_id}']")
        entry.wait_for(timeout=5_000)
        assert "+1 415-555-0100" in entry.inner_text()

        entry.focus()  # keyboard: select the call with Enter
        page.keyboard.press("Enter")
        page.locator("#followed-call", has_text="+1 415-555-0100").wait_for(timeout=5_000)
        assert page.locator(".supervise button[data-mode=listen]").is_enabled()
        notifier.publish(
            TranscriptPartial(call_id=call_id, leg="caller", text="I want to cancel my", start=0.5)
        )
        page.locator("#transcript .partial", has_text="I want to cancel my").wait_for(timeout=5_000)
        notifier.publish(TranscriptFinal(call_id=call_id, leg="caller", text="I want to cancel my order.",
                                         start=0.5, end=2.0, confidence=0.9, words=[]))  # fmt: skip
        page.locator("#transcript .line:not(.partial)", has_text="cancel my order.").wait_for(timeout=5_000)
        assert page.locator("#transcript .partial").count() == 0  # the final replaced the partial

        notifier.publish(QaAlert(call_id=call_id, rule="no-guarantees", kind="forbidden", severity="high",
                                 leg="agent", text="I guarantee you a refund", start=3.0, end=4.5,
                                 score=0.92))  # fmt: skip
        alert = page.locator("#alerts li.alert", has_text="I guarantee you a refund")
        alert.wait_for(timeout=5_000)
        assert "no-guarantees" in alert.inner_text()

        # Listen on a call still queued: the server's refusal is shown, not swallowed
        page.locator(".supervise button[data-mode=listen]").click()
        page.locator("#supervise-result.error", has_text="Could not Listen").wait_for(timeout=5_000)
        assert "queued" in page.locator("#supervise-result").inner_text()  # the server's reason

        save_call(redis_url, agent=Agent(agent_id, state=AgentState.PAUSED, state_since=time.time() - 61,
                                         pause_reason="training"))  # fmt: skip
        notifier.publish(AgentStateChanged(agent_id=agent_id, status="paused", previous_status="available",
                                           pause_reason="training"))  # fmt: skip
        row = page.locator(f"#agent-rows tr[data-agent='{agent_id}']")
        row.wait_for(timeout=5_000)
        assert "Paused" in row.inner_text() and "training" in row.inner_text()
        first = row.locator("td.ticking").inner_text()
        time.sleep(1.3)
        assert row.locator("td.ticking").inner_text() != first  # time in state ticks each second

        notifier.publish(TicketChanged(ticket_id=4242, action="sla_breached", actor="system", status="open",
                                       priority="high", assignee_id=user_id,
                                       details={"target": "first_response"}))  # fmt: skip
        page.locator("#sla li.notice", has_text="SLA breached").wait_for(timeout=5_000)

        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "supervisor-en.png"))

        page.goto(f"{live_app.base_url}/lang/zh?next=/supervisor")
        page.locator("h1", has_text="现场监控").wait_for(timeout=10_000)
        poll(page, waiting_of(queue), "1", seconds=8)
        page.locator(f"button.call[data-call='{call_id}']", has_text="排队中").wait_for(timeout=5_000)
        assert page.locator("#wallboard", has_text="服务水平").count() == 1
        page.screenshot(path=str(ARTIFACTS / "supervisor-zh.png"))
    finally:
        save_call(redis_url, call.model_copy(update={"state": "ended"}), forget_agent=agent_id)
        notifier.publish(
            CallStateChanged(call_id=call_id, queue_id=queue, previous_state="queued", state="ended")
        )
