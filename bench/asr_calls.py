"""bench/asr.py item (2): concurrent two-leg calls transcribed live through the real Asterisk sandbox.

A ramp: N callers (pjsua2, one call per process, so under its 4-call limit) dial the IVR, press 1 and
talk; the queue hands each call to an auto-answer agent softphone that talks too. The controller's
media taps (telephony.taps) send both legs to one media worker process (VAD-gated pipeline, the same
engine as item (1)). A step "keeps up" when every leg was tapped, nothing was dropped, every leg
produced transcript and the worst recognition lag stayed under the bound. N grows until a step fails.

Loaded by bench/asr.py (this folder is kept off the import path there); runnable on its own too.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import redis

from asr.audio import resample, write_wav
from asr.media.control import WORKER_KEY_PREFIX
from config.settings import AsteriskMode, load_settings
from routing import load_routing_config
from telephony.commands.schemas import AgentLogin
from telephony.controller import AriAccess, Controller, prompt_renderer
from telephony.sandbox import AsteriskSandbox, SipCredentialSpec
from telephony.settings import TelephonySettings
from telephony.sipua.client import start_softphone
from telephony.sipua.plan import SoftphonePlan
from telephony.taps import MediaTapStasis, attach_to_controller

FLOW = """
name: flow
start: menu
default_language: en
languages: [en]
fallback: sales
nodes:
  menu:
    type: menu
    prompt: {sound: beep}
    no_input: {sound: beep}
    no_match: {sound: beep}
    timeout: 3
    retries: 0
    options:
      "1": {next: sales, label: sales}
  sales: {type: route_queue, queue: sales}
"""
PASSWORD = "bench-asr-agent-pass"  # noqa: S105 (a throwaway account in a throwaway sandbox)


def _free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wav8k(path: Path, audio16k: np.ndarray) -> Path:
    write_wav(path, 8000, resample(audio16k, 16000, 8000))
    return path


class _ControllerThread:
    """The controller (with its taps) on its own event loop in a thread, as in the integration tests."""

    def __init__(
        self, tel: TelephonySettings, ari: AriAccess, redis_url: str, work: Path, prompts: Any
    ) -> None:
        self.ready = threading.Event()
        self.holder: dict[str, Any] = {}

        def serve() -> None:
            loop = asyncio.new_event_loop()
            controller = Controller(
                tel, ari, redis_url, routing=load_routing_config(work / "routing"),
                prompts=prompts, flow_path=work / "flow.yaml",
            )  # fmt: skip
            taps = attach_to_controller(controller, redis_url)
            self.holder.update(controller=controller, loop=loop, taps=taps)
            task = self.holder["task"] = loop.create_task(controller.run())

            async def wait() -> None:
                await controller.active.wait()
                await controller.stream.connected.wait()
                self.ready.set()

            self.holder["ready_task"] = loop.create_task(wait())
            try:
                loop.run_until_complete(task)
            except BaseException as exc:  # cancelled at the end
                self.holder["stopped"] = repr(exc)

        self.thread = threading.Thread(target=serve, daemon=True)
        self.thread.start()
        if not self.ready.wait(120):
            raise SystemExit("controller did not connect")

    @property
    def taps(self) -> MediaTapStasis:
        taps: MediaTapStasis = self.holder["taps"]
        return taps

    def run(self, coro: Any, timeout: float = 10) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.holder["loop"]).result(timeout)

    def stop(self) -> None:
        self.holder["loop"].call_soon_threadsafe(self.holder["task"].cancel)
        self.thread.join(10)


def _caller(sip: str, wav: Path, hangup_after: float) -> subprocess.Popen[str]:
    argv = [sys.executable, "-m", "telephony.sipua.agent", "call", "1000", "--server", sip, "--wav", str(wav),
            "--dtmf", "1@0.3", "--play-at", "1.0", "--hangup-after", f"{hangup_after:.2f}"]  # fmt: skip
    return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def run_asterisk_calls(
    engine: str,
    caller_audio: np.ndarray,
    agent_audio: np.ndarray,
    bare_streams: float,
    *,
    start: int = 4,
    step: int = 4,
    max_calls: int = 24,
    lag_bound: float = 2.0,
    redis_url: str = "redis://127.0.0.1:6379/13",
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The ramp; returns the JSON-ready result (see the module docstring)."""
    work = Path(tempfile.mkdtemp(prefix="voxdesk-bench-asr-calls-"))
    base = load_settings()
    asterisk = base.asterisk.model_copy(
        update={
            "mode": AsteriskMode.SANDBOX,
            "http_port": _free_port(socket.SOCK_STREAM),
            "sip_port": _free_port(socket.SOCK_DGRAM),
            "ari_password": None,
        }
    )
    settings = base.model_copy(update={"asterisk": asterisk, "data_dir": work / "data"})
    sandbox = AsteriskSandbox(settings)
    names = [f"bench-asr-agent{i}" for i in range(max_calls)]
    endpoint = sandbox.up(agents=[SipCredentialSpec.from_password(n, "voxdesk", PASSWORD) for n in names])
    sip = f"127.0.0.1:{asterisk.sip_port}"
    (work / "flow.yaml").write_text(FLOW)
    (work / "routing").mkdir()
    (work / "routing" / "queues.yaml").write_text("queues:\n  sales: {ring_timeout: 15}\n")
    (work / "routing" / "rules.yaml").write_text("default_queue: sales\nrules: []\n")
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(WORKER_KEY_PREFIX + "*"):
        client.delete(key)
    worker_log = (work / "media-worker.log").open("wb")
    worker = subprocess.Popen(
        [sys.executable, "-m", "asr.media.worker", "--engine", engine, "--redis-url", redis_url,
         "--control-port", "0", "--port-range", "22000-22399", "--capacity", str(2 * max_calls + 4),
         "--no-store", "--worker-id", f"bench-{uuid.uuid4().hex[:6]}"],
        env=os.environ | (extra_env or {}), stdout=worker_log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    phones: list[Any] = []
    control: _ControllerThread | None = None
    try:
        deadline = time.monotonic() + 120
        while not list(client.scan_iter(WORKER_KEY_PREFIX + "*")):
            if worker.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"media worker did not start: {work / 'media-worker.log'}")
            time.sleep(0.2)
        tel = TelephonySettings(
            key_prefix=f"bench-asr-{uuid.uuid4().hex[:6]}", wrap_up_s=0, recording={"enabled": False}
        )
        ari = AriAccess(endpoint.url, endpoint.user, endpoint.password, asterisk.stasis_app)
        control = _ControllerThread(
            tel, ari, redis_url, work, prompt_renderer(tel, sandbox.runtime, work / "c")
        )
        caller_wav = _wav8k(work / "caller.wav", caller_audio)
        agent_wav = _wav8k(work / "agent.wav", agent_audio)
        talk = len(caller_audio) / 16000
        phones = [start_softphone(SoftphonePlan(n, PASSWORD, sip, wav=agent_wav)) for n in names]
        for phone in phones:
            phone.wait_registered(10)
        executor = control.holder["controller"].executor
        for name in names:
            control.run(executor.execute(AgentLogin(agent_id=name, endpoint=f"PJSIP/{name}")))
        steps = []
        calls = start
        while calls <= max_calls:
            result = _step(control, sip, caller_wav, talk, calls, lag_bound, worker.pid, sandbox)
            steps.append(result)
            print(json.dumps({"asterisk_calls_step": result}), file=sys.stderr, flush=True)
            if not result["kept_up"]:
                break
            calls += step
        kept = [s["calls"] for s in steps if s["kept_up"]]
        best = max(kept) if kept else 0
        return {
            "engine": engine,
            "call_seconds": round(talk + 1.3, 1),
            "lag_bound_seconds": lag_bound,
            "steps": steps,
            "concurrent_calls_kept_up": best,
            "bare_engine_continuous_streams": bare_streams,
            "ratio_to_bare_engine": round(best / bare_streams, 2) if bare_streams else None,
            "goal": "calls >= 2 x bare engine streams and >= 10",
            "goal_met": bool(best >= 10 and bare_streams and best >= 2 * bare_streams),
            "note": "callers, agents, Asterisk, controller and the worker share this machine's cores",
        }
    finally:
        for phone in phones:
            phone.stop()
        if control is not None:
            control.stop()
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        sandbox.down()


def _step(
    control: _ControllerThread,
    sip: str,
    wav: Path,
    talk: float,
    calls: int,
    lag_bound: float,
    worker_pid: int,
    sandbox: AsteriskSandbox,
) -> dict[str, Any]:
    service = control.taps.service
    seen = len(service.released)
    asterisk_pid = sandbox.status().pid or 0
    cpu0 = (_cpu_seconds(worker_pid), _cpu_seconds(asterisk_pid), time.monotonic())
    hangup_after = 1.0 + talk + 0.3
    callers = []
    for _ in range(calls):  # a ramp inside the step too: a new call every 0.25 s
        callers.append(_caller(sip, wav, hangup_after))
        time.sleep(0.25)
    answered = 0
    for proc in callers:
        out, _ = proc.communicate(timeout=hangup_after + 60)
        answered += '"answered": true' in out
    deadline = time.monotonic() + 60
    while len(service.released) - seen < 2 * calls and time.monotonic() < deadline:
        time.sleep(0.2)
    wall = time.monotonic() - cpu0[2]
    legs = service.released[seen:]
    asr = [leg["asr"] for leg in legs]
    max_lag = max((a["max_lag_seconds"] for a in asr), default=None)
    dropped = sum(a["dropped_segments"] for a in asr)
    silent = sum(1 for a in asr if a["finals"] == 0)
    lost = sum(int(leg["rtp"]["lost"]) for leg in legs)
    kept_up = (
        answered == calls and len(legs) == 2 * calls and dropped == 0 and silent == 0
        and max_lag is not None and max_lag < lag_bound
    )  # fmt: skip
    return {
        "calls": calls,
        "answered": answered,
        "legs_transcribed": len(legs),
        "legs_without_transcript": silent,
        "dropped_segments": dropped,
        "max_lag_seconds": max_lag,
        "rtp_packets_lost": lost,
        "finals": sum(a["finals"] for a in asr),
        "cpu_percent_of_one_core": {
            "media_worker": round(100 * (_cpu_seconds(worker_pid) - cpu0[0]) / wall, 1),
            "asterisk": round(100 * (_cpu_seconds(asterisk_pid) - cpu0[1]) / wall, 1),
        },
        "load_average_1min": round(os.getloadavg()[0], 2),
        "kept_up": kept_up,
    }
