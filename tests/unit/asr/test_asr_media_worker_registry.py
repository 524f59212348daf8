"""A media worker restarted on its control port removes its dead predecessor's entry at once; a leg
the controller moves back to a worker that still has it replaces the old port."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import numpy as np

from asr.engines.base import RecognizerSession, SpeechRecognizer
from asr.frames import AudioFrame, FinalTranscript, LegRef, TranscriptFrame
from asr.media.control import WORKER_KEY_PREFIX, WorkerLoad, forget_predecessors
from asr.media.worker import MediaWorker
from asr.vad import VadEngine


def unchanged(frame: TranscriptFrame) -> TranscriptFrame:
    """No redaction: these tests are about timing, not card data."""
    return frame


class FakeRedis:
    """get / delete / scan_iter over a dict, as the worker registry uses them."""

    def __init__(self, entries: dict[str, WorkerLoad]) -> None:
        self.values = {
            WORKER_KEY_PREFIX + w.worker_id: json.dumps(w.as_dict()).encode() for w in entries.values()
        }

    async def scan_iter(self, match: str, count: int) -> AsyncIterator[bytes]:
        for key in list(self.values):
            if key.startswith(match.rstrip("*")):
                yield key.encode()

    async def get(self, key: bytes | str) -> bytes | None:
        return self.values.get(key.decode() if isinstance(key, bytes) else key)

    async def delete(self, key: bytes | str) -> int:
        return int(self.values.pop(key.decode() if isinstance(key, bytes) else key, None) is not None)


def load(worker_id: str, host: str, port: int) -> WorkerLoad:
    return WorkerLoad(worker_id, host, port, legs=2, capacity=20, cpu=0.1, max_lag_seconds=0.0)


async def test_a_restarted_worker_drops_the_entry_of_the_dead_one_on_its_address_only() -> None:
    workers = {
        "dead": load("dead", "127.0.0.1", 8790),
        "me": load("me", "127.0.0.1", 8790),
        "other": load("other", "127.0.0.1", 8791),
        "elsewhere": load("elsewhere", "10.0.0.2", 8790),
    }
    redis = FakeRedis(workers)
    await forget_predecessors(redis, "me", "127.0.0.1", 8790)  # type: ignore[arg-type]
    left = {key.removeprefix(WORKER_KEY_PREFIX) for key in redis.values}
    assert left == {"me", "other", "elsewhere"}


class SilentSession(RecognizerSession):
    engine_name = "silent"

    def accept(self, frame: AudioFrame) -> list[TranscriptFrame]:
        return []

    def end_segment(self) -> list[FinalTranscript]:
        return []


class SilentRecognizer(SpeechRecognizer):
    name = "silent"

    def session(self, leg: LegRef, *, phrases: list[str] | None = None) -> RecognizerSession:
        return SilentSession()


class QuietVad(VadEngine):
    sample_rate = 16000
    window_samples = 320

    def is_speech(self, window: np.ndarray) -> bool:
        return False


async def test_a_leg_allocated_again_gives_up_its_old_port_instead_of_being_refused() -> None:
    worker = MediaWorker(
        SilentRecognizer(),
        QuietVad,
        lambda leg: [],
        make_redactor=lambda leg: unchanged,
        port_range=(31500, 31520),
    )
    await worker.start()
    try:
        first = await worker.allocate("c1", "caller")
        again = await worker.allocate("c1", "caller", elapsed=12.0)  # the controller moved the leg
        assert list(worker.pipelines) == [LegRef("c1", "caller")]
        assert list(worker.rtp.legs) == [LegRef("c1", "caller")]
        assert again["worker_id"] == first["worker_id"]
    finally:
        await worker.close()
