"""The console in Debian's Chromium against Voxdesk as deployed: an agent's page registers its browser
softphone, a pjsua2 caller comes in through the sandbox IVR and queue, the agent answers in the page
and both hear each other (audio checked); the page shows the customer, both legs' live transcript and
a compliance alert, and the supervisor's wallboard counts the call. Then the same pages in Chinese.

Screenshots of each page in both languages are saved under ``$VOXDESK_ARTIFACTS`` (default
``artifacts/screenshots``)."""

from __future__ import annotations

import base64
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from deployed_helpers import SECRET, Deployment, wait_for
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright
from speech_audio import spoken_wav, words_of
from sqlalchemy import select

from asr.audio import read_wav, resample, write_wav
from asr.engines.whisper import load_whisper_model, packaged_whisper_path
from config.db import make_engine, make_session_factory, session_scope
from config.models import User
from config.sessions import session_id_of
from telephony.agent_profiles.repository import save_profile
from telephony.sipua.client import place_call
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep
from tickets.customers.services import find_or_create_customer
from web.auth import csrf_token_for

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CALLER_NUMBER = "+14155550123"
CUSTOMER_NAME = "Ada Lovelace"
QUESTION = "How do I get a refund for my order?"
PROMISE = "This fund is guaranteed to make you money."
RULES = """
rules:
  - id: no-profit-guarantee
    kind: forbidden
    speaker: agent
    severity: high
    examples:
      - this investment is guaranteed to make money
      - you are sure to make a profit with this product
"""
ARTIFACTS = Path(os.environ.get("VOXDESK_ARTIFACTS", Path(__file__).parents[3] / "artifacts")) / "screenshots"


def chromium_args(fake_mic: Path) -> list[str]:
    return [
        "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-audio-capture={fake_mic}", "--autoplay-policy=no-user-gesture-required",
        "--allow-loopback-in-peer-connection",  # WebRTC ignores the loopback interface without it
    ]  # fmt: skip


def signed_in(browser: Browser, deployment: Deployment, who: str, language: str) -> BrowserContext:
    """A browser context holding ``who``'s session cookies, as the sign-in page leaves them."""
    token = deployment.tokens[who]
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale=language)
    host = deployment.settings.web.host
    csrf = csrf_token_for(SECRET, session_id_of(token))
    context.add_cookies([
        {"name": "voxdesk_token", "value": token, "domain": host, "path": "/", "httpOnly": True},
        {"name": "voxdesk_csrf", "value": csrf, "domain": host, "path": "/"},
    ])  # fmt: skip
    return context


def shoot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.fixture
def known_caller(deployment: Deployment) -> Iterator[None]:
    """The caller is a known customer; the agent serves the support queue (so the customer of a call
    ringing for them is theirs to see)."""
    factory = make_session_factory(make_engine(deployment.settings.effective_database_url))
    with session_scope(factory) as session:
        find_or_create_customer(session, "phone", CALLER_NUMBER, "US", CUSTOMER_NAME)
        alice = session.scalars(select(User).where(User.username == "dp-alice")).one()
        save_profile(session, alice.id, {}, ["support", "general", "sales"])
    yield


@pytest.fixture
def promise_rule(deployment: Deployment) -> Iterator[None]:
    before = deployment.api("dp-ada", "GET", "/api/admin/compliance-rules")
    saved = deployment.api("dp-ada", "PUT", "/api/admin/compliance-rules", json={"yaml": RULES})
    assert saved.status_code == 200, saved.text
    yield
    deployment.api("dp-ada", "PUT", "/api/admin/compliance-rules", json={"yaml": before.json()["yaml"]})


def test_an_agent_takes_a_real_call_in_the_browser_and_the_supervisor_sees_it(
    deployment: Deployment, deployed_asterisk: Any, known_caller: None, promise_rule: None, tmp_path: Path
) -> None:
    caller_wav, agent_wav = tmp_path / "caller.wav", tmp_path / "agent.wav"
    spoken_wav([QUESTION], caller_wav, lead=5.0)
    spoken_wav(["Hello, thank you for calling.", PROMISE], agent_wav, pause=1.5, lead=1.0)
    caller_seconds = len(caller_wav.read_bytes()) / 32000
    caller_heard = tmp_path / "caller_heard.wav"
    plan = CallPlan(
        "1000", deployed_asterisk.sip_server, wav=caller_wav, play_at=1.0, user=CALLER_NUMBER,
        dtmf=(DtmfStep("1", 0.5),), hangup_after=1.0 + caller_seconds + 8.0, record=caller_heard,
    )  # fmt: skip
    results: list[CallResult] = []
    opened: dict[str, Page] = {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, headless=True,
                                         args=chromium_args(mic_48k(agent_wav, tmp_path)))  # fmt: skip
        try:
            agent = opened["agent"] = signed_in(browser, deployment, "dp-alice", "en-US").new_page()
            supervisor = opened["supervisor"] = signed_in(browser, deployment, "dp-sue", "en-US").new_page()
            errors: list[str] = []
            for page in (agent, supervisor):
                page.on("pageerror", lambda error: errors.append(str(error)))
            agent.goto(f"{deployment.base_url}/agent?capture=1")
            supervisor.goto(f"{deployment.base_url}/supervisor")
            phone = agent.locator("#softphone")
            phone.get_by_role("button", name="Connect phone").click()
            poll(lambda: page_stat(agent, "registered"), 10, "the browser softphone registered", deployment)
            poll(lambda: agent_status(deployment) == "available", 10, "the agent available", deployment)
            before = support_answered(deployment)

            caller = threading.Thread(target=lambda: results.append(place_call(plan)), daemon=True)
            caller.start()
            poll(lambda: page_stat(agent, "incomingAt"), 25, "the browser ringing", deployment)
            pop = agent.locator("#call-panel .call-who")
            pop.filter(has_text=CUSTOMER_NAME).wait_for(timeout=5000)  # the customer, while it rings
            shoot(agent, "agent-ringing-en")
            phone.get_by_role("button", name="Answer").click()
            poll(lambda: page_stat(agent, "acceptedAt"), 5, "the answer", deployment)

            lines = "#call-panel ol.transcript li.line[data-leg={}]"
            agent.locator(lines.format("caller")).filter(has_text="refund").first.wait_for(timeout=30000)
            agent.locator(lines.format("agent")).filter(has_text="guaranteed").first.wait_for(timeout=30000)
            alert = agent.locator("#call-panel ul.alerts li.forbidden[data-rule=no-profit-guarantee]")
            alert.wait_for(timeout=30000)
            shoot(agent, "agent-call-en")
            shoot(supervisor, "supervisor-call-en")
            heard = base64.b64decode(agent.evaluate("window.voxSoftphone.capturedPcmBase64()"))
            heard_rate = int(page_stat(agent, "captureRate"))
            caller.join(plan.hangup_after + 30)
            assert results and results[0].answered, results
            counted = lambda: support_answered(deployment) == before + 1  # noqa: E731
            poll(counted, 20, "the wallboard counting the call", deployment)
            tile = "#wallboard article.tile[data-queue=support] [data-metric=answered] .metric-value"
            shown = lambda: supervisor.locator(tile).inner_text() == str(before + 1)  # noqa: E731
            poll(shown, 15, "the floor page counting the call", deployment)
            shoot(supervisor, "supervisor-after-call-en")
            assert errors == [], errors

            for page, heading in ((agent, "我的工作台"), (supervisor, "现场监控")):
                page.context.add_cookies([{"name": "voxdesk_lang", "value": "zh",
                                           "domain": deployment.settings.web.host, "path": "/"}])  # fmt: skip
                page.reload()
                page.get_by_role("heading", name=heading).first.wait_for(timeout=10000)
            shoot(agent, "agent-zh")
            shoot(supervisor, "supervisor-zh")
        except BaseException:
            for name, page in opened.items():
                shoot(page, f"failed-{name}")  # what the pages showed when the test failed
            raise
        finally:
            browser.close()

    # What each side heard, read back by Whisper: the caller's question in the page, the agent's
    # promise at the caller's phone (not only signalling: the audio went both ways).
    assert "refund" in transcribe(np.frombuffer(heard, dtype="<i2"), heard_rate), "the page heard no caller"
    caller_audio = read_wav(caller_heard)
    assert "guaranteed" in transcribe(caller_audio.channels[0], caller_audio.sample_rate)


def poll(predicate: Callable[[], object], seconds: float, what: str, deployment: Deployment) -> None:
    """Wait from here: the console's CSP (no 'unsafe-eval') refuses Playwright's wait_for_function."""
    wait_for(lambda: bool(predicate()), seconds, what, deployment.describe)


def page_stat(page: Page, name: str) -> Any:
    return page.evaluate(f"window.voxSoftphone && window.voxSoftphone.{name}")


def agent_status(deployment: Deployment) -> str | None:
    answer = deployment.api("dp-alice", "GET", "/api/agents/me")
    return answer.json().get("status") if answer.status_code == 200 else None


def support_answered(deployment: Deployment) -> int:
    answer = deployment.api("dp-sue", "GET", "/api/wallboard")
    assert answer.status_code == 200, answer.text
    queues = {q["queue_id"]: q for q in answer.json()["queues"]}
    return int(queues.get("support", {}).get("answered", 0))


def mic_48k(wav: Path, work: Path) -> Path:
    """Chromium's fake microphone file (it loops it), at the 48 kHz WebRTC captures."""
    audio = read_wav(wav)
    path = work / "agent_mic_48k.wav"
    write_wav(path, 48000, resample(audio.channels[0], audio.sample_rate, 48000))
    return path


def transcribe(pcm: np.ndarray, rate: int) -> str:
    model = load_whisper_model(packaged_whisper_path() or Path("missing"), 2)
    samples = resample(pcm.astype(np.int16), rate, 16000).astype(np.float32) / 32768
    segments, _ = model.transcribe(samples, language="en", beam_size=1)
    return words_of(" ".join(segment.text for segment in segments))
