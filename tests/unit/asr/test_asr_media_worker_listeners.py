"""Features the composition root adds to a media worker (live QA) get sinks for each leg it starts,
with who talks and where the leg's clock starts, and word of the leg's end after its last words."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

from test_asr_media_worker_registry import QuietVad, SilentRecognizer

from asr.frames import LegRef
from asr.media.worker import MediaWorker
from asr.sinks import CollectingSink, LegStart, TranscriptSink


@dataclass
class RecordingListener:
    started: list[LegStart] = field(default_factory=list)
    ended: list[LegRef] = field(default_factory=list)
    sink: CollectingSink = field(default_factory=CollectingSink)

    def leg_started(self, start: LegStart) -> Sequence[TranscriptSink]:
        self.started.append(start)
        return [self.sink]

    def leg_ended(self, leg: LegRef) -> None:
        self.ended.append(leg)


async def test_a_listener_hears_of_each_leg_with_its_speaker_clock_and_queue_and_of_its_end() -> None:
    listener = RecordingListener()
    worker = MediaWorker(
        SilentRecognizer(), QuietVad, lambda leg: [], port_range=(31530, 31550), listeners=[listener]
    )
    await worker.start()
    try:
        message = {"op": "allocate", "call_id": "c1", "leg": "agent", "speaker": "ag-alice", "elapsed": 4.5,
                   "queue": "support"}  # fmt: skip
        reply = await worker._handle(json.dumps(message).encode())
        assert reply["ok"], reply
        await worker.allocate("c1", "caller")
        assert listener.started == [
            LegStart(LegRef("c1", "agent"), "ag-alice", 4.5, "support"),
            LegStart(LegRef("c1", "caller")),
        ]
        assert listener.sink in worker.pipelines[LegRef("c1", "agent")]._sinks
        await worker.release("c1", "agent")
        assert listener.ended == [LegRef("c1", "agent")]
    finally:
        await worker.close()
    assert listener.ended == [LegRef("c1", "agent"), LegRef("c1", "caller")]
