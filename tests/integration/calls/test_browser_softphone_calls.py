"""The console's browser softphone takes a queue call: real Asterisk, a pjsua2 caller through the IVR,
the real web app, JsSIP in Debian's Chromium.

The agent signs in, connects the phone on /agent (WebRTC over Asterisk's SIP WebSocket): presence
makes them available; a caller presses 2 for support, the browser rings, the agent answers. Each
party plays its own tone, so who heard whom is read from the audio: the page's capture holds the
caller's tone, the caller's recording the agent's (Chromium's fake microphone). Muting silences the
agent for the caller, hold gives the caller music instead, hanging up in the page ends the call and
its record.
"""

from __future__ import annotations

import base64
import os
import threading
import time
import uuid
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import uvicorn
from asterisk_support import free_port
from calls_helpers import REDIS_URL, background_call, wait_until
from playwright.sync_api import Page, sync_playwright
from sqlalchemy import select
from tones import AGENT_HZ, CALLER_HZ, SUPERVISOR_HZ, write_tone

from config.accounts import add_user
from config.db import make_engine, make_session_factory, session_scope
from config.models import Role, SipCredential
from config.security import sip_ha1
from config.settings import RedisSettings, Settings, WebSettings
from config.telephony_settings import TelephonySettings
from telephony.agent_profiles.repository import save_profile
from telephony.sipua.plan import CallPlan, DtmfStep
from web.app import create_app

pytestmark = pytest.mark.integration

AGENT = "cc-agent1"  # one of the call tests' SIP accounts (calls_helpers.AGENT_NAMES)
SUPERVISOR = "cc-super1"
CONSOLE_PASSWORD = "browser-phone-agent-pass-7"
SIP_PASSWORD = "call-test-pass"  # calls_helpers.AGENT_PASSWORD: what the session's Asterisk holds
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--use-fake-ui-for-media-stream",
    "--use-fake-device-for-media-stream", "--autoplay-policy=no-user-gesture-required",
    "--allow-loopback-in-peer-connection",  # WebRTC ignores the loopback interface without it
]  # fmt: skip


def write_tone_48k(path: Path, hz: float, seconds: float = 60.0, amplitude: float = 0.3) -> Path:
    """Chromium's fake microphone plays this file in a loop (48 kHz, as WebRTC captures)."""
    rate = 48000
    t = np.arange(int(rate * seconds)) / rate
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes((amplitude * 32767 * np.sin(2 * np.pi * hz * t)).astype("<i2").tobytes())
    return path


def band_rms(samples: np.ndarray, rate: int, hz: float, width: float = 40.0) -> float:
    if len(samples) == 0:
        return 0.0
    spectrum = np.fft.rfft(samples)
    freqs = np.fft.rfftfreq(len(samples), 1 / rate)
    return float(np.sqrt(2 * np.sum(np.abs(spectrum[np.abs(freqs - hz) <= width]) ** 2) / len(samples) ** 2))


def windows(samples: np.ndarray, rate: int, seconds: float = 0.25) -> list[tuple[float, float]]:
    """(agent tone level, whole level) per window of the caller's recording."""
    size = int(rate * seconds)
    out = []
    for start in range(0, len(samples) - size + 1, size):
        chunk = samples[start : start + size]
        out.append((band_rms(chunk, rate, AGENT_HZ), float(np.sqrt(np.mean(chunk**2)))))
    return out


def runs(flags: list[bool]) -> list[tuple[bool, int, int]]:
    """(value, first index, length) of each run of equal flags."""
    out: list[tuple[bool, int, int]] = []
    for index, flag in enumerate(flags):
        if out and out[-1][0] == flag:
            out[-1] = (flag, out[-1][1], out[-1][2] + 1)
        else:
            out.append((flag, index, 1))
    return out


@pytest.fixture
def console_app(
    make_controller: Any, asterisk_settings: Settings, tmp_path: Path
) -> Iterator[tuple[Any, str]]:
    """The call controller and the real web app on one database and one Redis prefix, with the agent
    as a console user whose SIP account is the one the session's Asterisk has."""
    running = make_controller()
    factory = make_session_factory(make_engine(running.db_url))
    with session_scope(factory) as session:
        user, _ = add_user(session, actor="test", username=AGENT, display_name="Ada Agent", role=Role.AGENT,
                           password=CONSOLE_PASSWORD)  # fmt: skip
        credential = session.scalars(select(SipCredential).where(SipCredential.user_id == user.id)).one()
        credential.ha1 = sip_ha1(AGENT, credential.realm, SIP_PASSWORD)
        save_profile(session, user.id, {}, ["support"])
        boss, _ = add_user(session, actor="test", username=SUPERVISOR, display_name="Sue Supervisor",
                           role=Role.SUPERVISOR, password=CONSOLE_PASSWORD)  # fmt: skip
        session.add(
            SipCredential(
                user_id=boss.id, username=SUPERVISOR, ha1=sip_ha1(SUPERVISOR, "voxdesk", SIP_PASSWORD)
            )
        )
    running.start()
    settings = Settings(
        database_url=running.db_url,
        data_dir=tmp_path / "web-data",
        redis=RedisSettings(url=REDIS_URL),
        web=WebSettings(secret_key="phone-secret-" + uuid.uuid4().hex),
        asterisk=asterisk_settings.asterisk,
        telephony=TelephonySettings(key_prefix=running.prefix),
    )
    port = free_port(0)
    config = uvicorn.Config(create_app(settings), host="127.0.0.1", port=port, log_level="warning")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="uvicorn-phone", daemon=True)
    thread.start()
    wait_until(lambda: bool(server.started), 20, "the web app")
    try:
        yield running, f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def stat(page: Page, name: str) -> Any:
    return page.evaluate(f"window.voxSoftphone && window.voxSoftphone.{name}")


def wait_stat(page: Page, name: str, seconds: float) -> None:
    """Poll from here: the console's CSP (no 'unsafe-eval') refuses Playwright's wait_for_function."""
    wait_until(lambda: bool(stat(page, name)), seconds, f"the page's {name}")


def test_an_agent_takes_a_queue_call_in_the_browser_with_audio_both_ways_hold_mute_and_hang_up(
    call_center_asterisk: Any, console_app: tuple[Any, str], tmp_path: Path
) -> None:
    running, base_url = console_app
    mic = write_tone_48k(tmp_path / "agent-mic.wav", AGENT_HZ)
    caller_voice = write_tone(tmp_path / "caller.wav", CALLER_HZ, seconds=60)
    caller_record = tmp_path / "caller-heard.wav"
    timings: dict[str, float] = {}
    with sync_playwright() as driver:
        browser = driver.chromium.launch(
            executable_path="/usr/bin/chromium", headless=True,
            args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={mic}"],
        )  # fmt: skip
        try:
            context = browser.new_context(viewport={"width": 1366, "height": 768})
            page = context.new_page()
            problems: list[str] = []
            page.on("pageerror", lambda error: problems.append(str(error)))
            signed_in = page.request.post(
                f"{base_url}/api/auth/token", data={"username": AGENT, "password": CONSOLE_PASSWORD}
            )
            assert signed_in.ok, signed_in.text()
            page.goto(f"{base_url}/agent?capture=1")
            section = page.locator("#softphone")
            section.get_by_role("button", name="Connect phone").click()
            wait_stat(page, "registered", 10)
            wait_until(lambda: running.agent_status(AGENT) == "available", 5, "presence of the browser")

            thread, results = background_call(
                CallPlan("1000", call_center_asterisk.sip_server, wav=caller_voice, play_at=0.2,
                         dtmf=(DtmfStep("2", 0.6),), record=caller_record, hangup_after=60.0)
            )  # fmt: skip
            wait_stat(page, "incomingAt", 15)
            offering = running.call_in_state("offering", wait=2)
            assert offering.offer_started_at is not None
            ringing_at = stat(page, "incomingAt")
            timings["originate_to_page_ringing_ms"] = ringing_at - offering.offer_started_at * 1000
            assert section.get_attribute("data-state") == "ringing"
            section.get_by_role("button", name="Answer").click()
            wait_stat(page, "acceptedAt", 5)
            timings["answer_to_200_ok_ms"] = stat(page, "acceptedAt") - stat(page, "answerCalledAt")
            connected = running.call_in_state("connected", wait=5)
            assert (connected.queue_id, connected.agent_id) == ("support", AGENT)
            shots = Path(
                os.environ.get("VOXDESK_ARTIFACTS", Path(__file__).parents[3] / "artifacts" / "screenshots")
            )
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "agent-browser-phone-on-a-call-en.png"))

            time.sleep(3.0)  # talking: both tones flow
            section.get_by_role("button", name="Mute").click()
            time.sleep(2.5)
            section.get_by_role("button", name="Unmute").click()
            time.sleep(2.5)
            section.get_by_role("button", name="Hold").click()
            running.call_in_state("on_hold", wait=3)
            time.sleep(3.0)
            section.get_by_role("button", name="Resume").click()
            running.call_in_state("connected", wait=3)
            time.sleep(2.5)
            assert stat(page, "bytesReceived") > 10000 and stat(page, "bytesSent") > 10000
            heard_pcm = base64.b64decode(page.evaluate("window.voxSoftphone.capturedPcmBase64()"))
            heard_rate = int(stat(page, "captureRate"))
            section.get_by_role("button", name="Hang up").click()
            wait_stat(page, "endedAt", 5)
            thread.join(20)
            assert results and results[0].answered
            record = running.record_for(connected.call_id)
            assert record.agent_id == AGENT and record.disposition == "answered" and record.hold_s > 2.0
            assert problems == []
        finally:
            browser.close()

    # What the agent heard: the caller's tone, not their own.
    page_audio = np.frombuffer(heard_pcm, dtype="<i2").astype(np.float64)
    assert len(page_audio) > heard_rate * 8, "the page captured less than the call"
    assert band_rms(page_audio, heard_rate, CALLER_HZ) > 300
    assert band_rms(page_audio, heard_rate, AGENT_HZ) < 100

    # What the caller heard, a quarter second at a time: the agent's tone, then silence while
    # muted, the tone again, music on hold (no tone, yet sound) while held, the tone again.
    with wave.open(str(caller_record), "rb") as wav:
        rate = wav.getframerate()
        samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
    levels = windows(samples, rate)
    tone = [level > 300 for level, _ in levels]
    stretches = [(value, start, length) for value, start, length in runs(tone) if length >= 6]  # 1.5 s+
    first_tone = next(i for i, (value, _, _) in enumerate(stretches) if value)
    pattern = stretches[first_tone:]
    assert [value for value, _, _ in pattern][:5] == [True, False, True, False, True], (pattern, timings)
    muted, held = pattern[1], pattern[3]
    loudness = [whole for _, whole in levels]
    muted_level = float(np.median(loudness[muted[1] : muted[1] + muted[2]]))
    held_level = float(np.median(loudness[held[1] : held[1] + held[2]]))
    assert muted_level < 150, f"muted, the caller still heard {muted_level:.0f}"
    assert held_level > 500, f"on hold the caller heard {held_level:.0f}: no music"
    print("browser softphone timings:", {k: round(v, 1) for k, v in timings.items()})


def open_phone(driver: Any, base_url: str, user: str, path: str, mic: Path) -> tuple[Any, Page]:
    """A Chromium of the user's own (its own fake microphone) on ``path`` with the phone connected."""
    browser = driver.chromium.launch(
        executable_path="/usr/bin/chromium", headless=True,
        args=[*CHROMIUM_ARGS, f"--use-file-for-fake-audio-capture={mic}"],
    )  # fmt: skip
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    signed_in = page.request.post(
        f"{base_url}/api/auth/token", data={"username": user, "password": CONSOLE_PASSWORD}
    )
    assert signed_in.ok, signed_in.text()
    page.goto(f"{base_url}{path}?capture=1")
    page.locator("#softphone").get_by_role("button", name="Connect phone").click()
    wait_stat(page, "registered", 10)
    return browser, page


def test_a_supervisor_listens_from_the_browser_hearing_both_sides_unheard_by_the_caller(
    call_center_asterisk: Any, console_app: tuple[Any, str], tmp_path: Path
) -> None:
    running, base_url = console_app
    caller_record = tmp_path / "caller-heard.wav"
    with sync_playwright() as driver:
        agent_browser, agent = open_phone(
            driver, base_url, AGENT, "/agent", write_tone_48k(tmp_path / "a.wav", AGENT_HZ)
        )
        boss_browser, boss = open_phone(
            driver, base_url, SUPERVISOR, "/supervisor", write_tone_48k(tmp_path / "s.wav", SUPERVISOR_HZ)
        )
        try:
            wait_until(lambda: running.agent_status(AGENT) == "available", 5, "presence of the browser")
            assert running.agent_status(SUPERVISOR) is None  # a supervisor's phone takes no queue calls
            thread, results = background_call(
                CallPlan("1000", call_center_asterisk.sip_server, play_at=0.2, dtmf=(DtmfStep("2", 0.6),),
                         wav=write_tone(tmp_path / "caller.wav", CALLER_HZ, seconds=60), record=caller_record,
                         hangup_after=60.0)
            )  # fmt: skip
            wait_stat(agent, "incomingAt", 15)
            agent.locator("#softphone").get_by_role("button", name="Answer").click()
            call = running.call_in_state("connected", wait=5)
            csrf = next(c["value"] for c in boss.context.cookies() if c["name"] == "voxdesk_csrf")
            listen = boss.request.post(
                f"{base_url}/api/calls/{call.call_id}/supervise/listen", headers={"X-CSRF-Token": csrf}
            )
            assert listen.status == 202, listen.text()
            wait_stat(boss, "acceptedAt", 10)  # answered by itself: the section has data-auto-answer
            time.sleep(4.0)
            heard = np.frombuffer(
                base64.b64decode(boss.evaluate("window.voxSoftphone.capturedPcmBase64()")), "<i2"
            )
            rate = int(stat(boss, "captureRate"))
            agent.locator("#softphone").get_by_role("button", name="Hang up").click()
            thread.join(20)
            assert results and results[0].answered
        finally:
            agent_browser.close()
            boss_browser.close()
    heard_by_boss = heard.astype(np.float64)
    assert band_rms(heard_by_boss, rate, CALLER_HZ) > 150 and band_rms(heard_by_boss, rate, AGENT_HZ) > 150
    with wave.open(str(caller_record), "rb") as wav:
        caller_heard = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2").astype(np.float64)
        caller_rate = wav.getframerate()
    assert band_rms(caller_heard, caller_rate, AGENT_HZ) > 150
    assert band_rms(caller_heard, caller_rate, SUPERVISOR_HZ) < 50  # listening: the caller never hears them
