"""A QA manager reviews a call in real Chromium: finds it by a phrase, clicks the line and the recording
plays from that line, overrides a scorecard item (stored), in English and Chinese. The call is seeded
through the services call control and the transcript store use, with a real WAV recording written
where the app reads recordings. Screenshots at 1366x768 go to $VOXDESK_ARTIFACTS (default
artifacts/screenshots/)."""

from __future__ import annotations

import math
import os
import struct
import uuid
import wave
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from browser_polling import poll
from playwright.sync_api import Browser, Page
from sqlalchemy import select, update

from asr.transcripts.repository import TranscriptRepository
from asr.transcripts.schemas import TranscriptSegmentCreate
from config.accounts import create_user
from config.models import Role
from qa.alerts.models import QaAlert
from qa.scorecards import calibration
from qa.scorecards.access import Viewer
from qa.scorecards.models import Scorecard
from qa.scorecards.schemas import CalibrationUpdate, CallFacts
from qa.scorecards.services import get_scorecard
from qa.scorecards.tasks import score
from telephony.records.models import CallRecord
from tickets.conversations.call_links import CallLink
from tickets.conversations.voice import (
    TranscriptLine,
    append_transcript_line,
    record_call_answered,
    record_call_conversation,
)

pytestmark = pytest.mark.browser
PASSWORD = "qa-Review-7rq-long-pass"
ARTIFACTS = Path(
    os.environ.get("VOXDESK_ARTIFACTS") or Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
)
ANSWER_DELAY = 20.0  # the caller waited 20 s; the recording starts when the agent joins
RECORDING_SECONDS = 14.0
# (leg, seconds on the leg clock, text): the caller's leg started 20 s before the recording did
LINES = (
    ("caller", 2.0, "Hello? Is anybody there?"),  # in the queue: not in the recording
    ("agent", 1.0, "Thank you for calling, this is Mia, how can I help you today?"),
    ("caller", 24.0, "I want to move my savings into your new fund."),
    ("agent", 8.0, "This fund is guaranteed to make money, you cannot lose."),
    ("caller", 31.0, "Great, thank you, that solves my problem."),
)


def write_tone_wav(path: Path, seconds: float, rate: int = 8000) -> None:
    """A real mono 16-bit WAV: a tone whose pitch rises every second (what a player can seek in)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frames = bytearray()
    for n in range(int(seconds * rate)):
        pitch = 300 + 50 * (n // rate)
        frames += struct.pack("<h", int(8000 * math.sin(2 * math.pi * pitch * n / rate)))
    with wave.open(str(path), "wb") as audio:
        audio.setnchannels(1)
        audio.setsampwidth(2)
        audio.setframerate(rate)
        audio.writeframes(bytes(frames))


def seed_reviewed_call(live_app: Any, agent: str) -> str:
    """A finished, recorded, transcribed, alerted and scored call of ``agent``; its call id."""
    call_id = f"qa{uuid.uuid4().hex[:12]}"
    recording = f"voxdesk-{call_id}"
    write_tone_wav(live_app.recordings_dir / f"{recording}.wav", RECORDING_SECONDS)
    offered = datetime.now(UTC) - timedelta(minutes=3)
    answered = offered + timedelta(seconds=ANSWER_DELAY)
    ended = answered + timedelta(seconds=RECORDING_SECONDS)
    with live_app.session_factory() as session:
        session.add(CallRecord(call_id=call_id, caller_number="+14155550100", queue_id="billing",
                               agent_id=agent, disposition="answered", offered_at=offered,
                               answered_at=answered, ended_at=ended, talk_s=RECORDING_SECONDS,
                               recording_name=recording))  # fmt: skip
        session.commit()
        record_call_conversation(session, call_id, "+14155550100", "US")
        link = record_call_answered(session, call_id, agent, "billing")
        times = {"started_at": offered, "answered_at": answered, "recording_name": recording}
        session.execute(update(CallLink).where(CallLink.id == link.id).values(**times))
        session.commit()
        for leg, start, text in LINES:
            speaker = agent if leg == "agent" else None
            segment = TranscriptSegmentCreate(call_id=call_id, leg=leg, speaker=speaker, start=start,
                                              end=start + 3, text=text, confidence=0.9)  # fmt: skip
            TranscriptRepository(session).add(segment)
            session.commit()
            ms = round(start * 1000)
            append_transcript_line(session, TranscriptLine(call_id, leg, text, ms, ms + 3000, speaker))
        session.add(QaAlert(call_id=call_id, channel="voice", agent=agent, rule_id="guaranteed_returns",
                            kind="forbidden", severity="high", speaker="agent", evidence=LINES[3][2],
                            start=ANSWER_DELAY + 8.0, end=ANSWER_DELAY + 11.0))  # fmt: skip
        session.commit()
    facts = CallFacts(call_id=call_id, agent_id=agent, queue_id="billing", offered_at=offered.timestamp(),
                      answered_at=answered.timestamp(), ended_at=ended.timestamp())  # fmt: skip
    card_id = score(live_app.session_factory, facts, None).scorecard_id
    with live_app.session_factory() as session:  # a colleague has calibrated already: automatic results
        colleague = create_user(session, f"qa-{uuid.uuid4().hex[:6]}", "Chen Jing", Role.QA_MANAGER, PASSWORD)
        session.commit()
        sheet = {
            i.key: i.auto_status
            for i in get_scorecard(session, Viewer(colleague.id, Role.QA_MANAGER), card_id).items
        }
        calibration.submit(
            session, Viewer(colleague.id, Role.QA_MANAGER), card_id, CalibrationUpdate(items=sheet)
        )
    return call_id


@pytest.fixture
def page(chromium: Browser) -> Iterator[Page]:
    context = chromium.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    try:
        yield context.new_page()
    finally:
        context.close()




def test_a_qa_manager_finds_a_call_by_a_phrase_plays_the_line_and_overrides_a_score(
    page: Page, live_app: Any
) -> None:
    agent = f"mia{uuid.uuid4().hex[:6]}"
    call_id = seed_reviewed_call(live_app, agent)
    name = f"qa-{uuid.uuid4().hex[:6]}"
    with live_app.session_factory() as session:
        create_user(session, name, "Quality Lead", Role.QA_MANAGER, PASSWORD)
        session.commit()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    page.goto(f"{live_app.base_url}/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_url("**/qa")  # a QA manager's home
    page.fill("input[name=q]", "guaranteed to make money")
    page.fill("input[name=agent]", agent)
    page.get_by_role("button", name="Search").click()
    row = page.locator(f"#results tr[data-call='{call_id}']")
    row.wait_for(timeout=10_000)
    assert "This fund is guaranteed to make money" in row.inner_text()
    assert "guaranteed_returns" in row.inner_text() and "00:08" in row.inner_text()
    page.screenshot(path=str(ARTIFACTS / "qa-search-en.png"))

    row.get_by_role("link").click()
    page.wait_for_url(f"**/qa/calls/{call_id}?q=*")
    line = page.locator("button.line.match")
    line.wait_for(timeout=10_000)
    assert line.get_attribute("data-at") == "8"  # the agent's leg is the recording's clock
    assert page.locator("button.line").first.is_disabled()  # said in the queue: before the recording
    poll(page, "document.getElementById('player').readyState >= 1")  # the WAV's header was read
    assert page.evaluate("Math.round(document.getElementById('player').duration)") == RECORDING_SECONDS
    line.click()
    poll(page, "(() => { const p = document.getElementById('player');"
               " return !p.paused && p.currentTime >= 8 && p.currentTime < 10; })()")  # fmt: skip
    caller_line = page.locator("button.line", has_text="move my savings")
    assert caller_line.get_attribute("data-at") == "4"  # 24 s on the caller's leg, 20 s before the recording
    caller_line.click()
    poll(page, "(() => { const p = document.getElementById('player');"
               " return !p.paused && p.currentTime >= 4 && p.currentTime < 6; })()")  # fmt: skip
    page.evaluate("document.getElementById('player').pause()")
    assert "guaranteed_returns" in page.locator("#alerts").inner_text()

    greeting = page.locator("#items tr[data-item='greeting']")
    before = greeting.locator("select").input_value()
    wanted = "failed" if before != "failed" else "passed"
    greeting.locator("select").select_option(wanted)
    greeting.locator("input").fill("Did not give the company name")
    page.get_by_role("button", name="Save review").click()
    page.locator("#review-result", has_text="Review saved.").wait_for(timeout=10_000)
    with live_app.session_factory() as session:
        card = session.scalars(select(Scorecard).where(Scorecard.call_id == call_id)).one()
        assert card.reviewed is True
        assert card.overrides == {"greeting": {"status": wanted, "reason": "Did not give the company name"}}
        assert card.effective_total is not None and card.effective_total != card.auto_total
    assert page.locator("#total").inner_text() == f"{round(card.effective_total, 1):g}"

    # Calibration: blind until the QA manager's own sheet is in, then the agreement with the colleague.
    page.locator("#calibration-status", has_text="on their own: 1").wait_for(timeout=10_000)
    assert page.locator("#calibration-rows tr").count() == 0
    own = page.locator("#calibration-items select[name='calibrate-greeting']")
    own.select_option("failed" if own.input_value() != "failed" else "passed")
    page.get_by_role("button", name="Submit my scores").click()
    page.locator("#calibration-result", has_text="Your scores are in.").wait_for(timeout=10_000)
    items = page.locator("#calibration-rows tr").count()
    percent = round(100 * (items - 1) / items)
    assert page.locator("#agreement").inner_text() == f"Agreement: {percent}%"
    assert page.locator("#calibration-rows tr[data-item='greeting'] td.disagreed").count() == 2
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "qa-review-en.png"))

    page.goto(f"{live_app.base_url}/lang/zh?next=/qa/calls/{call_id}")
    page.get_by_role("heading", name="通话审核").wait_for(timeout=10_000)
    page.locator("button.line").nth(1).wait_for()
    assert "违规表述" in page.locator("#alerts").inner_text()
    assert page.locator("#items tr[data-item='greeting'] select").input_value() == wanted
    page.locator("#agreement", has_text="一致率").wait_for(timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "qa-review-zh.png"))
    page.locator("#calibration-card").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / "qa-calibration-zh.png"))
    page.goto(f"{live_app.base_url}/qa")
    page.fill("input[name=q]", "guaranteed to make money")
    page.fill("input[name=agent]", agent)
    page.get_by_role("button", name="搜索").click()
    page.locator(f"#results tr[data-call='{call_id}']").wait_for(timeout=10_000)
    page.screenshot(path=str(ARTIFACTS / "qa-search-zh.png"))
