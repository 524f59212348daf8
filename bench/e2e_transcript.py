"""End of a spoken sentence to its final transcript on a console WebSocket client, as deployed.

Voxdesk runs as ``voxdesk up`` runs it (web, Celery worker, mail server, media worker and call
controller as separate processes, from the supervisor's own child list) against a sandbox Asterisk,
a scratch PostgreSQL database and Redis. A pjsua2 caller dials the IVR, presses 1 and is answered
by an agent softphone; both sides speak Piper sentences. A supervisor's ``/ws/calls`` client in this
process timestamps every ``transcript.final``. A sentence's latency is the arrival of the first
final of its leg holding its closing words, minus the moment its last sample was played (the phone's
"playing" event plus the sentence's end in the WAV). Prints one JSON document with p50/p95/max.

Both parties talk on their own clocks (their speech may overlap), the harder case for the worker.
Needs the sandbox chroot (root) and PostgreSQL; takes about two minutes.

Run: .venv/bin/python bench/e2e_transcript.py [--engine whisper|vosk|auto] [--sentences 12]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# This folder must not shadow the packages it measures; the deployed-test harness is reused as is.
HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path = [p for p in sys.path if Path(p or ".").resolve() != HERE]
sys.path[:0] = [
    str(ROOT),
    str(ROOT / "tests" / "integration" / "deployed"),
    str(ROOT / "tests" / "integration"),
]

import numpy as np  # noqa: E402
import psycopg  # noqa: E402
import redis  # noqa: E402
from asterisk_support import ICE_ALIAS, ICE_BLACKLIST, ensure_ice_alias  # noqa: E402
from deployed_helpers import (  # noqa: E402
    AGENT_PASSWORD,
    AGENT_SIP,
    DEPLOYED_REDIS_URL,
    ConsoleClient,
    Deployment,
    agent_credential,
    seed_users,
    start_deployment,
    wait_for,
)
from speech_audio import phone_band, piper_16k, silence  # noqa: E402

from asr.audio import write_wav  # noqa: E402
from bench.asr import AGENT_LINES  # noqa: E402  (the call benches' one dialogue)
from bench.asr import SENTENCES as CALLER_LINES  # noqa: E402
from config.migrate import upgrade  # noqa: E402
from config.settings import AsteriskMode, load_settings  # noqa: E402
from telephony.sandbox import AsteriskSandbox  # noqa: E402
from telephony.sipua.client import place_call, start_softphone  # noqa: E402
from telephony.sipua.plan import CallPlan, CallResult, DtmfStep, SoftphonePlan  # noqa: E402

PG_URL = os.environ.get("VOXDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z0-9' ]+", " ", text.lower()).split()


def side(lines: list[str], count: int, lead: float, pause: float, path: Path) -> list[tuple[str, float]]:
    """An 8 kHz WAV of ``count`` sentences (cycling ``lines``); returns each sentence and where it ends."""
    parts, ends, now = [silence(lead, 8000)], [], lead
    for index in range(count):
        text = lines[index % len(lines)]
        speech = phone_band(piper_16k(text))
        parts += [speech, silence(pause, 8000)]
        now += len(speech) / 8000
        ends.append((text, now))
        now += pause
    write_wav(path, 8000, np.concatenate(parts))
    return ends


def free_port(kind: socket.SocketKind) -> int:
    with socket.socket(socket.AF_INET, kind) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def latencies(
    console: ConsoleClient, call_id: str, leg: str, played_at: float, ends: list[tuple[str, float]]
) -> list[float | None]:
    """Per sentence: first final of the leg holding one of its two closing words, after it ended."""
    finals = [
        (t, set(words(m["data"]["text"])))
        for t, m in list(console.messages)
        if m["type"] == "transcript.final" and m["data"].get("call_id") == call_id and m["data"]["leg"] == leg
    ]
    found: list[float | None] = []
    for text, end in ends:
        ended = played_at + end
        closing = set(words(text)[-2:])
        hits = [t - ended for t, said in finals if t >= ended - 0.3 and closing & said]
        found.append(min(hits) if hits else None)
    return found


class RedisFinals:
    """When each final reached Redis (a subscriber in this process): splits off the web relay's share."""

    def __init__(self) -> None:
        self.arrived: dict[str, float] = {}
        self._stop = threading.Event()
        self._pubsub = redis.Redis.from_url(DEPLOYED_REDIS_URL).pubsub(ignore_subscribe_messages=True)
        self._pubsub.psubscribe("voxdesk:call:*")
        threading.Thread(target=self._listen, daemon=True).start()

    def _listen(self) -> None:
        while not self._stop.is_set():
            message = self._pubsub.get_message(timeout=0.2)
            if message and message["type"] == "pmessage":
                event = json.loads(message["data"])
                if event.get("type") == "transcript.final":
                    self.arrived.setdefault(event["data"]["id"], time.monotonic())

    def stop(self) -> None:
        self._stop.set()


def relay_share(console: ConsoleClient, call_id: str, at_redis: dict[str, float]) -> dict[str, Any]:
    """Redis -> console WebSocket time of the call's finals (the web process's part of the latency)."""
    gaps = sorted(
        t - at_redis[m["data"]["id"]]
        for t, m in list(console.messages)
        if m["type"] == "transcript.final" and m["data"].get("call_id") == call_id
        and m["data"]["id"] in at_redis
    )  # fmt: skip
    if not gaps:
        return {}
    return {"finals": len(gaps), "p50_ms": round(1000 * statistics.median(gaps), 1),
            "max_ms": round(1000 * gaps[-1], 1)}  # fmt: skip


def run(args: argparse.Namespace) -> dict[str, Any]:
    with deployed(args.engine) as (deployment, sip_server, work):
        return measure(deployment, sip_server, work, args)


@contextmanager
def deployed(
    engine: str, name: str = "e2e", extra_env: dict[str, str] | None = None
) -> Iterator[tuple[Deployment, str, Path]]:
    """Voxdesk as deployed on a fresh sandbox Asterisk and scratch database: the deployment, the SIP
    server's address and a work folder (also used by bench/qa.py and bench/console_pop.py)."""
    work = Path(tempfile.mkdtemp(prefix=f"voxdesk-bench-{name}-"))
    base = load_settings()
    asterisk = base.asterisk.model_copy(
        update={
            "mode": AsteriskMode.SANDBOX,
            "bind_address": "127.0.0.1",
            "http_port": free_port(socket.SOCK_STREAM),
            "sip_port": free_port(socket.SOCK_DGRAM),
            "ari_password": None,
            # the browser softphone (bench/console_pop.py) needs an ICE candidate on loopback only
            "ice_loopback_alias": ICE_ALIAS,
            "ice_blacklist": ICE_BLACKLIST,
        }
    )
    ensure_ice_alias(ICE_ALIAS)
    settings = base.model_copy(update={"asterisk": asterisk, "data_dir": work / "data"})
    sandbox = AsteriskSandbox(settings)
    ari = sandbox.up(agents=[agent_credential()])
    db_name = f"voxdesk_bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{db_name}"')
    db_url = PG_URL.rsplit("/", 1)[0] + f"/{db_name}"
    deployment: Deployment | None = None
    try:
        upgrade(db_url)
        deployment = start_deployment(settings, ari, db_url, seed_users(db_url), work, engine, extra_env)
        yield deployment, f"127.0.0.1:{asterisk.sip_port}", work
    finally:
        if deployment is not None:
            deployment.stop()
        sandbox.down()
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def measure(deployment: Deployment, sip_server: str, work: Path, args: argparse.Namespace) -> dict[str, Any]:
    half = (args.sentences + 1) // 2
    # The caller's speech starts after the IVR, the queue and the agent's answer (about 3 s).
    caller_ends = side(CALLER_LINES, half, 5.0, args.pause, work / "caller.wav")
    agent_ends = side(AGENT_LINES, args.sentences - half, 2.0, args.pause, work / "agent.wav")
    assert deployment.api("dp-alice", "POST", "/api/agents/me/login").status_code == 202
    wait_for(
        lambda: deployment.api("dp-alice", "GET", "/api/agents/me").json().get("status") == "available",
        15, "the agent available", deployment.describe,
    )  # fmt: skip
    played: dict[str, float] = {}

    def on(leg: str) -> Any:
        def seen(event: dict[str, Any]) -> None:
            if event["event"] == "playing" and leg not in played:
                played[leg] = time.monotonic()

        return seen

    talk = max(caller_ends[-1][1], agent_ends[-1][1] + 4.0) + 3.0
    plan = CallPlan("1000", sip_server, wav=work / "caller.wav", play_at=1.0,
                    dtmf=(DtmfStep("1", 0.5),), hangup_after=1.0 + talk)  # fmt: skip
    phone = SoftphonePlan(AGENT_SIP, AGENT_PASSWORD, sip_server, wav=work / "agent.wav")
    results: list[CallResult] = []
    at_redis = RedisFinals()
    with deployment.console("dp-sue") as console, start_softphone(phone, on_event=on("agent")):
        caller = threading.Thread(
            target=lambda: results.append(place_call(plan, on_event=on("caller"))), daemon=True
        )
        caller.start()
        caller.join(plan.hangup_after + 30)
        wait_for(
            lambda: bool(console_call(console, deployment)),
            10,
            "the call on the console",
            deployment.describe,
        )
        call_id = console_call(console, deployment)
        time.sleep(3.0)  # finals of the last words, flushed at hang-up
    at_redis.stop()
    assert results and results[0].answered, "the call was not answered"
    caller_lat = latencies(console, call_id, "caller", played["caller"], caller_ends)
    agent_lat = latencies(console, call_id, "agent", played["agent"], agent_ends)
    matched = sorted(x for x in caller_lat + agent_lat if x is not None)
    percentile = lambda q: round(1000 * matched[min(len(matched) - 1, int(q * (len(matched) - 1) + 0.5))])  # noqa: E731
    return {
        "bench": "end of a spoken sentence -> transcript.final on a /ws/calls client, as deployed",
        "engine": deployment.settings.asr.engine.value,
        "sentences": len(caller_ends) + len(agent_ends),
        "finals_matched": len(matched),
        "latency_p50_ms": round(1000 * statistics.median(matched)) if matched else None,
        "latency_p95_ms": percentile(0.95) if matched else None,
        "latency_max_ms": round(1000 * matched[-1]) if matched else None,
        "per_leg_ms": {
            "caller": [None if x is None else round(1000 * x) for x in caller_lat],
            "agent": [None if x is None else round(1000 * x) for x in agent_lat],
        },
        "redis_to_websocket": relay_share(console, call_id, at_redis.arrived),
        "vad_hangover_ms": deployment.settings.asr.vad_hangover_ms,
        "goal_p95_ms": 800,
        "console_feed_closed_with": console.closed_with,
    }


def console_call(console: ConsoleClient, deployment: Deployment) -> str:
    """The bench's call: the one whose state events name the bench's agent."""
    for _t, message in list(console.messages):
        data = message.get("data") or {}
        if message["type"] == "call.state_changed" and data.get("agent_id") == AGENT_SIP:
            return str(data["call_id"])
    return ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", default="whisper", choices=["auto", "vosk", "whisper"])
    parser.add_argument("--sentences", type=int, default=24, help="sentences over both legs (at least 20)")
    parser.add_argument("--pause", type=float, default=1.5, help="silence after each sentence")
    args = parser.parse_args()
    print(json.dumps(run(args), indent=2))


if __name__ == "__main__":
    main()
