"""Ticket list and search under 100 concurrent clients on PostgreSQL with 100,000 tickets.

Run on purpose (not in tests), from the repository root: ``.venv/bin/python -m bench.api``
(``-m`` so bench/asr.py does not shadow the asr package). Creates a scratch database, bulk-loads tickets
with COPY, serves the real app with uvicorn on loopback, drives it with
concurrent HTTP clients and prints JSON (p50/p99 latency, requests/s). Goal: p99 <= 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
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

import httpx
import psycopg

from config.migrate import upgrade
from config.models import Role
from tickets.textsearch import search_document
from web.auth import Principal, issue_token

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
    latencies: list[float] = []
    outcomes: dict[str, int] = {}
    stop = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
    ) as client:

        async def one_client(seed: int) -> None:
            rng = random.Random(seed)
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = await client.get("/api/tickets", params=query_mix(rng))
                latencies.append((time.perf_counter() - started) * 1000)
                outcomes[str(response.status_code)] = outcomes.get(str(response.status_code), 0) + 1

        await asyncio.gather(*(one_client(n) for n in range(clients)))
    return latencies, outcomes


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * pct / 100))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()

    name = f"voxdesk_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = PG_URL.rsplit("/", 1)[0] + f"/{name}"
    server = None
    try:
        upgrade(url)
        load_seconds = load_tickets(url, args.tickets)
        data_dir = tempfile.mkdtemp(prefix="voxdesk-bench-")
        secret = uuid.uuid4().hex
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
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        token = issue_token(secret, Principal(1, "bench0", Role.AGENT))
        base_url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(
                    f"{base_url}/api/tickets?limit=1", headers={"Authorization": f"Bearer {token}"}
                ).is_success:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit("server did not start")
            time.sleep(0.3)
        asyncio.run(drive(base_url, token, args.clients, 3.0))  # warm up pools and caches
        latencies, outcomes = asyncio.run(drive(base_url, token, args.clients, args.seconds))
        print(
            json.dumps(
                {
                    "tickets": args.tickets,
                    "load_seconds": round(load_seconds, 1),
                    "clients": args.clients,
                    "server_workers": args.workers,
                    "cpus": os.cpu_count(),
                    "seconds": args.seconds,
                    "requests": len(latencies),
                    "requests_per_second": round(len(latencies) / args.seconds, 1),
                    "p50_ms": round(statistics.median(latencies), 1),
                    "p99_ms": round(percentile(latencies, 99), 1),
                    "max_ms": round(max(latencies), 1),
                    "status_codes": outcomes,
                    "goal_p99_ms": 50,
                },
                indent=2,
            )
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        with psycopg.connect(PG_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
