"""The rollups every analytics figure is summed from: one small grouped table per subject.

On PostgreSQL each rollup is a materialized view (``analytics_*``), refreshed by the Celery job in
:mod:`web.analytics.tasks`, so a page sums a few thousand rows per month of data instead of scanning
every call and ticket. Elsewhere (SQLite), and on PostgreSQL before the first refresh, the same
grouped SELECT runs inline: the figures are identical, only slower.

Some rollups are coarser sums of another (contacts per day from contacts per hour): as views they
read the finer view, so the expensive one (the repeat-contact window over every contact) is
computed once per refresh. A view records the hash of the SQL it was built from (its comment); one
built from an older definition is rebuilt, with the views that read it, and is not read meanwhile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, FromClause, Subquery, TableClause, column, func, select, table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.expression import ColumnClause

from web.analytics import facts
from web.analytics.facts import Rows

Sources = Callable[[str], FromClause]
"""Where a derived rollup reads the rollup it sums: its view, or its SELECT inline."""


def _sums(source: Any, *names: str) -> list[Any]:
    return [func.sum(source.c[name]).label(name) for name in names]


def _calls_daily(_: Sources) -> Rows:
    c = facts.call_facts().subquery("f")
    names = (
        "queued",
        "answered",
        "answered_queued",
        "abandoned",
        "abandoned_ivr",
        "in_time",
        "late_abandoned",
        "wait_s",
        "handle_s",
        "callback",
        "callback_answered",
        "transferred",
        "faq_asked",
        "faq_answered",
        "faq_confirmed",
        "faq_deflected",
    )
    columns = (c.c.day, c.c.queue_id, c.c.reason)
    return select(*columns, func.count().label("offered"), *_sums(c, *names)).group_by(*columns)


def _agents_daily(_: Sources) -> Rows:
    c = facts.call_facts().subquery("f")
    return (
        select(c.c.day, c.c.agent_id, *_sums(c, "answered", "handle_s", "transferred"))
        .where(c.c.agent_id.is_not(None))
        .group_by(c.c.day, c.c.agent_id)
    )


def _contacts_hourly(_: Sources) -> Rows:
    c = facts.contact_facts().subquery("f")
    columns = (c.c.day, c.c.hour, c.c.channel, c.c.reason)
    names = ("handled", "issue", "fcr", "bot", "deflected")
    return select(*columns, func.count().label("contacts"), *_sums(c, *names)).group_by(*columns)


def _contacts_daily(sources: Sources) -> Rows:
    c = sources("contacts_hourly")
    columns = (c.c.day, c.c.channel, c.c.reason)
    return select(*columns, *_sums(c, "contacts", "handled", "issue", "fcr", "bot", "deflected")).group_by(
        *columns
    )


def _contact_hours(sources: Sources) -> Rows:
    c = sources("contacts_hourly")
    return select(c.c.day, c.c.hour, *_sums(c, "contacts")).group_by(c.c.day, c.c.hour)


def _tickets_daily(_: Sources) -> Rows:
    t = facts.ticket_facts().subquery("f")
    columns = (t.c.day, t.c.channel, t.c.reason)
    names = ("resolved", "reopened", "responded", "response_s")
    return select(*columns, func.count().label("tickets"), *_sums(t, *names)).group_by(*columns)


def _csat_daily(_: Sources) -> Rows:
    s = facts.survey_facts().subquery("f")
    columns = (s.c.day, s.c.channel, s.c.reason)
    return select(*columns, func.count().label("answers"), *_sums(s, "score", "satisfied")).group_by(*columns)


def _csat_agents_daily(_: Sources) -> Rows:
    s = facts.survey_facts().subquery("f")
    return (
        select(s.c.day, s.c.agent_user_id, func.count().label("answers"), *_sums(s, "score", "satisfied"))
        .where(s.c.agent_user_id.is_not(None))
        .group_by(s.c.day, s.c.agent_user_id)
    )


def _qa_daily(_: Sources) -> Rows:
    q = facts.scorecard_facts().subquery("f")
    columns = (q.c.day, q.c.agent_id)
    return select(*columns, func.count().label("scored"), *_sums(q, "total")).group_by(*columns)


def _qa_items_daily(_: Sources) -> Rows:
    q = facts.scorecard_item_facts().subquery("f")
    columns = (q.c.day, q.c.agent_id, q.c.item_key)
    return select(*columns, func.max(q.c.label).label("label"), *_sums(q, "applicable", "passed")).group_by(
        *columns
    )


def _compliance_daily(_: Sources) -> Rows:
    a = facts.alert_facts().subquery("f")
    return select(a.c.day, a.c.agent_id, func.count().label("hits")).group_by(a.c.day, a.c.agent_id)


def _reason_pairs_daily(_: Sources) -> Rows:
    p = facts.reason_pair_facts().subquery("f")
    columns = (p.c.day, p.c.reason_a, p.c.reason_b)
    return select(*columns, func.count().label("customers")).group_by(*columns)


def _template_steps_daily(_: Sources) -> Rows:
    f = facts.template_step_facts().subquery("f")
    columns = (f.c.day, f.c.template_id, f.c.step)
    return select(*columns, func.min(f.c.title).label("title"), *_sums(f, "reached", "completed")).group_by(
        *columns
    )


def _template_tickets_daily(_: Sources) -> Rows:
    f = facts.template_ticket_facts().subquery("f")
    columns = (f.c.day, f.c.template_id)
    return select(*columns, func.count().label("tickets"), *_sums(f, "solved")).group_by(*columns)


@dataclass(frozen=True)
class Rollup:
    """A grouped SELECT, the columns that make one of its rows unique (the view's unique index), and
    the rollups it sums (refreshed before it)."""

    name: str
    build: Callable[[Sources], Rows]
    keys: tuple[str, ...]
    reads: tuple[str, ...] = ()


ROLLUPS: dict[str, Rollup] = {  # in refresh order: a rollup after those it reads
    rollup.name: rollup
    for rollup in (
        Rollup("calls_daily", _calls_daily, ("day", "queue_id", "reason")),
        Rollup("agents_daily", _agents_daily, ("day", "agent_id")),
        Rollup("contacts_hourly", _contacts_hourly, ("day", "hour", "channel", "reason")),
        Rollup("contacts_daily", _contacts_daily, ("day", "channel", "reason"), ("contacts_hourly",)),
        Rollup("contact_hours", _contact_hours, ("day", "hour"), ("contacts_hourly",)),
        Rollup("tickets_daily", _tickets_daily, ("day", "channel", "reason")),
        Rollup("csat_daily", _csat_daily, ("day", "channel", "reason")),
        Rollup("csat_agents_daily", _csat_agents_daily, ("day", "agent_user_id")),
        Rollup("qa_daily", _qa_daily, ("day", "agent_id")),
        Rollup("qa_items_daily", _qa_items_daily, ("day", "agent_id", "item_key")),
        Rollup("compliance_daily", _compliance_daily, ("day", "agent_id")),
        Rollup("reason_pairs_daily", _reason_pairs_daily, ("day", "reason_a", "reason_b")),
        Rollup("template_steps_daily", _template_steps_daily, ("day", "template_id", "step")),
        Rollup("template_tickets_daily", _template_tickets_daily, ("day", "template_id")),
    )
}


def view_name(name: str) -> str:
    return f"analytics_{name}"


@lru_cache(maxsize=32)
def _view(name: str) -> TableClause:
    columns: list[ColumnClause[Any]] = [column(each.name) for each in _inline(name).c]
    return table(view_name(name), *columns)


@lru_cache(maxsize=32)
def _inline(name: str) -> Subquery:
    return ROLLUPS[name].build(_inline).subquery(view_name(name))


@lru_cache(maxsize=32)
def _view_sql(dialect_name: str, name: str) -> str:
    """A view's SQL (definitions do not change while a process runs: compiled once)."""
    # Named parameters: nothing to escape, the SQL runs as written (no '%%' for a LIKE's '%').
    dialect = postgresql.dialect(paramstyle="named") if dialect_name == "postgresql" else sqlite.dialect()
    statement = ROLLUPS[name].build(_view).compile(dialect=dialect, compile_kwargs={"literal_binds": True})
    return str(statement)


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
    stamps: dict[str, str | None] = {row[0]: row[1] for row in rows}
    return {name for name in ROLLUPS if stamps.get(view_name(name)) == _digest(_view_sql("postgresql", name))}


def source(name: str, views: set[str]) -> FromClause:
    """Where to read a rollup: its view when current, else the grouped SELECT inline."""
    return _view(name) if name in views else _inline(name)


def refresh_views(connection: Connection) -> list[str]:
    """Create, rebuild (definition changed, or a view it reads was rebuilt) or refresh every view;
    PostgreSQL only. Returns the views done. CONCURRENTLY: pages keep reading the old rows meanwhile."""
    if connection.dialect.name != "postgresql":
        return []
    current = current_views(connection)
    rebuilt: set[str] = set()
    done = []
    for name, rollup in ROLLUPS.items():
        view = view_name(name)
        if name in current and not rebuilt.intersection(rollup.reads):
            connection.execute(text(f"REFRESH MATERIALIZED VIEW CONCURRENTLY {view}"))
        else:
            sql = _view_sql("postgresql", name)
            connection.execute(text(f"DROP MATERIALIZED VIEW IF EXISTS {view} CASCADE"))
            # Straight to the driver (text() would read ':' in a LIKE pattern as a parameter), which
            # wants a literal '%' doubled.
            connection.exec_driver_sql(f"CREATE MATERIALIZED VIEW {view} AS {sql}".replace("%", "%%"))
            connection.execute(text(f"CREATE UNIQUE INDEX {view}_key ON {view} ({', '.join(rollup.keys)})"))
            connection.execute(text(f"COMMENT ON MATERIALIZED VIEW {view} IS '{_digest(sql)}'"))
            rebuilt.add(name)
        done.append(view)
    return done
