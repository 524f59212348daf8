"""The analytics page's queries on PostgreSQL with a million calls and a million tickets.

Run on purpose (not in tests): ``.venv/bin/python -m bench.analytics [--calls 1000000]
[--tickets 1000000] [--runs 30] [--keep]``. Makes a scratch database (dropped at the end unless
``--keep``), migrates it, generates a year of records with ``generate_series`` (calls, tickets,
text conversations, CSAT answers, QA scorecards, reopened tickets), refreshes the analytics views as
the Celery job does, then times each query of the page and the whole page (``report``) for the last
30 days and for the whole year, one drill-down, and the training needs (read from the month's
scorecards, a separate request of the page). Prints JSON: milliseconds, p50 and p95 per
query and per page, the refresh time, row counts. Goal: page p95 <= 200 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import psycopg
from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from config.db import make_engine
from config.migrate import upgrade
from config.models import Role
from tickets.access import Scope
from web.analytics import kpis
from web.analytics.drill import drill
from web.analytics.rollups import refresh_views
from web.analytics.stages import template_stages
from web.analytics.training import training_needs

PG_URL = os.environ.get("VOXDESK_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
LAST_DAY = date(2026, 11, 30)
REASONS = (
    "ARRAY['billing','refund','delivery','technical','sales','support','returns','invoice','account','other']"
)
CHANNELS = "ARRAY['voice','email','webchat','sms','wechat']"
QUEUES = "ARRAY['billing','sales','support','priority']"
AGENTS = 50
# Six scorecard items per call (as qa.scorecards writes them); about one in seven fails.
ITEMS = (
    "json_build_array("
    + ", ".join(
        f"json_build_object('key', '{key}', 'label', '{key}', 'weight', 1.0, "
        f"'status', CASE WHEN (id + {n}) % 7 = 0 THEN 'failed' ELSE 'passed' END)"
        for n, key in enumerate(("greeting", "disclosure", "forbidden", "resolution", "hold", "silence"))
    )
    + ")"
)
VIEW_SIZES = (
    "SELECT relname, reltuples::bigint FROM pg_class WHERE relkind = 'm' AND relname LIKE 'analytics_%'"
)

GENERATE = [
    (
        "customers",
        """INSERT INTO customers (display_name, segment, created_at)
        SELECT 'customer ' || g, 'standard', now() FROM generate_series(1, 100000) g""",
    ),
    (
        "users",
        """INSERT INTO users (username, display_name, role, password_hash, is_active, created_at)
        SELECT 'bench' || g, 'Agent ' || g, 'agent', '!', true, now() FROM generate_series(1, {agents}) g""",
    ),
    (
        "sip_credentials",
        """INSERT INTO sip_credentials (user_id, username, realm, ha1, created_at)
        SELECT id, 'sip' || substr(username, 6), 'voxdesk', 'x',
            now() FROM users WHERE username LIKE 'bench%'""",
    ),
    (
        "call_records",
        """INSERT INTO call_records (call_id, direction, caller_number, dialed_number, customer_id,
            ivr_path, ivr_choice, queue_id, first_queue_id, agent_id, disposition, offered_at, queued_at,
            answered_at, abandoned_at, ended_at, queue_wait_s, talk_s, hold_s, wrap_up_s, missed_offers,
            callback_requested, created_at)
        SELECT 'b' || g, 'inbound', '', '1000', (1 + (g::bigint * 7919) % 100000)::text, '[]',
            ({reasons})[1 + g % 10], CASE WHEN o < 0.03 THEN NULL ELSE ({queues})[1 + g % 4] END,
            CASE WHEN o < 0.03 THEN NULL WHEN o > 0.97 THEN ({queues})[1 + (g + 1) % 4] ELSE
            ({queues})[1 + g % 4] END,
            CASE WHEN o >= 0.10 THEN 'sip' || (1 + g % {agents}) END,
            CASE WHEN o < 0.03 THEN 'abandoned_in_ivr' WHEN o < 0.10 THEN 'abandoned_in_queue' ELSE
            'answered' END,
            at, CASE WHEN o >= 0.03 THEN at END, CASE WHEN o >= 0.10 THEN at END,
            CASE WHEN o < 0.10 THEN at END,
            at, CASE WHEN o >= 0.03 THEN wait ELSE 0 END, CASE WHEN o >= 0.10 THEN 60 + wait * 8 ELSE 0 END,
            CASE WHEN o >= 0.10 THEN wait / 2 ELSE 0 END, CASE WHEN o >= 0.10 THEN 30 ELSE 0 END, '[]',
            o BETWEEN 0.5 AND 0.52, at
        FROM (SELECT g, random() AS o, (random() * 60)::float AS wait,
                     timestamptz '{first}' + (g::float / {calls} * 365) * interval '1 day' AS at
              FROM generate_series(1, {calls}) g) s""",
    ),
    (
        "conversations",
        """INSERT INTO conversations (customer_id, channel, subject, status, created_at,
            last_message_at, flags)
        SELECT 1 + (g::bigint * 7919) % 100000, ({channels})[2 + g % 4], '', 'open', at, at, '{{}}'
        FROM (SELECT g, timestamptz '{first}' + (g::float / {conversations} * 365) * interval '1 day' AS at
              FROM generate_series(1, {conversations}) g) s""",
    ),
    (
        "desk_groups",
        """INSERT INTO desk_groups (name, description, created_at) VALUES ('bench', '', now())""",
    ),
    (
        "desk_templates",
        """INSERT INTO desk_templates (name, business_area, description, default_priority, steps, created_at)
        VALUES ('bench flow', 'general', '', 'normal', '[]', now())""",
    ),
    (
        "tickets",
        """INSERT INTO tickets (subject, description, status, priority, business_area, channel, source,
            customer_id, conversation_id, call_id, tags, custom_fields, call_context, created_by, created_at,
            updated_at, first_response_at, escalation_level, search_text, template_id)
        SELECT 'ticket ' || g, '', (ARRAY['solved','closed','open','pending'])[1 + g % 4], 'normal',
            'general',
            CASE WHEN g % 2 = 0 THEN 'voice' ELSE ({channels})[2 + (g / 2) % 4] END, 'agent',
            1 + (g::bigint * 7919) % 100000,
            CASE WHEN g % 2 = 1 AND g / 2 < {conversations} THEN 1 + g / 2 END,
            CASE WHEN g % 2 = 0 AND g / 2 <= {calls} THEN 'b' || (g / 2) END,
            json_build_array(({reasons})[1 + g % 10]), '{{}}', '{{}}', 'bench', at, at,
            CASE WHEN g % 5 <> 0 THEN at + (g % 3600) * interval '1 second' END, 0, '',
            CASE WHEN g % 50 = 0 THEN (SELECT min(id) FROM desk_templates) END
        FROM (SELECT g, timestamptz '{first}' + (g::float / {tickets} * 365) * interval '1 day' AS at
              FROM generate_series(1, {tickets}) g) s""",
    ),
    (
        "ticket_tasks",
        """INSERT INTO ticket_tasks (ticket_id, group_id, title, status, step, created_at)
        SELECT t.id, (SELECT min(id) FROM desk_groups), 'step ' || step,
            CASE WHEN step < t.id % 4 THEN 'done' WHEN step = t.id % 4 THEN 'open' ELSE 'waiting' END,
            step, t.created_at
        FROM tickets t CROSS JOIN generate_series(0, 2) step WHERE t.template_id IS NOT NULL""",
    ),
    (
        "ticket_history",
        """INSERT INTO ticket_history (ticket_id, at, actor, action, details)
        SELECT id, created_at, 'bench', 'status_changed', '{{"from": "solved", "to": "open"}}'
        FROM tickets WHERE id % 20 = 0""",
    ),
    (
        "csat_surveys",
        """INSERT INTO csat_surveys (conversation_id, customer_id, agent_id, ticket_id, via, sent_at,
            score, comment, answered_at)
        SELECT c.id, c.customer_id,
            (SELECT min(id) FROM users WHERE username LIKE 'bench%') + c.id % {agents},
            NULL, 'email', c.created_at, 1 + c.id % 5, '', c.created_at + interval '1 hour'
        FROM conversations c WHERE c.id % 2 = 0""",
    ),
    (
        "qa_scorecards",
        """INSERT INTO qa_scorecards (call_id, agent_id, queue_id, channel, call_at, facts, auto_items,
            auto_total, segments_scored, scored_at, overrides, reviewed, created_at)
        SELECT call_id, agent_id, queue_id, 'voice', offered_at, '{{}}', {items}, 50 + id % 50, 0,
            offered_at, '{{}}',
            false, offered_at
        FROM call_records WHERE agent_id IS NOT NULL AND id % 3 = 0""",
    ),
]


def _scratch_database() -> tuple[str, str]:
    name = f"voxdesk_bench_analytics_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return name, PG_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop(name: str) -> None:
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"p50_ms": round(statistics.median(ordered), 1), "p95_ms": round(p95, 1)}


def _timed(runs: int, work: Callable[[], Any]) -> dict[str, float]:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return _percentiles(samples)


def _page_queries(connection: Connection, period: kpis.Period, runs: int) -> dict[str, Any]:
    def fresh() -> kpis.Rollups:  # the page looks the views up once per request, so each run does
        return kpis.Rollups(connection)

    queries: dict[str, Callable[[], Any]] = {
        "views_lookup": fresh,
        "calls": lambda: kpis.call_figures(fresh(), period),
        "contacts_reasons_channels": lambda: kpis.contact_figures(fresh(), period),
        "tickets_by_channel": lambda: kpis.ticket_channels(fresh(), period),
        "csat": lambda: kpis.csat_figures(fresh(), period),
        "agent_ranking": lambda: kpis.agent_ranking(fresh(), period),
        "heatmap": lambda: kpis.heatmap(fresh(), period),
    }
    result: dict[str, Any] = {name: _timed(runs, work) for name, work in queries.items()}
    result["page"] = _timed(runs, lambda: kpis.report(connection, period))

    def whole_page() -> None:  # what the page asks for: figures, training needs, template stages
        kpis.report(connection, period)
        with Session(bind=connection) as session:
            training_needs(session, period)
        template_stages(connection, period)

    result["page_all_requests"] = _timed(runs, whole_page)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=1_000_000)
    parser.add_argument("--tickets", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--keep", action="store_true", help="keep the scratch database (prints its URL)")
    args = parser.parse_args()
    first = LAST_DAY - timedelta(days=364)
    values = {
        "calls": args.calls, "tickets": args.tickets, "conversations": args.tickets // 2, "agents": AGENTS,
        "first": first.isoformat(), "items": ITEMS, "reasons": REASONS, "channels": CHANNELS,
        "queues": QUEUES,
    }  # fmt: skip
    name, url = _scratch_database()
    out: dict[str, Any] = {"database": url if args.keep else name, "generate_s": {}}
    engine = make_engine(url, pool_size=1)
    try:
        upgrade(url)
        with engine.begin() as connection:
            for table, sql in GENERATE:
                started = time.perf_counter()
                connection.execute(text(sql.format(**values)))
                out["generate_s"][table] = round(time.perf_counter() - started, 1)
            connection.execute(text("ANALYZE"))
        started = time.perf_counter()
        with engine.begin() as connection:
            refresh_views(connection)  # first run: creates the views
        out["create_views_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        with engine.begin() as connection:
            refresh_views(connection)  # what the Celery job does every 5 minutes
        out["refresh_views_s"] = round(time.perf_counter() - started, 1)
        with engine.connect() as connection:
            out["rows"] = {
                table: connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one()  # noqa: S608
                for table in ("call_records", "tickets", "conversations", "csat_surveys", "qa_scorecards")
            }
            out["view_rows"] = {row[0]: row[1] for row in connection.execute(text(VIEW_SIZES))}
            month = kpis.Period(LAST_DAY - timedelta(days=29), LAST_DAY)
            year = kpis.Period(first, LAST_DAY)
            out["last_30_days"] = _page_queries(connection, month, args.runs)
            out["whole_year"] = _page_queries(connection, year, args.runs)
            with Session(bind=connection) as session:
                out["training_needs_last_30_days"] = _timed(
                    max(3, args.runs // 5), lambda: training_needs(session, month)
                )
            scope = Scope(user_id=0, role=Role.ADMIN)
            out["drill_abandoned_last_30_days"] = _timed(
                max(3, args.runs // 5), lambda: drill(connection, scope, month, "abandoned")
            )
            out["goal_page_p95_ms"] = 200
            out["goal_met"] = (
                max(out[r]["page_all_requests"]["p95_ms"] for r in ("last_30_days", "whole_year")) <= 200
            )
    finally:
        engine.dispose()
        if not args.keep:
            _drop(name)
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
