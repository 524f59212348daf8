"""Live transcription around a test controller: a real media worker process, a real Celery worker
storing segments, a Redis subscriber for the live events, and the taps attached to the controller."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
import redis.asyncio as aredis
from calls_helpers import REDIS_URL, RunningController, wait_until

from asr.media.control import WORKER_KEY_PREFIX
from telephony.taps import MediaTapStasis, WorkerPorts, attach_media_taps, speech_menus

# A Redis db of our own: worker discovery, the Celery queue and live events never meet other tests'.
MEDIA_REDIS_URL = REDIS_URL.rsplit("/", 1)[0] + "/12"


class MediaWorkerProcess:
    """``python -m voxdesk.processes media`` with the given engine, publishing to ``MEDIA_REDIS_URL``."""

    def __init__(
        self,
        engine: str,
        log_dir: Path,
        extra_env: dict[str, str] | None = None,
        extra_args: tuple[str, ...] = (),
    ) -> None:
        self.worker_id = f"taps-test-{uuid.uuid4().hex[:6]}"
        self.log = log_dir / f"{self.worker_id}.log"
        env = os.environ | (extra_env or {})
        command = [
            sys.executable,
            "-m",
            "voxdesk.processes",
            "media",
            "--engine",
            engine,
            "--redis-url",
            MEDIA_REDIS_URL,
            "--control-port",
            "0",
            "--port-range",
            "21000-21199",
            "--worker-id",
            self.worker_id,
            *extra_args,
        ]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        self.redis = redis.Redis.from_url(MEDIA_REDIS_URL)

    def load(self) -> dict[str, Any] | None:
        raw = self.redis.get(WORKER_KEY_PREFIX + self.worker_id)
        return json.loads(raw) if raw else None

    def wait_ready(self, timeout: float = 90) -> None:
        wait_until(
            lambda: self.load() is not None or self.process.poll() is not None, timeout, "media worker"
        )
        assert self.process.poll() is None, self.log.read_text(errors="replace")[-3000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


@dataclass
class LiveEvents:
    """Every ``voxdesk:call:*`` message on the media Redis, collected by a thread."""

    messages: list[dict[str, Any]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> LiveEvents:
        pubsub = redis.Redis.from_url(MEDIA_REDIS_URL).pubsub(ignore_subscribe_messages=True)
        pubsub.psubscribe("voxdesk:call:*")

        def listen() -> None:
            while not self._stop.is_set():
                message = pubsub.get_message(timeout=0.2)
                if message and message["type"] == "pmessage":
                    self.messages.append(json.loads(message["data"]))
            pubsub.close()

        threading.Thread(target=listen, daemon=True).start()
        return self

    def finals(self, call_id: str) -> list[dict[str, Any]]:
        return [
            m["data"]
            for m in self.messages
            if m.get("type") == "transcript.final" and m["data"]["call_id"] == call_id
        ]

    def stop(self) -> None:
        self._stop.set()


def clear_media_workers() -> None:
    client = redis.Redis.from_url(MEDIA_REDIS_URL)
    for key in client.scan_iter(WORKER_KEY_PREFIX + "*"):
        client.delete(key)


def attach_taps(running: RunningController) -> MediaTapStasis:
    """The taps on the running test controller, as the production controller registers them (with
    the IVR's speech menus hearing the caller through them)."""

    async def attach(controller: Any) -> MediaTapStasis:
        client = aredis.Redis.from_url(REDIS_URL)
        taps = attach_media_taps(
            controller.registry,
            controller.stream,
            app=controller.ctx.app,
            rest=controller.rest,
            redis=client,
            prefix=running.prefix,
            ports=WorkerPorts.from_url(MEDIA_REDIS_URL),
        )
        controller.stasis.speech = speech_menus(taps, client, controller.stasis.caller_said)
        return taps

    taps: MediaTapStasis = running.run(attach)
    return taps


def wait_released(taps: MediaTapStasis, call_id: str, legs: set[str], seconds: float = 60) -> None:
    def done() -> bool:
        return legs <= {r["leg"] for r in taps.service.released if r["call_id"] == call_id}

    wait_until(done, seconds, f"taps of {sorted(legs)} released")
