"""Inbound call load: callers through the IVR into a queue with auto-answer agents; prints JSON.

Measures, per call, the time from the caller's INVITE to the first IVR audio it hears (the
``recording`` event of the pjsua2 caller, when media starts, plus the offset of the first loud
20 ms frame in its recording), the errors, and the CPU used by Asterisk, this process (the
controller runs here, in a thread) and the SIP child processes.

Run: .venv/bin/python bench/calls.py [--calls 60] [--rate 10] [--agents 6]
Needs root for the sandbox chroot (as the integration tests do).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

from config.settings import AsteriskMode, load_settings  # noqa: E402
from telephony.commands.schemas import AgentLogin  # noqa: E402
from telephony.controller import AriAccess, Controller  # noqa: E402
from telephony.inbound.menu_flow import MenuFlowSource  # noqa: E402
from telephony.sandbox import AsteriskSandbox, SipCredentialSpec  # noqa: E402
from telephony.settings import QueueSettings, TelephonySettings  # noqa: E402
from telephony.sipua.audio import wav_stats  # noqa: E402
from telephony.sipua.client import place_call, start_softphone  # noqa: E402
from telephony.sipua.plan import CallPlan, DtmfStep, SoftphonePlan  # noqa: E402

FLOW = """
name: bench
menu:
  prompt: sound:hello-world
  timeout_s: 3
  retries: 0
  options:
    "1": {queue: sales}
fallback_queue: sales
"""
LOUD_RMS = 300.0
PASSWORD = "bench-agent-pass"  # noqa: S105 (a throwaway account in a throwaway sandbox)


def free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat", encoding="utf-8") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def first_audio_ms(result: Any) -> tuple[float, float] | None:
    """(INVITE -> media start, media start -> first loud frame) in ms, from the caller's clock and WAV."""
    events = {e["event"]: e for e in result.events}
    if "dialing" not in events or "recording" not in events or result.record is None:
        return None
    stats = wav_stats(result.record)
    frame = 0.02
    for index in range(int(stats.seconds / frame)):
        if stats.rms(index * frame, (index + 1) * frame) > LOUD_RMS:
            media_start = events["recording"]["t"] - events["dialing"]["t"]
            return media_start * 1000, index * frame * 1000
    return None


def run_controller(
    settings: TelephonySettings, ari: AriAccess, redis_url: str, flow: Path
) -> tuple[Controller, Any]:
    holder: dict[str, Any] = {}
    ready = threading.Event()

    def serve() -> None:
        loop = asyncio.new_event_loop()
        controller = Controller(settings, ari, redis_url, flows=MenuFlowSource(flow, ["sales"]))
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
    if not ready.wait(15):
        raise SystemExit("controller did not connect")
    return holder["controller"], (holder, thread)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=60)
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
    flow = work / "flow.yaml"
    flow.write_text(FLOW)
    tel = TelephonySettings(
        key_prefix=f"bench-{uuid.uuid4().hex[:6]}",
        queues=[QueueSettings(id="sales")],
        default_queue="sales",
        wrap_up_s=0,
        recording={"enabled": False},
    )
    ari = AriAccess(endpoint.url, endpoint.user, endpoint.password, asterisk.stasis_app)
    controller, (holder, thread) = run_controller(tel, ari, redis_url, flow)
    phones = [start_softphone(SoftphonePlan(n, PASSWORD, sip)) for n in names]
    for name in names:
        future = asyncio.run_coroutine_threadsafe(
            controller.executor.execute(AgentLogin(agent_id=name, endpoint=f"PJSIP/{name}")), holder["loop"]
        )
        future.result(5)
    asterisk_pid = sandbox.status().pid or 0
    cpu0 = {"asterisk": cpu_seconds(asterisk_pid), "controller_process": cpu_seconds(os.getpid())}
    wall0 = time.monotonic()

    def one_call(index: int) -> Any:
        plan = CallPlan(
            "1000",
            sip,
            dtmf=(DtmfStep("1", 1.5),),
            record=work / f"caller{index}.wav",
            hangup_after=args.hangup_after,
        )
        return place_call(plan, timeout=30)

    results: list[Any] = []
    errors: list[str] = []
    with ThreadPoolExecutor(max_workers=max(8, int(args.rate * (args.hangup_after + 2)))) as pool:
        futures = []
        for index in range(args.calls):
            target = wall0 + index / args.rate
            time.sleep(max(0.0, target - time.monotonic()))
            futures.append(pool.submit(one_call, index))
        for future in futures:
            try:
                results.append(future.result())
            except Exception as exc:
                errors.append(repr(exc))
    wall = time.monotonic() - wall0
    cpu1 = {"asterisk": cpu_seconds(asterisk_pid), "controller_process": cpu_seconds(os.getpid())}
    for phone in phones:
        phone.stop()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    parts = [p for p in (first_audio_ms(r) for r in results if r.answered) if p is not None]
    latencies = sorted(a + b for a, b in parts)
    media_starts = sorted(a for a, _ in parts)
    audio_offsets = sorted(b for _, b in parts)
    answered_by_agent = sum(
        1 for r in results if r.talk_seconds and r.talk_seconds >= args.hangup_after - 0.2
    )
    holder["loop"].call_soon_threadsafe(holder["task"].cancel)
    thread.join(10)
    sandbox.down()

    def pct(values: list[float], q: float) -> float | None:
        return round(values[min(len(values) - 1, int(q * len(values)))], 1) if values else None

    print(
        json.dumps(
            {
                "calls": args.calls,
                "rate_per_s": args.rate,
                "agents": args.agents,
                "wall_s": round(wall, 1),
                "answered": sum(1 for r in results if r.answered),
                "reached_an_agent": answered_by_agent,
                "errors": len(errors) + sum(1 for r in results if not r.answered),
                "error_samples": errors[:3],
                "unanswered_status_codes": sorted({str(r.status_code) for r in results if not r.answered}),
                "no_audio_heard": sum(1 for r in results if r.answered) - len(latencies),
                "invite_to_first_ivr_audio_ms": {
                    "p50": pct(latencies, 0.5),
                    "p95": pct(latencies, 0.95),
                    "max": latencies[-1] if latencies else None,
                    "mean": round(statistics.mean(latencies), 1) if latencies else None,
                },
                "invite_to_media_start_ms": {"p50": pct(media_starts, 0.5), "p95": pct(media_starts, 0.95)},
                "media_start_to_first_audio_ms": {
                    "p50": pct(audio_offsets, 0.5),
                    "p95": pct(audio_offsets, 0.95),
                },
                "cpu_percent_of_one_core": {
                    "asterisk": round(100 * (cpu1["asterisk"] - cpu0["asterisk"]) / wall, 1),
                    "controller_and_bench_process": round(
                        100 * (cpu1["controller_process"] - cpu0["controller_process"]) / wall, 1
                    ),
                    "sip_callers_and_softphones_total": round(
                        100 * (children.ru_utime + children.ru_stime) / wall, 1
                    ),
                },
                "goal": "p95 <= 300 ms at 10 new calls/s",
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
