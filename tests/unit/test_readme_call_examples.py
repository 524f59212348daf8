"""The README's `voxdesk call 1000 ... --dtmf ...` examples, walked through the shipped IVR at any hour.

tests/integration/test_readme_demo.py places the same calls on a running Voxdesk; this catches a
README or flow edit that breaks them in a second.
"""

from __future__ import annotations

import re
import shlex
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from telephony.ivr import IvrSession, OrderStatus, RouteToQueue, Waiting, parse_flow

ROOT = Path(__file__).resolve().parents[2]
CALL_EXAMPLE = re.compile(r"voxdesk call 1000 ([^`|#\n]*(?:#[^ `|\n]*)?[^`|#\n]*)")


def readme_calls() -> list[list[str]]:
    """The digits each README call example presses, in order."""
    calls = []
    for match in CALL_EXAMPLE.finditer((ROOT / "README.md").read_text(encoding="utf-8")):
        args = shlex.split(match.group(1), comments=False)
        calls.append([args[i + 1] for i, arg in enumerate(args[:-1]) if arg == "--dtmf"])
    return calls


def walk(digits: list[str], now: datetime) -> IvrSession:
    """Press the digits as the caller does; prompts end and look-ups answer in between."""
    flow = parse_flow((ROOT / "config" / "ivr" / "main.yaml").read_text(encoding="utf-8"), "main")
    session = IvrSession(flow, caller_id="caller", clock=lambda: now)
    session.start()
    for step in digits:
        settle(session)
        for digit in step:
            session.on_dtmf(digit)
            settle(session)
    return session


def settle(session: IvrSession) -> None:
    for _ in range(10):
        if session.waiting is Waiting.PLAYBACK:
            session.on_playback_finished()
        elif session.waiting is Waiting.LOOKUP:
            session.on_lookup_result("customer", None)
            session.on_lookup_result("order", OrderStatus("100234", "shipped", "It arrives on Friday."))
        else:
            return


HOURS = [datetime(2026, 12, 6, 0, 30, tzinfo=UTC) + timedelta(hours=h) for h in range(0, 24 * 7, 7)]


def test_the_readme_has_call_examples_that_press_keys() -> None:
    calls = readme_calls()
    assert len(calls) >= 2 and all(calls), calls


@pytest.mark.parametrize("now", HOURS, ids=lambda t: t.strftime("%a-%H:%M"))
def test_every_readme_call_example_stays_in_english_and_reaches_what_it_asks_for(now: datetime) -> None:
    for digits in readme_calls():
        session = walk(digits, now)
        path = session.path_summary()
        assert session.language == "en", path
        assert "opening_hours:open" in path and "invalid" not in path, path
        reached_queue = isinstance(session.result, RouteToQueue) and session.result.queue != "general"
        assert reached_queue or "read_order_status:played" in path, (digits, path)
