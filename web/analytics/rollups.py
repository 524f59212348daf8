"""The rollups every analytics figure is summed from: one small grouped table per subject.

On PostgreSQL each rollup is a materialized view (``analytics_*``), refreshed by the Celery job
:data:`REFRESH_TASK` (``web.analytics.tasks``), so a page sums a few thousand rows per month of data
instead of scanning every call and ticket. Elsewhere (SQLite), and on PostgreSQL before the first
refresh, the same grouped SELECT runs inline: the figures are identical, only slower.

A view records the hash of the SELECT it was built from (its comment); a view built from an older
definition is rebuilt by the next refresh and is not read meanwhile.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, FromClause, Subquery, TableClause, column, func, select, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import Select

from web.analytics import facts


def _sums(source: Any, *names: str) -> list[Any]:
    return [func.sum(source.c[name]).label(name) for name in names]


def _calls_daily() -> Select[Any]:
    c = facts.call_facts().subquery("f")
    return select(
        c.c.day, c.c.queue_id, c.c.reason, func.count().label("offered"),
        *_sums(c, "queued", "answered", "answered_queued", "abandoned", "abandoned_ivr", "in_time", "late_abandoned", "wait_s",
               "handle_s", "callback", "callback_answered", "transferred"),
    ).group_by(c.c.day, c.c.queue_id, c.c.reason)  # fmt: skip


def _agents_daily() -> Select[Any]:
    c = facts.call_facts().subquery("f")
    return (
        select(c.c.day, c.c.agent_id, *_sums(c, "answered", "handle_s", "transferred"))
        .where(c.c.agent_id.is_not(None))
        .group_by(c.c.day, c.c.agent_id)
    )


def _contacts_hourly() -> Select[Any]:
    c = facts.contact_facts().subquery("f")
    return select(
        c.c.day, c.c.hour, c.c.channel, c.c.reason, func.count().label("contacts"),
        *_sums(c, "handled", "issue", "fcr"),
    ).group_by(c.c.day, c.c.hour, c.c.channel, c.c.reason)  # fmt: skip


def _tickets_daily() -> Select[Any]:
    t = facts.ticket_facts().subquery("f")
    return select(
        t.c.day, t.c.channel, t.c.reason, func.count().label("tickets"),
        *_sums(t, "resolved", "reopened", "responded", "response_s"),
    ).group_by(t.c.day, t.c.channel, t.c.reason)  # fmt: skip


def _csat_daily() -> Select[Any]:
    s = facts.survey_facts().subquery("f")
    return select(
        s.c.day, s.c.channel, s.c.reason, func.count().label("answers"), *_sums(s, "score", "satisfied")
    ).group_by(s.c.day, s.c.channel, s.c.reason)


def _csat_agents_daily() -> Select[Any]:
    s = facts.survey_facts().subquery("f")
    return (
        select(s.c.day, s.c.agent_user_id, func.count().label("answers"), *_sums(s, "score", "satisfied"))
        .where(s.c.agent_user_id.is_not(None))
        .group_by(s.c.day, s.c.agent_user_id)
    )


def _qa_daily() -> Select[Any]:
    q = facts.scorecard_facts().subquery("f")
    return select(q.c.day, q.c.agent_id, func.count().label("scored"), *_sums(q, "total")).group_by(
        q.c.day, q.c.agent_id
    )


@dataclass(frozen=True)
class Rollup:
    """A grouped SELECT and the columns that make one of its rows unique (the view's unique index)."""

    name: str
    build: Callable[[], Select[Any]]
    keys: tuple[str, ...]


ROLLUPS: dict[str, Rollup] = {
    rollup.name: rollup
    for rollup in (
        Rollup("calls_daily", _calls_daily, ("day", "queue_id", "reason")),
        Rollup("agents_daily", _agents_daily, ("day", "agent_id")),
        Rollup("contacts_hourly", _contacts_hourly, ("day", "hour", "channel", "reason")),
        Rollup("tickets_daily", _tickets_daily, ("day", "channel", "reason")),
        Rollup("csat_daily", _csat_daily, ("day", "channel", "reason")),
        Rollup("csat_agents_daily", _csat_agents_daily, ("day", "agent_user_id")),
        Rollup("qa_daily", _qa_daily, ("day", "agent_id")),
    )
}


def view_name(name: str) -> str:
    return f"analytics_{name}"


def _compiled(connection: Connection, rollup: Rollup) -> str:
    return _compiled_for(connection.dialect.name, rollup.name)


@lru_cache(maxsize=32)
def _compiled_for(dialect_name: str, name: str) -> str:
    """A rollup's SQL (the definition does not change while a process runs: compiled once)."""
    dialect = postgresql.dialect() if dialect_name == "postgresql" else sqlite.dialect()
    statement = ROLLUPS[name].build().compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(statement)


@lru_cache(maxsize=16)
def _view(name: str) -> TableClause:
    columns = [column(each.name) for each in ROLLUPS[name].build().selected_columns]
    return table(view_name(name), *columns)


@lru_cache(maxsize=16)
def _inline(name: str) -> Subquery:
    return ROLLUPS[name].build().subquery(view_name(name))


def _digest(sql: str) -> str:
    return hashlib.sha256(sql.encode()).hexdigest()[:16]


def current_views(connection: Connection) -> set[str]:
    """The rollups whose materialized view exists, is populated and matches today's definition."""
    if connection.dialect.name != "postgresql":
        return set()
    rows = connection.execute(
        text(
            "SELECT matviewname, obj_description(format('%I', matviewname)::regclass, 'pg_class') "
            "FROM pg_matviews WHERE schemaname = current_schema() AND ispopulated "
            "AND matviewname LIKE 'analytics\\_%'"
        )
    ).all()
    stamps = dict(rows)
    return {
        name
        for name, rollup in ROLLUPS.items()
        if stamps.get(view_name(name)) == _digest(_compiled(connection, rollup))
    }


def source(name: str, views: set[str]) -> FromClause:
    """Where to read a rollup: its view when current, else the grouped SELECT inline."""
    return _view(name) if name in views else _inline(name)


def refresh_views(connection: Connection) -> list[str]:
    """Create, rebuild (definition changed) or refresh every view; PostgreSQL only. Returns the names
    done. Refreshing CONCURRENTLY keeps the pages reading the old rows meanwhile."""
    if connection.dialect.name != "postgresql":
        return []
    current = current_views(connection)
    done = []
    for name, rollup in ROLLUPS.items():
        view = view_name(name)
        if name in current:
            connection.execute(text(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}"))
        else:
            sql = _compiled(connection, rollup)
            connection.execute(text(f"DROP MATERIALIZED VIEW IF EXISTS {view}"))
            connection.execute(text(f"CREATE MATERIALIZED VIEW {view} AS {sql}"))
            keys = ", ".join(rollup.keys)
            connection.execute(text(f"CREATE UNIQUE INDEX {view}_key ON {view} ({keys})"))
            connection.execute(text(f"COMMENT ON MATERIALIZED VIEW {view} IS '{_digest(sql)}'"))
        done.append(view)
    return done
