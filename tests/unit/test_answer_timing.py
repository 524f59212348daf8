"""The controller's own StasisStart -> answered timing (read by bench/calls.py)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

from telephony.ari.timing import AnswerTiming


def test_an_answered_channel_counts_its_delivery_and_answer_time_and_unknown_channels_do_not() -> None:
    timing = AnswerTiming()
    stamped = (datetime.now(UTC) - timedelta(milliseconds=40)).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    timing.stasis_started("chan-1", stamped)
    time.sleep(0.02)
    timing.answered("chan-1")
    timing.answered("never-started")  # an originated channel: nothing to measure
    summary = timing.summary()
    assert summary["stasis_start_to_answered_ms"]["n"] == 1
    assert 15 <= summary["stasis_start_to_answered_ms"]["p50"] < 500  # type: ignore[operator]
    assert 30 <= summary["asterisk_to_controller_ms"]["p50"] < 500  # type: ignore[operator]
    timing.reset()
    assert timing.summary()["stasis_start_to_answered_ms"]["n"] == 0


def test_a_bad_asterisk_timestamp_still_times_the_answer() -> None:
    timing = AnswerTiming(keep=2)
    for channel in ("a", "b", "c"):
        timing.stasis_started(channel, "not a time")
    timing.answered("a")  # forgotten: only the last two are kept
    timing.answered("c")
    summary = timing.summary()
    assert summary["stasis_start_to_answered_ms"]["n"] == 1 and summary["asterisk_to_controller_ms"]["n"] == 0
