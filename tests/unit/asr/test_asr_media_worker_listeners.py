"""Sinks the composition root adds to a media worker (the recording pause, live QA) are made for each
leg with who talks on it and where its clock starts, and hear of the leg's end after its last words."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from test_asr_media_worker_registry import QuietVad, SilentRecognizer, unchanged

from asr.frames import LegRef
from asr.media.worker import MediaWorker
from asr.sinks import CollectingSink, LegStart, TranscriptSink


@dataclass
class ClosingSink(CollectingSink):
    closed: list[LegRef] = field(default_factory=list)

    def leg_closed(self, leg: LegRef) -> None:
        self.closed.append(leg)


@dataclass
class Extras:
    started: list[LegStart] = field(default_factory=list)
    sink: ClosingSink = field(default_factory=ClosingSink)

    def __call__(self, start: LegStart) -> Sequence[TranscriptSink]:
        self.started.append(start)
        return [self.sink]


async def test_extra_sinks_learn_each_legs_speaker_clock_and_queue_and_hear_of_its_end() -> None:
    extras = Extras()
    worker = MediaWorker(
        SilentRecognizer(), QuietVad, lambda leg: [], make_redactor=lambda leg: unchanged,
        extra_sinks=extras, port_range=(31530, 31550),
    )  # fmt: skip
    await worker.start()
    try:
        message = {"op": "allocate", "call_id": "c1", "leg": "agent", "speaker": "ag-alice", "elapsed": 4.5,
                   "queue": "support"}  # fmt: skip
        reply = await worker._handle(json.dumps(message).encode())
        assert reply["ok"], reply
        await worker.allocate("c1", "caller")
        assert extras.started == [
            LegStart(LegRef("c1", "agent"), "ag-alice", 4.5, "support"),
            LegStart(LegRef("c1", "caller")),
        ]
        await worker.release("c1", "agent")
        assert extras.sink.closed == [LegRef("c1", "agent")]
    finally:
        await worker.close()
    assert extras.sink.closed == [LegRef("c1", "agent"), LegRef("c1", "caller")]
