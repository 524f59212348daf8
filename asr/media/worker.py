"""A media worker process: RTP in, transcripts out, load published for the controller.

    python -m voxdesk.processes media --port-range 20000-20199 --control-port 8790 --redis-url redis://...

Every allocated leg gets a :class:`~asr.pipeline.LegPipeline` on the process-wide engine; its
transcripts, redacted by the leg's own redactor, go to the notifier (live), to the Celery store job
(persisted) and to any sinks the composition root adds. :func:`main` takes the redactor factory
and the extra sinks from the composition root (``voxdesk.processes``): asr/ does not know qa/.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import redis.asyncio as aredis

from asr.engines.base import SpeechRecognizer
from asr.exceptions import AsrError, MediaError, ModelNotFoundError
from asr.frames import LegRef
from asr.media.control import MAX_LINE, WorkerLoad, forget_predecessors, publish_load
from asr.media.server import RtpServer
from asr.pipeline import LegPipeline, PipelineConfig
from asr.sinks import LegSinkFactory, LegStart, RedactorFactory, TranscriptSink
from asr.vad import VadEngine

log = logging.getLogger(__name__)

SinkFactory = Callable[[LegRef], Sequence[TranscriptSink]]


class MediaWorker:
    """RTP ports + per-leg pipelines + a control port + load reporting."""

    def __init__(
        self,
        recognizer: SpeechRecognizer,
        make_vad: Callable[[], VadEngine],
        make_sinks: SinkFactory,
        *,
        make_redactor: RedactorFactory,
        extra_sinks: LegSinkFactory | None = None,
        host: str = "127.0.0.1",
        port_range: tuple[int, int] = (20000, 20199),
        control_port: int = 0,
        capacity: int = 20,
        config: PipelineConfig | None = None,
        idle_timeout: float = 1.0,
        redis_url: str | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.recognizer = recognizer
        self.make_vad = make_vad
        self.make_sinks = make_sinks
        self.make_redactor = make_redactor
        self.extra_sinks = extra_sinks
        self.host = host
        self.capacity = capacity
        self.config = config or PipelineConfig()
        self.worker_id = worker_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.rtp = RtpServer(host, port_range, idle_timeout=idle_timeout)
        self.pipelines: dict[LegRef, LegPipeline] = {}
        self.speakers: dict[LegRef, str] = {}  # who talks on a leg (an agent id), for stored segments
        self._control_port = control_port
        self._control: asyncio.Server | None = None
        self._redis = aredis.Redis.from_url(redis_url) if redis_url else None
        self._reporter: asyncio.Task[None] | None = None
        self._cpu_mark = (time.monotonic(), time.process_time())
        self._cpu = 0.0

    @property
    def control_port(self) -> int:
        return self._control_port

    async def start(self) -> MediaWorker:
        await self.rtp.start()
        self._control = await asyncio.start_server(self._serve, self.host, self._control_port, limit=MAX_LINE)
        self._control_port = self._control.sockets[0].getsockname()[1]
        if self._redis is not None:
            await forget_predecessors(self._redis, self.worker_id, self.host, self._control_port)
            self._reporter = asyncio.create_task(self._report_load(), name="media-load-reporter")
        log.info(
            "media worker %s: control %s:%d, engine %s",
            self.worker_id,
            self.host,
            self._control_port,
            self.recognizer.describe(),
        )
        return self

    async def allocate(
        self,
        call_id: str,
        leg_name: str,
        codec: str = "ulaw",
        phrases: list[str] | None = None,
        speaker: str | None = None,
        elapsed: float = 0.0,
        queue: str | None = None,
    ) -> dict[str, Any]:
        leg = LegRef(call_id, leg_name)
        if leg in self.pipelines:
            # The controller moves a leg whose worker it could not see (our load entry lapsed while
            # Redis or this loop stalled): it owns the leg, so the old port gives way to the new one.
            log.warning("leg %s allocated again; releasing its old port first", leg)
            await self.release(call_id, leg_name)
        if len(self.pipelines) >= self.capacity:
            raise MediaError(f"worker {self.worker_id} is full ({self.capacity} legs)")
        if speaker:
            self.speakers[leg] = speaker
        pipeline = LegPipeline(
            leg,
            self.recognizer,
            self.make_vad(),
            [*self.make_sinks(leg), *self._extra_sinks(LegStart(leg, speaker, elapsed, queue))],
            self.config,
            redactor=self.make_redactor(leg),
            phrases=phrases,
        )
        await pipeline.start()
        try:
            allocation = await self.rtp.allocate_port(leg, codec, pipeline, elapsed)
        except Exception:
            await pipeline.close()
            self.speakers.pop(leg, None)
            raise
        self.pipelines[leg] = pipeline
        return {"worker_id": self.worker_id, "host": allocation.host, "port": allocation.port, "codec": codec}

    def _extra_sinks(self, start: LegStart) -> Sequence[TranscriptSink]:
        return self.extra_sinks(start) if self.extra_sinks is not None else ()

    async def release(self, call_id: str, leg_name: str) -> dict[str, Any]:
        """Hang-up: close the port, recognise the last words, hand them to the sinks."""
        leg = LegRef(call_id, leg_name)
        pipeline = self.pipelines.pop(leg, None)
        if pipeline is None:
            raise MediaError(f"unknown leg {leg}", recoverable=False)
        rtp_stats = self.rtp.release(leg)
        await pipeline.close()
        self.speakers.pop(leg, None)  # after the flush: the last words still carry the speaker
        return {"rtp": rtp_stats, "asr": pipeline.stats()}

    def load(self) -> WorkerLoad:
        now, cpu = time.monotonic(), time.process_time()
        if now - self._cpu_mark[0] >= 0.5:
            self._cpu = (cpu - self._cpu_mark[1]) / (now - self._cpu_mark[0])
            self._cpu_mark = (now, cpu)
        lag = max((p.stream.lag_seconds for p in self.pipelines.values()), default=0.0)
        return WorkerLoad(
            self.worker_id,
            self.host,
            self._control_port,
            len(self.pipelines),
            self.capacity,
            round(self._cpu, 3),
            round(lag, 3),
        )

    async def close(self) -> None:
        if self._reporter is not None:
            self._reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reporter
        if self._control is not None:
            self._control.close()
            await self._control.wait_closed()
        for leg in list(self.pipelines):
            await self.release(leg.call_id, leg.leg)
        await self.rtp.close()
        if self._redis is not None:
            await self._redis.delete(f"voxdesk:media:worker:{self.worker_id}")
            await self._redis.aclose()

    async def _report_load(self) -> None:
        assert self._redis is not None
        while True:
            try:
                await publish_load(self._redis, self.load())
            except Exception:  # Redis away for a moment: the key expires, the controller skips us
                log.warning("could not publish media worker load", exc_info=True)
            await asyncio.sleep(1.0)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            reply = await self._handle(line)
        except (ValueError, asyncio.LimitOverrunError) as exc:
            reply = {"ok": False, "error": f"bad request: {exc}", "recoverable": False}
        writer.write(json.dumps(reply).encode() + b"\n")
        with contextlib.suppress(OSError):
            await writer.drain()
            writer.close()

    async def _handle(self, line: bytes) -> dict[str, Any]:
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError("expected a JSON object")
            op = message.get("op")
            if op == "allocate":
                result = await self.allocate(
                    _text(message, "call_id"),
                    _text(message, "leg"),
                    str(message.get("codec", "ulaw")),
                    _phrases(message),
                    _optional_text(message, "speaker", 128),
                    _elapsed(message),
                    _optional_text(message, "queue", 64),
                )
                return {"ok": True, **result}
            if op == "phrases":
                pipeline = self.pipelines.get(LegRef(_text(message, "call_id"), _text(message, "leg")))
                if pipeline is None:
                    raise MediaError("unknown leg", recoverable=False)
                pipeline.set_phrases(_phrases(message))
                return {"ok": True}
            if op == "release":
                stats = await self.release(_text(message, "call_id"), _text(message, "leg"))
                return {"ok": True, "stats": stats}
            if op == "load":
                return {"ok": True, "load": self.load().as_dict()}
            raise ValueError(f"unknown op {op!r}")
        except AsrError as exc:
            return {"ok": False, "error": str(exc), "recoverable": exc.recoverable}
        except ValueError as exc:
            return {"ok": False, "error": str(exc), "recoverable": False}


def _text(message: dict[str, Any], key: str, limit: int = 64) -> str:
    value = message.get(key)
    if not isinstance(value, str) or not value or len(value) > limit:
        raise ValueError(f"{key} must be a non-empty string of at most {limit} characters")
    return value


def _optional_text(message: dict[str, Any], key: str, limit: int) -> str | None:
    return None if message.get(key) is None else _text(message, key, limit)


def _elapsed(message: dict[str, Any]) -> float:
    value = message.get("elapsed", 0.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 86400:
        raise ValueError("elapsed must be a number of seconds between 0 and 86400")
    return float(value)


def _phrases(message: dict[str, Any]) -> list[str] | None:
    value = message.get("phrases")
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or len(value) > 500
        or not all(isinstance(p, str) and 0 < len(p) <= 200 for p in value)
    ):
        raise ValueError("phrases must be a list of at most 500 non-empty strings")
    return list(value)


def _port_range(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    start, end = int(low), int(high or low)
    if not 1024 <= start <= end <= 65535:
        raise argparse.ArgumentTypeError("port range must look like 20000-20199")
    return start, end


async def run(
    args: argparse.Namespace, make_redactor: RedactorFactory, extra_sinks: LegSinkFactory | None = None
) -> None:
    from asr.engines.select import build_recognizer
    from asr.sinks import NotifierSink
    from asr.transcripts.store import CelerySegmentSink
    from asr.vad import make_vad
    from config.events import Notifier
    from config.jobs import create_celery
    from config.settings import AsrEngineChoice, load_settings

    settings = load_settings(args.config)
    asr = settings.asr
    if args.engine:
        asr = asr.model_copy(update={"engine": AsrEngineChoice(args.engine)})
    redis_url = args.redis_url or settings.redis.url or f"redis://127.0.0.1:{settings.redis.embedded_port}/0"
    recognizer = await asyncio.to_thread(build_recognizer, asr, settings.cache_dir)
    notifier_sink = NotifierSink(Notifier.from_url(redis_url))
    # The worker learns each leg's speaker at allocation; the store sink asks it per segment.
    store_sink = CelerySegmentSink(create_celery(redis_url), speaker_of=lambda leg: worker.speakers.get(leg))
    sinks: list[TranscriptSink] = [notifier_sink] if args.no_store else [notifier_sink, store_sink]
    worker = MediaWorker(
        recognizer,
        lambda: make_vad(asr.vad, 16000, asr.vad_mode),
        lambda leg: sinks,
        make_redactor=make_redactor,
        extra_sinks=extra_sinks,
        host=args.host or asr.media_host,
        port_range=args.port_range or (asr.media_port_start, asr.media_port_end),
        control_port=args.control_port if args.control_port is not None else asr.media_control_port,
        capacity=args.capacity,
        config=PipelineConfig.from_settings(asr),
        idle_timeout=asr.media_idle_timeout_ms / 1000,
        redis_url=redis_url,
        worker_id=args.worker_id,
    )
    await worker.start()
    print(
        json.dumps(
            {
                "worker_id": worker.worker_id,
                "control_port": worker.control_port,
                "engine": recognizer.describe(),
            }
        ),
        flush=True,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    count = asr.vosk_prewarm_recognizers if args.prewarm is None else args.prewarm
    # A daemon thread, not the loop's executor: stopping never waits for a half-warmed pool.
    threading.Thread(
        target=_prewarm, args=(recognizer, count, settings.cache_dir, asr.warmup_wav), daemon=True
    ).start()
    await stop.wait()
    await worker.close()


def _prewarm(recognizer: SpeechRecognizer, count: int, cache_dir: Path, wav: Path | None) -> None:
    """Warm the engine off the live path and say when it is done (one JSON line on stdout)."""
    from asr.warmup import warmup_audio

    started = time.monotonic()
    try:
        speech = warmup_audio(cache_dir, wav) if count and recognizer.wants_warm_up else None
        warmed = recognizer.prewarm(count, speech) if speech is not None else 0
    except Exception:  # live legs still work, on cold recognisers
        log.exception("warming the recognisers failed")
        warmed = 0
    seconds = round(time.monotonic() - started, 1)
    print(json.dumps({"warmed_recognizers": warmed, "seconds": seconds}), flush=True)


def main(
    argv: list[str] | None, *, make_redactor: RedactorFactory, extra_sinks: LegSinkFactory | None = None
) -> None:
    """Run a worker whose legs are redacted by ``make_redactor`` (from the composition root)."""
    parser = argparse.ArgumentParser(prog="python -m voxdesk.processes media", description=__doc__)
    parser.add_argument("--port-range", type=_port_range, help="RTP ports, e.g. 20000-20199")
    parser.add_argument("--host", help="address to bind and advertise (default from settings)")
    parser.add_argument("--control-port", type=int, help="TCP control port (0 = any free port)")
    parser.add_argument("--capacity", type=int, default=20, help="most legs this worker takes")
    parser.add_argument("--redis-url", help="where load is published and events go")
    parser.add_argument("--engine", choices=["auto", "vosk", "whisper"])
    parser.add_argument("--worker-id")
    parser.add_argument("--config", help="settings YAML")
    parser.add_argument("--no-store", action="store_true", help="publish live events only")
    parser.add_argument("--prewarm", type=int, help="Vosk recognisers to warm at start (default: settings)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        asyncio.run(run(args, make_redactor, extra_sinks))
    except ModelNotFoundError as exc:  # no model, or one of another language: say which and what to do
        log.error("media worker cannot start: %s", exc)
        raise SystemExit(2) from None

