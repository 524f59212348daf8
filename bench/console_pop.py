"""INVITE at Asterisk -> the agent's console page showing the ringing call with the customer's name.

Voxdesk runs as ``voxdesk up`` runs it (bench/e2e_transcript.py's ``deployed``: web, Celery worker,
mail server, media worker and call controller as separate processes, a sandbox Asterisk, a scratch
PostgreSQL database). The line's flow sends calls straight to the support queue (no menu, so the
figure is the console's, not the IVR's). The agent signs in to /agent in Debian's Chromium and
connects the browser softphone; a known customer calls from a pjsua2 phone 20 times. Per call: the
caller's INVITE (epoch time of the ``dialing`` line, loopback: the same moment Asterisk gets it) to
the moment the page's call panel shows the customer's name (a MutationObserver in the page, epoch
ms). The agent answers in the page each time, so every call is a normal one. Prints JSON.

Run: .venv/bin/python bench/console_pop.py [--calls 20]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path[:0] = [str(HERE.parent), str(HERE.parent / "tests" / "integration" / "deployed"),
                str(HERE.parent / "tests" / "integration")]  # fmt: skip

from deployed_helpers import SECRET, Deployment, wait_for  # noqa: E402
from playwright.sync_api import Page, sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from bench.e2e_transcript import deployed  # noqa: E402
from config.db import make_engine, make_session_factory, session_scope  # noqa: E402
from config.models import User  # noqa: E402
from config.sessions import session_id_of  # noqa: E402
from telephony.agent_profiles.repository import save_profile  # noqa: E402
from telephony.sipua.client import place_call  # noqa: E402
from telephony.sipua.plan import CallPlan, CallResult  # noqa: E402
from tickets.customers.services import find_or_create_customer  # noqa: E402
from web.auth import csrf_token_for  # noqa: E402

CALLER_NUMBER = "+14155550199"
CUSTOMER_NAME = "Grace Hopper"
DIRECT_FLOW = """
name: direct
start: support
default_language: en
languages: [en]
fallback: support
nodes:
  support: {type: route_queue, queue: support}
"""
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",
]  # fmt: skip
# Epoch ms at which the call panel first names the customer; reset by the bench before each call.
WATCH_POP = """
window.__popAt = null;
window.__popAfter = null;  // the call id the panel showed before this call
new MutationObserver(() => {
  if (window.__popAt) return;
  const panel = document.querySelector('#call-panel .call[data-call-id]');
  const who = document.querySelector('#call-panel .call-who');
  if (!panel || panel.dataset.callId === window.__popAfter) return;
  if (who && who.textContent.includes(NAME)) window.__popAt = performance.timeOrigin + performance.now();
}).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
""".replace("NAME", json.dumps(CUSTOMER_NAME))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))], 1)


def one_call(deployment: Deployment, page: Page, sip_server: str) -> float:
    page.evaluate(
        "window.__popAfter = (document.querySelector('#call-panel .call[data-call-id]') || {dataset: {}})"
        ".dataset.callId || null; window.__popAt = null"
    )
    dialed: list[float] = []

    def seen(event: dict[str, Any]) -> None:
        if event.get("event") == "dialing":
            dialed.append(float(event["wall"]))

    plan = CallPlan("1000", sip_server, user=CALLER_NUMBER, hangup_after=3.0)
    results: list[CallResult] = []
    caller = threading.Thread(target=lambda: results.append(place_call(plan, on_event=seen)), daemon=True)
    caller.start()
    poll(lambda: page.evaluate("window.__popAt"), 15, "the pop", deployment)
    pop_at = float(page.evaluate("window.__popAt"))
    poll(lambda: phone_stat(page, "incomingAt"), 5, "the ring", deployment)
    page.locator("#softphone").get_by_role("button", name="Answer").click()
    caller.join(30)
    assert results and results[0].answered and dialed, results
    poll(lambda: agent_status(deployment) == "available", 20, "the agent back", deployment)
    return pop_at - dialed[0] * 1000


def phone_stat(page: Page, name: str) -> Any:
    return page.evaluate(f"window.voxSoftphone && window.voxSoftphone.{name}")


def poll(predicate: Any, seconds: float, what: str, deployment: Deployment) -> None:
    wait_for(lambda: bool(predicate()), seconds, what, deployment.describe)


def agent_status(deployment: Deployment) -> str | None:
    answer = deployment.api("dp-alice", "GET", "/api/agents/me")
    return answer.json().get("status") if answer.status_code == 200 else None


def measure(deployment: Deployment, sip_server: str, calls: int) -> dict[str, Any]:
    factory = make_session_factory(make_engine(deployment.settings.effective_database_url))
    with session_scope(factory) as session:
        find_or_create_customer(session, "phone", CALLER_NUMBER, "US", CUSTOMER_NAME)
        alice = session.scalars(select(User).where(User.username == "dp-alice")).one()
        save_profile(session, alice.id, {}, ["support"])  # the agent serves the line's queue
    token = deployment.tokens["dp-alice"]
    host = deployment.settings.web.host
    latencies: list[float] = []
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            context.add_cookies([
                {"name": "voxdesk_token", "value": token, "domain": host, "path": "/", "httpOnly": True},
                {"name": "voxdesk_csrf", "value": csrf_token_for(SECRET, session_id_of(token)),
                 "domain": host, "path": "/"},
            ])  # fmt: skip
            context.add_init_script(WATCH_POP)
            page = context.new_page()
            page.goto(f"{deployment.base_url}/agent")
            page.locator("#softphone").get_by_role("button", name="Connect phone").click()
            poll(lambda: phone_stat(page, "registered"), 10, "registration", deployment)
            poll(lambda: agent_status(deployment) == "available", 10, "the agent available", deployment)
            for _ in range(calls):
                latencies.append(one_call(deployment, page, sip_server))
        finally:
            browser.close()
    return {
        "bench": "INVITE at Asterisk -> agent page shows the ringing call with the customer's name",
        "calls": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": percentile(latencies, 0.95),
        "max_ms": round(max(latencies), 1),
        "all_ms": [round(x, 1) for x in latencies],
        "goal_p95_ms": 500,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    flow = Path(tempfile.mkdtemp(prefix="voxdesk-bench-pop-")) / "direct_flow.yaml"
    flow.write_text(DIRECT_FLOW, encoding="utf-8")
    with deployed("whisper", "pop", extra_env={"VOXDESK_TELEPHONY__IVR_FLOW": str(flow)}) as (
        deployment,
        sip,
        _,
    ):
        print(json.dumps(measure(deployment, sip, args.calls), indent=2))


if __name__ == "__main__":
    main()
