"""bench/asr.py item (2): concurrent two-leg calls transcribed live through the real Asterisk sandbox.

A ramp: N callers (telephony.sipua.batch, four calls per pjsua2 process, nothing recorded) dial the
IVR, press 1 and talk; the queue hands each call to an auto-answer agent softphone that answers in
turn (a dialogue: each side is silent while the other speaks). The controller's media taps
(telephony.taps) send both legs to one media worker process (VAD-gated pipeline, the same engine as
item (1)). A step "keeps up" when every call was answered and both legs tapped, nothing was dropped,
every leg produced transcript and, after each leg's first seconds of speech (a new recogniser's
start-up, reported on its own), no audio waited for recognition past the bound; ``kept_up_strict``
holds the start-up seconds to the bound too. N grows until a step fails. CPU is reported per
process kind, so the bench's own load (callers, agents, controller) is visible.

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
from asr.engines.stream import WARMUP_SPEECH_SECONDS
from asr.media.control import WORKER_KEY_PREFIX
from config.settings import AsteriskMode, load_settings
from config.telephony_settings import TelephonySettings
from telephony.admin_config import load_routing_config
from telephony.commands.schemas import AgentLogin
from telephony.controller import AriAccess, Controller, prompt_renderer
from telephony.sandbox import AsteriskSandbox, SipCredentialSpec
from telephony.sipua.batch import MAX_CALLS
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


class _CallerBatch:
    """One ``telephony.sipua.batch`` process: up to four talking calls dialled at set epoch times."""

    def __init__(self, sip: str, wav: Path, times: list[float], hangup_after: float) -> None:
        argv = [sys.executable, "-m", "telephony.sipua.batch", "1000", "--server", sip, "--wav", str(wav),
                "--play-at", "1.0", "--dtmf", "1@0.3", "--hangup-after", f"{hangup_after:.2f}"]  # fmt: skip
        for at in times:
            argv += ["--at", f"{at:.3f}"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

    def finish(self, timeout: float) -> list[dict[str, Any]]:
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        events = []
        for line in out.splitlines():
            if line.startswith("{"):
                try:
                    events.append(json.loads(line))
                except ValueError:
                    continue
        return events


def _wait_for_warm_up(worker: subprocess.Popen[bytes], log_path: Path, deadline: float) -> dict[str, Any]:
    """The worker's warm-up report: the ramp starts on the pool a started worker has."""
    while time.monotonic() < deadline and worker.poll() is None:
        for line in log_path.read_text(errors="replace").splitlines():
            if line.startswith("{") and "warmed_recognizers" in line:
                report: dict[str, Any] = json.loads(line)
                return report
        time.sleep(0.5)
    raise SystemExit(f"media worker did not report its warm-up: {log_path}")


def run_asterisk_calls(
    engine: str,
    caller_audio: list[np.ndarray],
    agent_audio: list[np.ndarray],
    bare_streams: float,
    *,
    start: int = 4,
    step: int = 4,
    max_calls: int = 24,
    lag_bound: float = 2.0,
    redis_url: str = "redis://127.0.0.1:6379/13",
    extra_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The ramp; returns the JSON-ready result (see the module docstring).

    ``caller_audio`` / ``agent_audio``: 16 kHz sides of the dialogue, one WAV per caller process
    and per agent in turn (so recognisers do not all hear the same sentences).
    """
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
        [sys.executable, "-m", "voxdesk.processes", "media", "--engine", engine, "--redis-url", redis_url,
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
        warmed = _wait_for_warm_up(worker, work / "media-worker.log", deadline=time.monotonic() + 600)
        tel = TelephonySettings(
            key_prefix=f"bench-asr-{uuid.uuid4().hex[:6]}", wrap_up_s=0, recording={"enabled": False}
        )
        ari = AriAccess(endpoint.url, endpoint.user, endpoint.password, asterisk.stasis_app)
        control = _ControllerThread(
            tel, ari, redis_url, work, prompt_renderer(tel, sandbox.runtime, work / "c")
        )
        caller_wavs = [_wav8k(work / f"caller{i}.wav", a) for i, a in enumerate(caller_audio)]
        agent_wavs = [_wav8k(work / f"agent{i}.wav", a) for i, a in enumerate(agent_audio)]
        talk = max(len(a) for a in caller_audio) / 16000
        executor = control.holder["controller"].executor
        pids = _Pids(worker.pid, sandbox.status().pid or 0, [])

        def ensure_agents(count: int) -> None:
            """Only as many agent softphones as the step has calls: each costs CPU even idle."""
            fresh = [
                start_softphone(SoftphonePlan(n, PASSWORD, sip, wav=agent_wavs[i % len(agent_wavs)]))
                for i, n in enumerate(names[len(phones) : count], start=len(phones))
            ]
            for phone, name in zip(fresh, names[len(phones) : count], strict=True):
                phone.wait_registered(10)
                control.run(executor.execute(AgentLogin(agent_id=name, endpoint=f"PJSIP/{name}")))
                pids.agents.append(phone._proc.pid)
            phones.extend(fresh)

        ensure_agents(start)
        idle = {"agents": start, **_idle_cpu(pids, 5.0)}
        steps = []
        calls = start
        while calls <= max_calls:
            ensure_agents(calls)
            result = _step(control, sip, caller_wavs, talk, calls, lag_bound, pids)
            steps.append(result)
            print(json.dumps({"asterisk_calls_step": result}), file=sys.stderr, flush=True)
            if not result["kept_up"]:
                break
            calls += step
        sustained = max((s["calls"] for s in steps if s["kept_up"]), default=0)
        strict = max((s["calls"] for s in steps if s["kept_up_strict"]), default=0)
        return {
            "engine": engine,
            "call_seconds": round(talk + 1.3, 1),
            "lag_bound_seconds": lag_bound,
            "media_worker_warm_up": warmed,
            "kept_up_means": (
                "every call answered and both legs tapped, nothing dropped, every leg transcribed, and "
                f"after each leg's first {WARMUP_SPEECH_SECONDS:.0f} s of speech no audio waited "
                f">= {lag_bound} s; kept_up_strict also counts the start-up seconds"
            ),
            "idle_cpu_percent_of_one_core": idle,
            "steps": steps,
            "concurrent_calls_kept_up": sustained,
            "concurrent_calls_kept_up_strict": strict,
            "bare_engine_continuous_streams": bare_streams,
            "ratio_to_bare_engine": round(sustained / bare_streams, 2) if bare_streams else None,
            "goal": "calls >= 2 x bare engine streams and >= 10",
            "goal_met": bool(sustained >= 10 and bare_streams and sustained >= 2 * bare_streams),
            "note": (
                "callers (telephony.sipua.batch, 4 calls a process, no recording), agent softphones "
                "(one process each), Asterisk, the controller (in the bench process) and the media "
                "worker share this machine's cores: cpu_percent_of_one_core per step says who used what"
            ),
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


class _Pids:
    """The processes whose CPU a step reports (a plain class: bench/asr.py loads this file by path)."""

    def __init__(self, worker: int, asterisk: int, agents: list[int]) -> None:
        self.worker, self.asterisk, self.agents = worker, asterisk, agents

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each process kind (this process: the controller and the bench)."""
        return {
            "media_worker": _cpu_seconds(self.worker),
            "asterisk": _cpu_seconds(self.asterisk),
            "agent_softphones": sum(_cpu_seconds(pid) for pid in self.agents),
            "controller_and_bench": _cpu_seconds(os.getpid()),
        }


def _idle_cpu(pids: _Pids, seconds: float) -> dict[str, float]:
    """What the setup costs with no call up (registered agents poll, Asterisk idles)."""
    before = pids.cpu()
    time.sleep(seconds)
    after = pids.cpu()
    return {kind: round(100 * (after[kind] - before[kind]) / seconds, 1) for kind in before}


def _step(
    control: _ControllerThread,
    sip: str,
    wavs: list[Path],
    talk: float,
    calls: int,
    lag_bound: float,
    pids: _Pids,
) -> dict[str, Any]:
    service = control.taps.service
    seen = len(service.released)
    load_before = round(os.getloadavg()[0], 2)
    hangup_after = 1.0 + talk + 0.3
    # Every caller process loads pjsua2 before the first INVITE; then a new call every 0.25 s.
    first_at = time.time() + 2.0 + 0.1 * calls
    times = [first_at + 0.25 * i for i in range(calls)]
    batches = [
        _CallerBatch(sip, wavs[b % len(wavs)], times[b * MAX_CALLS : (b + 1) * MAX_CALLS], hangup_after)
        for b in range(-(-calls // MAX_CALLS))
    ]
    time.sleep(max(0.0, first_at - time.time()))
    cpu0, wall0 = pids.cpu(), time.monotonic()
    events = [event for batch in batches for event in batch.finish(hangup_after + 60 + 0.25 * calls)]
    answered = sum(1 for e in events if e.get("event") == "call_summary" and e.get("answered"))
    caller_cpu = sum(float(e["cpu_s"]) for e in events if e.get("event") == "summary")
    deadline = time.monotonic() + 60
    while len(service.released) - seen < 2 * calls and time.monotonic() < deadline:
        time.sleep(0.2)
    wall, cpu1 = time.monotonic() - wall0, pids.cpu()
    legs = service.released[seen:]
    asr = [leg["asr"] for leg in legs]

    def worst(key: str) -> float | None:
        return max((float(a[key]) for a in asr), default=None)

    max_lag, sustained_lag = worst("max_lag_seconds"), worst("max_lag_after_warmup_seconds")
    dropped = sum(int(a["dropped_segments"]) for a in asr)
    silent = sum(1 for a in asr if a["finals"] == 0)
    complete = answered == calls and len(legs) == 2 * calls and dropped == 0 and silent == 0
    cpu = {kind: round(100 * (cpu1[kind] - cpu0[kind]) / wall, 1) for kind in cpu0}
    cpu["caller_batches"] = round(100 * caller_cpu / wall, 1)  # whole process lives, start-up included
    return {
        "calls": calls,
        "answered": answered,
        "legs_transcribed": len(legs),
        "legs_without_transcript": silent,
        "dropped_segments": dropped,
        "rtp_packets_lost": sum(int(leg["rtp"]["lost"]) for leg in legs),
        "finals": sum(int(a["finals"]) for a in asr),
        "speech_fraction_per_leg": round(sum(float(a["speech_seconds"]) for a in asr) / (len(asr) * talk), 2)
        if asr
        else None,
        "lag_seconds": {
            "max": max_lag,
            "max_in_first_segment": worst("first_segment_max_lag_seconds"),
            "max_after_warmup": sustained_lag,
            "worst_leg_p95": worst("lag_p95_seconds"),
            "median_leg_p50": float(np.median([float(a["lag_p50_seconds"]) for a in asr])) if asr else None,
            "worst_legs": [
                {"leg": a["leg"], "max": a["max_lag_seconds"], "at": a["worst_lag_at"]}
                for a in sorted(asr, key=lambda a: -float(a["max_lag_seconds"]))[:3]
            ],
        },
        "caller_processes": len(batches),
        "cpu_percent_of_one_core": cpu,
        "load_average_1min": {"before": load_before, "after": round(os.getloadavg()[0], 2)},
        "kept_up": complete and sustained_lag is not None and sustained_lag < lag_bound,
        "kept_up_strict": complete and max_lag is not None and max_lag < lag_bound,
    }
