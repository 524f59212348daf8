"""Ticket list and search under 100 concurrent clients on PostgreSQL with 100,000 tickets.

Run on purpose (not in tests), from the repository root: ``.venv/bin/python -m bench.api``
(``-m`` so bench/asr.py does not shadow the asr package). Creates a scratch database, bulk-loads tickets
with COPY, serves the real app with uvicorn on loopback, drives it with
concurrent HTTP clients (aiohttp) and prints JSON (p50/p99 latency, requests/s). Goal: p99 <= 50 ms.
``--baseline-ref <commit>`` measures that commit's app first on the same data (before/after in one run).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import io
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta

import aiohttp
import httpx
import psycopg

from config.db import make_engine, make_session_factory
from config.migrate import upgrade
from config.sessions import open_session_for
from tickets.textsearch import search_document

PG_URL = os.environ.get("VOXDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
WORDS = (
    "printer refund invoice router password delivery parcel screen battery login charger warranty "
    "account payment coupon subscription engine sensor pressure temperature"
).split()
CHINESE = ["退款申请", "打印机卡纸", "快递丢失", "密码重置", "发票抬头", "电池鼓包"]
STATUSES = ["new", "open", "open", "pending", "solved", "closed"]
PRIORITIES = ["low", "normal", "normal", "high", "urgent"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def load_tickets(url: str, count: int) -> float:
    """COPY ``count`` tickets (with groups and users to point at); returns seconds taken."""
    rng = random.Random(7)
    started = time.perf_counter()
    with psycopg.connect(url) as conn:
        user_ids = [
            conn.execute(
                "INSERT INTO users (username, display_name, role, password_hash, is_active, created_at) "
                "VALUES (%s, %s, 'agent', 'x', true, now()) RETURNING id",
                (f"bench{n}", f"Bench {n}"),
            ).fetchone()[0]  # type: ignore[index]
            for n in range(50)
        ]
        group_ids = [
            conn.execute(
                "INSERT INTO desk_groups (name, description, created_at) VALUES (%s, '', now()) RETURNING id",
                (f"group{n}",),
            ).fetchone()[0]  # type: ignore[index]
            for n in range(10)
        ]
        base = datetime(2026, 1, 1, tzinfo=UTC)
        columns = (
            "subject, description, status, priority, business_area, channel, source, assignee_id, group_id,"
            " tags, custom_fields, call_context, created_by, created_at, updated_at, escalation_level,"
            " search_text"
        )
        buffer = io.StringIO()
        for n in range(count):
            words = rng.sample(WORDS, 3)
            subject = " ".join(words) + (f" {rng.choice(CHINESE)}" if n % 5 == 0 else "") + f" #{n}"
            description = f"Customer reports {words[0]} problem with {words[1]}."
            created = (base + timedelta(seconds=n * 30)).isoformat()
            row = [
                subject,
                description,
                rng.choice(STATUSES),
                rng.choice(PRIORITIES),
                "general",
                "web",
                "agent",
                str(rng.choice(user_ids)),
                str(rng.choice(group_ids)),
                "[]",
                "{}",
                "{}",
                "bench",
                created,
                created,
                "0",
                search_document(subject, description),
            ]
            buffer.write("\t".join(row) + "\n")
        buffer.seek(0)
        with conn.cursor() as cursor, cursor.copy(f"COPY tickets ({columns}) FROM STDIN") as copy:
            while chunk := buffer.read(1 << 20):
                copy.write(chunk)
        conn.execute("ANALYZE tickets")
    return time.perf_counter() - started


def query_mix(rng: random.Random) -> dict[str, str | int]:
    kind = rng.random()
    if kind < 0.4:
        return {"status": rng.choice(["new", "open", "pending"]), "limit": 50}
    if kind < 0.6:
        return {"priority": rng.choice(PRIORITIES), "group_id": rng.randint(1, 10), "limit": 50}
    if kind < 0.85:
        return {"q": " ".join(rng.sample(WORDS, 2)), "limit": 20}
    return {"q": rng.choice(CHINESE)[:2], "limit": 20}


async def drive(
    base_url: str, token: str, clients: int, seconds: float
) -> tuple[list[float], dict[str, int]]:
    """``clients`` concurrent clients, each sending its next request when the last one answered.

    aiohttp, not httpx: on this two-core machine the load generator shares the CPU with the server,
    and httpx spent ~5x more CPU per request than aiohttp (it capped a trivial endpoint at ~380
    requests/s where aiohttp reached ~1,900), so it measured itself rather than the API.
    """
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    stop = time.perf_counter() + seconds
    connector = aiohttp.TCPConnector(limit=clients)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        base_url, connector=connector, timeout=timeout, headers={"Authorization": f"Bearer {token}"}
    ) as client:

        async def one_client(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < stop:
                started = time.perf_counter()
                async with client.get("/api/tickets", params=query_mix(rng)) as response:
                    await response.read()
                latencies.append((time.perf_counter() - started) * 1000)
                outcomes[str(response.status)] = outcomes.get(str(response.status), 0) + 1

        await asyncio.gather(*(one_client(n) for n in range(clients)))
    return latencies, outcomes


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def start_server(
    url: str, secret: str, data_dir: str, workers: int, code_dir: str | None
) -> tuple[subprocess.Popen[bytes], str]:
    """uvicorn on loopback serving the app from this checkout, or from ``code_dir`` (a baseline)."""
    port = free_port()
    env = os.environ | {
        "VOXDESK_DATABASE_URL": url,
        "VOXDESK_DATA_DIR": data_dir,
        "VOXDESK_WEB__SECRET_KEY": secret,
        "VOXDESK_ASTERISK__MODE": "external",
        "VOXDESK_ASTERISK__ARI_URL": "http://127.0.0.1:9/ari",
        "VOXDESK_ASTERISK__ARI_PASSWORD": "x",
        "VOXDESK_LOG_LEVEL": "WARNING",
    }
    if code_dir is not None:  # ahead of the editable install on sys.path
        env["PYTHONPATH"] = code_dir
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "web.app:create_app",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        cwd=code_dir,
    )
    return server, f"http://127.0.0.1:{port}"


def wait_ready(base_url: str, token: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(
                f"{base_url}/api/tickets?limit=1", headers={"Authorization": f"Bearer {token}"}
            ).is_success:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("server did not start")
        time.sleep(0.3)


def bench_token(url: str, secret: str, code_dir: str | None) -> str:
    """A session of user ``bench0`` (opened directly: the users have no password to sign in with).

    A baseline from before server-side sessions (no config/sessions.py) took a signed token instead:
    ``<id>.<name>.<role>.<expiry>.<HMAC>``, minted here as that code did.
    """
    if code_dir is not None and not os.path.exists(os.path.join(code_dir, "config", "sessions.py")):
        name = base64.urlsafe_b64encode(b"bench0").decode().rstrip("=")
        payload = f"1.{name}.agent.{int(time.time()) + 3600}"
        digest = hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest()
        return f"{payload}.{base64.urlsafe_b64encode(digest).decode().rstrip('=')}"
    engine = make_engine(url)
    try:
        return open_session_for(make_session_factory(engine), 1)
    finally:
        engine.dispose()


def measure(url: str, args: argparse.Namespace, code_dir: str | None, label: str) -> dict[str, object]:
    """Serve the app, warm it up, drive it for ``args.seconds``; the figures as a dict."""
    data_dir = tempfile.mkdtemp(prefix="voxdesk-bench-")
    secret = uuid.uuid4().hex
    server, base_url = start_server(url, secret, data_dir, args.workers, code_dir)
    try:
        token = bench_token(url, secret, code_dir)
        wait_ready(base_url, token)
        asyncio.run(drive(base_url, token, args.clients, 3.0))  # warm up pools and caches
        started = time.perf_counter()
        latencies, outcomes = asyncio.run(
            asyncio.wait_for(drive(base_url, token, args.clients, args.seconds), args.seconds + 60)
        )
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    return {
        "code": label,
        "requests": len(latencies),
        "wall_seconds": round(elapsed, 1),
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p99_ms": round(percentile(latencies, 99), 1),
        "max_ms": round(max(latencies), 1),
        "status_codes": outcomes,
    }


def baseline_checkout(ref: str) -> str:
    """A throw-away git worktree of ``ref`` to serve the 'before' figures from."""
    path = tempfile.mkdtemp(prefix="voxdesk-bench-baseline-")
    subprocess.run(["git", "worktree", "add", "--detach", "-f", path, ref], check=True, capture_output=True)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--database", help="reuse this already loaded scratch database (kept)")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database for --database")
    parser.add_argument(
        "--baseline-ref", help="also measure the app as of this git commit, first, on the same data"
    )
    args = parser.parse_args()

    name = args.database or f"voxdesk_bench_{uuid.uuid4().hex[:8]}"
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    load_seconds = None
    if not args.database:
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    baseline = None
    try:
        upgrade(url)
        if not args.database:
            load_seconds = round(load_tickets(url, args.tickets), 1)
        runs = []
        if args.baseline_ref:
            baseline = baseline_checkout(args.baseline_ref)
            runs.append(measure(url, args, baseline, args.baseline_ref))
        runs.append(measure(url, args, None, "current"))
        print(
            json.dumps(
                {
                    "tickets": args.tickets,
                    "database": name if (args.keep or args.database) else None,
                    "load_seconds": load_seconds,
                    "clients": args.clients,
                    "server_workers": args.workers,
                    "cpus": os.cpu_count(),
                    "seconds": args.seconds,
                    "runs": runs,
                    "goal_p99_ms": 50,
                },
                indent=2,
            )
        )
    finally:
        if baseline is not None:
            subprocess.run(["git", "worktree", "remove", "--force", baseline], check=False)
        if not (args.keep or args.database):
            with psycopg.connect(PG_URL, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
