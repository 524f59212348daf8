"""Inbound call load: callers through the IVR into a queue with auto-answer agents; prints JSON.

Measures, per call, the time from the caller's INVITE to the first IVR audio it hears, the errors,
and the CPU of every process: Asterisk, this process (the controller runs here, in a thread) and
each SIP process. Callers are ``telephony.sipua.batch`` processes with four calls each (pjsua2's
call limit), started before the measured window and dialling at scheduled times; they record
nothing and read the first audio from the signal level each call feeds into pjsua2's bridge. The
controller also times StasisStart -> answered itself (``telephony.ari.timing``).

Run: .venv/bin/python bench/calls.py [--calls 40] [--rate 10] [--agents 6]
Needs root for the sandbox chroot (as the integration tests do).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from config.settings import AsteriskMode, load_settings  # noqa: E402
from config.telephony_settings import TelephonySettings  # noqa: E402
from telephony.admin_config import load_routing_config  # noqa: E402
from telephony.ari.timing import ANSWER_TIMING  # noqa: E402
from telephony.commands.schemas import AgentLogin  # noqa: E402
from telephony.controller import AriAccess, Controller, prompt_renderer  # noqa: E402
from telephony.ivr.prompts import PromptRenderer  # noqa: E402
from telephony.sandbox import AsteriskSandbox, SipCredentialSpec  # noqa: E402
from telephony.sipua.batch import MAX_CALLS  # noqa: E402
from telephony.sipua.client import start_softphone  # noqa: E402
from telephony.sipua.plan import SoftphonePlan  # noqa: E402

FLOW = """
name: flow
start: menu
default_language: en
languages: [en]
fallback: sales
nodes:
  menu:
    type: menu
    prompt: {sound: hello-world}
    no_input: {sound: beep}
    no_match: {sound: beep}
    timeout: 3
    retries: 0
    options:
      "1": {next: sales, label: sales}
  sales: {type: route_queue, queue: sales}
"""
QUEUES = "queues:\n  sales: {ring_timeout: 15}\n"
RULES = "default_queue: sales\nrules: []\n"
PASSWORD = "bench-agent-pass"  # noqa: S105 (a throwaway account in a throwaway sandbox)


def free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float | None:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 1) if ordered else None


def run_controller(
    settings: TelephonySettings, ari: AriAccess, redis_url: str, work: Path, prompts: PromptRenderer
) -> tuple[Controller, dict[str, Any], threading.Thread]:
    """The controller on its own event loop in a thread of this process (as in the integration tests)."""
    holder: dict[str, Any] = {}
    ready = threading.Event()

    def serve() -> None:
        loop = asyncio.new_event_loop()
        routing = load_routing_config(work / "routing")
        controller = Controller(
            settings, ari, redis_url, routing=routing, prompts=prompts, flow_path=work / "flow.yaml"
        )
        holder["controller"], holder["loop"] = controller, loop
        task = loop.create_task(controller.run())
        holder["task"] = task

        async def wait() -> None:
            await controller.active.wait()
            await controller.stream.connected.wait()
            ready.set()

        holder["ready_task"] = loop.create_task(wait())
        try:
            loop.run_until_complete(task)
        except BaseException as exc:  # cancelled at the end of the run
            holder["stopped"] = repr(exc)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    if not ready.wait(90):  # the first run renders the flow's prompts
        raise SystemExit("controller did not connect")
    return holder["controller"], holder, thread


class CallerBatch:
    """One ``telephony.sipua.batch`` process and the JSON lines it printed."""

    def __init__(self, sip: str, times: list[float], hangup_after: float) -> None:
        argv = [sys.executable, "-m", "telephony.sipua.batch", "1000", "--server", sip,
                "--dtmf", "1@1.5", "--hangup-after", str(hangup_after)]  # fmt: skip
        for at in times:
            argv += ["--at", f"{at:.3f}"]
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.events: list[dict[str, Any]] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if line.startswith("{"):
                try:
                    self.events.append(json.loads(line))
                except ValueError:
                    continue

    def wait(self, timeout: float) -> None:
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.reader.join(5)

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [event for event in self.events if event.get("event") == kind]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=40)
    parser.add_argument("--rate", type=float, default=10.0, help="new calls per second")
    parser.add_argument("--agents", type=int, default=6)
    parser.add_argument("--hangup-after", type=float, default=4.0)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="voxdesk-bench-calls-"))
    base = load_settings()
    asterisk = base.asterisk.model_copy(
        update={
            "mode": AsteriskMode.SANDBOX,
            "http_port": free_port(socket.SOCK_STREAM),
            "sip_port": free_port(socket.SOCK_DGRAM),
            "ari_password": None,
        }
    )
    settings = base.model_copy(update={"asterisk": asterisk, "data_dir": work / "data"})
    sandbox = AsteriskSandbox(settings)
    names = [f"bench-agent{i}" for i in range(args.agents)]
    endpoint = sandbox.up(agents=[SipCredentialSpec.from_password(n, "voxdesk", PASSWORD) for n in names])
    sip = f"127.0.0.1:{asterisk.sip_port}"
    redis_url = os.environ.get("VOXDESK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    (work / "flow.yaml").write_text(FLOW)
    (work / "routing").mkdir()
    (work / "routing" / "queues.yaml").write_text(QUEUES)
    (work / "routing" / "rules.yaml").write_text(RULES)
    tel = TelephonySettings(
        key_prefix=f"bench-{uuid.uuid4().hex[:6]}", wrap_up_s=0, recording={"enabled": False}
    )
    ari = AriAccess(endpoint.url, endpoint.user, endpoint.password, asterisk.stasis_app)
    prompts = prompt_renderer(tel, sandbox.runtime, work / "cache")
    controller, holder, thread = run_controller(tel, ari, redis_url, work, prompts)
    phones = [start_softphone(SoftphonePlan(n, PASSWORD, sip)) for n in names]
    for name in names:
        future = asyncio.run_coroutine_threadsafe(
            controller.executor.execute(AgentLogin(agent_id=name, endpoint=f"PJSIP/{name}")), holder["loop"]
        )
        future.result(5)

    # Every caller process starts (and loads pjsua2) before the first scheduled INVITE.
    processes = math.ceil(args.calls / MAX_CALLS)
    first_at = time.time() + 3.0 + 0.15 * processes
    times = [first_at + index / args.rate for index in range(args.calls)]
    batches = [CallerBatch(sip, times[p * MAX_CALLS:(p + 1) * MAX_CALLS], args.hangup_after)
               for p in range(processes)]  # fmt: skip
    while time.time() < first_at - 0.5:
        time.sleep(0.05)
    not_ready = sum(1 for batch in batches if not batch.of("ready"))
    ANSWER_TIMING.reset()
    asterisk_pid = sandbox.status().pid or 0
    phone_pids = [phone._proc.pid for phone in phones]
    cpu0 = {"asterisk": cpu_seconds(asterisk_pid), "controller": cpu_seconds(os.getpid())}
    phones0 = sum(cpu_seconds(pid) for pid in phone_pids)
    wall0 = time.time()
    for batch in batches:
        batch.wait(timeout=times[-1] - time.time() + args.hangup_after + 30)
    wall = time.time() - wall0
    cpu1 = {"asterisk": cpu_seconds(asterisk_pid), "controller": cpu_seconds(os.getpid())}
    phones_cpu = sum(cpu_seconds(pid) for pid in phone_pids) - phones0
    controller_timing = ANSWER_TIMING.summary()
    for phone in phones:
        phone.stop()
    holder["loop"].call_soon_threadsafe(holder["task"].cancel)
    thread.join(10)
    sandbox.down()

    calls = [event for batch in batches for event in batch.of("call_summary")]
    latencies = [c["first_audio_ms"] for c in calls if c["answered"] and c["first_audio_ms"] is not None]
    late = [event["late_ms"] for batch in batches for event in batch.of("dialing")]
    batch_cpu = [b.of("summary")[0]["cpu_s"] for b in batches if b.of("summary")]
    batch_wall = [b.of("summary")[0]["wall_s"] for b in batches if b.of("summary")]
    print(
        json.dumps(
            {
                "calls": args.calls,
                "rate_per_s": args.rate,
                "agents": args.agents,
                "caller_processes": processes,
                "calls_per_caller_process": MAX_CALLS,
                "caller_processes_not_ready_in_time": not_ready,
                "wall_s": round(wall, 1),
                "answered": sum(1 for c in calls if c["answered"]),
                "errors": args.calls - sum(1 for c in calls if c["answered"]),
                "no_audio_heard": sum(1 for c in calls if c["answered"]) - len(latencies),
                "unanswered_status_codes": sorted(
                    {str(c["status_code"]) for c in calls if not c["answered"]}
                ),
                "invite_to_first_ivr_audio_ms": {
                    "p50": pct(latencies, 0.5),
                    "p95": pct(latencies, 0.95),
                    "max": max(latencies) if latencies else None,
                    "mean": round(statistics.mean(latencies), 1) if latencies else None,
                },
                "dial_lateness_ms": {"p50": pct(late, 0.5), "p95": pct(late, 0.95)},
                "controller": controller_timing,
                "cpu_percent_of_one_core": {
                    "asterisk": round(100 * (cpu1["asterisk"] - cpu0["asterisk"]) / wall, 1),
                    "controller_and_bench_process": round(
                        100 * (cpu1["controller"] - cpu0["controller"]) / wall, 1
                    ),
                    "agent_softphones_total": round(100 * phones_cpu / wall, 1),
                    "each_caller_process": [
                        round(100 * c / w, 1) for c, w in zip(batch_cpu, batch_wall, strict=True)
                    ],
                    "caller_processes_total_cpu_s": round(sum(batch_cpu), 2),
                },
                "machine_load_avg_1min": round(os.getloadavg()[0], 2),
                "goal": "p95 <= 300 ms at 10 new calls/s",
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
