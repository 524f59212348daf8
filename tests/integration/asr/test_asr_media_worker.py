"""A media worker end to end on loopback: chosen by load through Redis, RTP in, events out."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid

import numpy as np
import pytest
import redis
from speech_audio import KOREAN_SENTENCES, espeak_16k, phone_band, silence

from asr.events import TranscriptFinal, TranscriptPartial
from asr.exceptions import MediaError
from asr.media.codecs import encode_ulaw
from asr.media.control import WORKER_KEY_PREFIX, MediaWorkerClient, MediaWorkerDirectory
from asr.media.rtp import build_rtp
from asr.media.worker import MediaWorker
from asr.sinks import CollectingSink, NotifierSink
from config.events import Notifier, Subscription, channel_name
from qa.pci import LegRedactor

pytestmark = pytest.mark.integration

BASE = int(os.environ.get("VOXDESK_TEST_RTP_BASE", "31000")) + 100


@pytest.fixture
def asr_redis_url(redis_url: str) -> str:
    """A Redis db of our own, so worker discovery never sees other people's test workers."""
    url = redis_url.rsplit("/", 1)[0] + "/11"
    client = redis.Redis.from_url(url)
    for key in client.scan_iter(WORKER_KEY_PREFIX + "*"):
        client.delete(key)
    return url


async def send_rtp(port: int, pcm8k: np.ndarray, pace: float = 0.0) -> None:
    loop = asyncio.get_running_loop()
    transport, _ = await loop.create_datagram_endpoint(asyncio.DatagramProtocol, local_addr=("127.0.0.1", 0))
    for i in range(len(pcm8k) // 160):
        payload = encode_ulaw(pcm8k[i * 160 : (i + 1) * 160])
        transport.sendto(build_rtp(0, i, i * 160, 4242, payload), ("127.0.0.1", port))
        await asyncio.sleep(pace)
    transport.close()


async def test_the_controller_picks_the_least_loaded_worker_and_transcripts_reach_subscribers(
    asr_redis_url, vosk_recognizer
):
    from asr.vad import WebRtcVad

    call_id = f"call-{uuid.uuid4().hex[:8]}"
    collected = CollectingSink()
    notifier_sink = NotifierSink(Notifier.from_url(asr_redis_url))
    workers = [
        await MediaWorker(
            vosk_recognizer,
            lambda: WebRtcVad(16000, 2),
            lambda leg: [notifier_sink, collected],
            make_redactor=lambda leg: LegRedactor(),
            port_range=(BASE + 20 * i, BASE + 20 * i + 9),
            capacity=4,
            redis_url=asr_redis_url,
            worker_id=f"test-worker-{i}",
            idle_timeout=0.5,
        ).start()
        for i in range(2)
    ]
    directory = MediaWorkerDirectory(asr_redis_url)
    try:
        # Load worker 0 with a leg, then wait for both to publish.
        await workers[0].allocate("busy-call", "caller")
        await asyncio.sleep(1.3)
        loads = await directory.workers()
        assert [w.worker_id for w in loads] == ["test-worker-1", "test-worker-0"]
        assert loads[1].legs == 1 and loads[0].legs == 0
        async with Subscription(asr_redis_url, [channel_name("call", call_id)]) as subscription:
            allocation = await directory.allocate_port(call_id, "caller", "ulaw")
            assert allocation.worker_id == "test-worker-1"
            speech = phone_band(np.concatenate([silence(0.5), espeak_16k(KOREAN_SENTENCES[0])]))
            await send_rtp(allocation.port, speech, pace=0.002)
            events = []
            deadline = asyncio.get_running_loop().time() + 20
            while not any(isinstance(e, TranscriptFinal) for e in events):
                assert asyncio.get_running_loop().time() < deadline, events
                event = await subscription.get(1.0)
                if event is not None:
                    events.append(event)
            stats = await directory.release(allocation, call_id, "caller")
        assert any(isinstance(e, TranscriptPartial) for e in events)
        final = next(e for e in events if isinstance(e, TranscriptFinal))
        assert final.call_id == call_id and final.leg == "caller" and final.words
        assert stats["rtp"]["packets"] == len(speech) // 160
        assert stats["asr"]["finals"] >= 1 and stats["asr"]["dropped_segments"] == 0
        # Errors come back over the control protocol, typed and with the recoverable flag.
        client = MediaWorkerClient("127.0.0.1", workers[1].control_port)
        with pytest.raises(MediaError) as unknown:
            await client.release(call_id, "caller")
        assert unknown.value.recoverable is False
        with pytest.raises(MediaError):
            await client.request({"op": "allocate", "call_id": "", "leg": "x"})
    finally:
        for worker in workers:
            await worker.close()
        await directory.aclose()
    assert redis.Redis.from_url(asr_redis_url).get(WORKER_KEY_PREFIX + "test-worker-0") is None


def test_the_worker_runs_as_its_own_process_and_registers_its_load(asr_redis_url, tmp_path):
    env = dict(os.environ, VOXDESK_CACHE_DIR=str(tmp_path), VOXDESK_DATA_DIR=str(tmp_path))
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voxdesk.processes",
            "media",
            "--engine",
            "whisper",
            "--control-port",
            "0",
            "--port-range",
            f"{BASE + 60}-{BASE + 69}",
            "--redis-url",
            asr_redis_url,
            "--worker-id",
            "proc-worker",
            "--no-store",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert process.stdout is not None
        hello = json.loads(process.stdout.readline())
        assert hello["worker_id"] == "proc-worker" and "whisper" in hello["engine"]

        async def allocate() -> tuple[int, dict]:
            directory = MediaWorkerDirectory(asr_redis_url)
            for _ in range(30):
                if await directory.workers():
                    break
                await asyncio.sleep(0.2)
            allocation = await directory.allocate_port("proc-call", "agent", "slin16")
            stats = await directory.release(allocation, "proc-call", "agent")
            await directory.aclose()
            return allocation.port, stats

        port, stats = asyncio.run(allocate())
        assert BASE + 60 <= port <= BASE + 69
        assert stats["rtp"]["packets"] == 0
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
    assert redis.Redis.from_url(asr_redis_url).get(WORKER_KEY_PREFIX + "proc-worker") is None


def test_a_worker_asked_for_vosk_runs_vosk_and_reports_its_warmed_recognisers(
    asr_redis_url, tmp_path, vosk_ko_path
):
    env = dict(
        os.environ,
        VOXDESK_CACHE_DIR=str(tmp_path),
        VOXDESK_DATA_DIR=str(tmp_path),
        VOXDESK_ASR__VOSK_MODEL_PATH=str(vosk_ko_path),
        VOXDESK_ASR__LANGUAGE="ko",  # the Korean test model is refused for calls in another language
    )
    command = [sys.executable, "-m", "voxdesk.processes", "media", "--engine", "vosk", "--prewarm", "1"]
    command += ["--control-port", "0", "--port-range", f"{BASE + 70}-{BASE + 79}", "--no-store"]
    command += ["--redis-url", asr_redis_url, "--worker-id", "vosk-worker"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    try:
        assert process.stdout is not None
        hello = json.loads(process.stdout.readline())
        # "--engine vosk" used to fall through to the automatic choice (Whisper, no English Vosk model).
        assert hello["engine"].startswith("vosk"), hello
        warm = json.loads(process.stdout.readline())
        assert warm["warmed_recognizers"] == 1, warm
        assert list((tmp_path / "asr-warmup").glob("*.wav"))  # synthesised once, kept for the next start
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(20)
    assert process.returncode == 0, process.stderr.read() if process.stderr else ""
