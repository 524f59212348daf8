"""The composition root joins qa's card-data watch to telephony's command stream (asr and qa cannot)."""

from __future__ import annotations

import json
import uuid

import redis

from asr.frames import LegRef
from asr.sinks import LegStart
from qa.pci import LegRedactor
from qa.pci.pause import RecordingPauseSink
from voxdesk.pci import leg_redactor, pause_sinks, recording_pause


def test_a_pause_is_a_set_recording_paused_command_on_the_controllers_stream(redis_url: str) -> None:
    prefix = f"pci-{uuid.uuid4().hex[:8]}"
    recording_pause(redis_url, prefix)("call-9", True)
    client = redis.Redis.from_url(redis_url)
    try:
        [(_id, fields)] = client.xrange(f"{prefix}:telephony:commands")
    finally:
        client.delete(f"{prefix}:telephony:commands")
    command = json.loads(fields[b"command"])
    assert (command["kind"], command["call_id"], command["paused"], command["actor"]) == (
        "recording_paused", "call-9", True, "pci",
    )  # fmt: skip


def test_only_the_caller_leg_is_watched_and_every_leg_gets_its_own_redactor() -> None:
    sinks = pause_sinks(lambda call_id, paused: None)
    [watch] = sinks(LegStart(LegRef("c1", "caller")))
    assert isinstance(watch, RecordingPauseSink) and watch.call_id == "c1"
    assert list(sinks(LegStart(LegRef("c1", "agent"), speaker="ag-1"))) == []
    first, second = leg_redactor(LegRef("c1", "caller")), leg_redactor(LegRef("c1", "agent"))
    assert isinstance(first, LegRedactor) and first is not second
