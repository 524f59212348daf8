"""The analytics page's figures for a date range, summed from the rollups (:mod:`web.analytics.rollups`).

Definitions (the wallboard's, so both pages agree; see also :mod:`web.analytics.facts`):

- service level: queued calls answered within 20 s over answered calls plus calls abandoned after
  20 s (callers who hung up sooner do not count against it); a callback counts as answered, its wait
  running until the callback is answered;
- ASA: mean queue wait of answered queued calls; AHT: mean talk + hold + wrap-up of answered calls;
- abandonment: queued calls abandoned over queued calls answered or abandoned; abandoned in the IVR
  (before any queue) is its own figure, over calls offered;
- FCR: issues (a customer's handled contacts about one reason within a week, any channel) with one
  contact and no reopened ticket, over issues;
- per ticket channel: mean seconds from creation to the first response, and tickets solved or closed
  over tickets created; CSAT: mean score (1-5) and share of 4s and 5s of surveys answered.

Days are UTC calendar days; a range is ``start`` to ``end`` inclusive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, Connection, Float, FromClause, and_, cast, desc, func, select

from config.models import SipCredential, User
from web.analytics.facts import SERVICE_LEVEL_S
from web.analytics.rollups import current_views, source
from web.analytics.sql import iso_weekday, mean, ratio

TOP_REASONS = 10


@dataclass(frozen=True)
class Period:
    """A range of UTC days, both ends included."""

    start: date
    end: date

    def bounds(self) -> tuple[datetime, datetime]:
        """The first instant of ``start`` and the first instant after ``end``, UTC."""
        first = datetime.combine(self.start, time(0), tzinfo=UTC)
        return first, datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=UTC)


class Rollups:
    """The rollup tables of one connection: each a view when current, else its SELECT inline."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.views = current_views(connection)

    def __getitem__(self, name: str) -> FromClause:
        return source(name, self.views)

    @property
    def from_views(self) -> bool:
        return bool(self.views)


def in_period(table: FromClause, period: Period) -> Any:
    return and_(table.c.day >= period.start, table.c.day <= period.end)


FRACTIONAL = ("score", "total")


def sums(table: FromClause, *names: str) -> list[Any]:
    """Sums as plain numbers (PostgreSQL sums integers as NUMERIC): seconds and scores as floats."""
    return [
        cast(
            func.coalesce(func.sum(table.c[name]), 0),
            Float if name.endswith("_s") or name in FRACTIONAL else BigInteger,
        ).label(name)
        for name in names
    ]


def call_figures(rollups: Rollups, period: Period) -> dict[str, Any]:
    t = rollups["calls_daily"]
    names = (
        "offered",
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
    row = rollups.connection.execute(select(*sums(t, *names)).where(in_period(t, period))).one()._asdict()
    return _call_kpis(row)


def _call_kpis(row: dict[str, Any]) -> dict[str, Any]:
    sl_base = row["answered_queued"] + row["late_abandoned"]
    ended = row["answered_queued"] + row["abandoned"]
    return {
        "offered": row["offered"],
        "answered": row["answered"],
        "abandoned": row["abandoned"],
        "abandoned_in_ivr": row["abandoned_ivr"],
        "service_level": ratio(row["in_time"], sl_base),
        "service_level_threshold_s": SERVICE_LEVEL_S,
        "asa_s": mean(row["wait_s"], row["answered_queued"]),
        "aht_s": mean(row["handle_s"], row["answered"]),
        "abandonment_rate": ratio(row["abandoned"], ended),
        "ivr_abandonment_rate": ratio(row["abandoned_ivr"], row["offered"]),
        "callbacks": row["callback"],
        "callbacks_answered": row["callback_answered"],
        "transfers": row["transferred"],
        "faq": {
            "asked": row["faq_asked"],
            "bot_answered": row["faq_answered"],
            "confirmed": row["faq_confirmed"],
            "deflected": row["faq_deflected"],
            "deflection_rate": ratio(row["faq_deflected"], row["faq_asked"]),
            "accuracy": ratio(row["faq_confirmed"], row["faq_answered"]),
        },
    }


def contact_figures(rollups: Rollups, period: Period) -> dict[str, Any]:
    """Contacts, FCR, channel share and the top reasons with satisfaction and resolution."""
    t = rollups["contacts_daily"]
    conn = rollups.connection
    total = conn.execute(select(*sums(t, "contacts", "issue", "fcr")).where(in_period(t, period))).one()
    channels = conn.execute(
        select(t.c.channel, *sums(t, "contacts", "bot", "deflected"))
        .where(in_period(t, period))
        .group_by(t.c.channel)
        .order_by(desc("contacts"), t.c.channel)
    ).all()
    reasons = conn.execute(
        select(t.c.reason, *sums(t, "contacts", "issue", "fcr"))
        .where(in_period(t, period))
        .group_by(t.c.reason)
        .order_by(desc("contacts"), t.c.reason)
        .limit(TOP_REASONS)
    ).all()
    csat = _by_reason(rollups, "csat_daily", period, ("answers", "score", "satisfied"))
    tickets = _by_reason(rollups, "tickets_daily", period, ("tickets", "resolved", "reopened"))
    top = []
    for reason, contacts, issues, fcr in reasons:
        survey, ticket = csat.get(reason, {}), tickets.get(reason, {})
        top.append(
            {
                "reason": reason,
                "contacts": contacts,
                "fcr_rate": ratio(fcr, issues),
                "csat_average": mean(survey.get("score"), survey.get("answers", 0), 2),
                "csat_answers": survey.get("answers", 0),
                "tickets": ticket.get("tickets", 0),
                "resolution_rate": ratio(ticket.get("resolved", 0), ticket.get("tickets", 0)),
            }
        )
    return {
        "contacts": total.contacts,
        "issues": total.issue,
        "fcr_rate": ratio(total.fcr, total.issue),
        "channel_share": [
            {"channel": row.channel, "contacts": row.contacts, "share": ratio(row.contacts, total.contacts)}
            for row in channels
        ],
        "faq_bot_by_channel": [
            {
                "channel": row.channel,
                "bot_contacts": row.bot,
                "deflected": row.deflected,
                "deflection_rate": ratio(row.deflected, row.bot),
            }
            for row in channels
            if row.bot
        ],
        "top_reasons": top,
    }


def reasons_together(rollups: Rollups, period: Period) -> list[dict[str, Any]]:
    """The pairs of reasons customers most often contacted about within a week of each other."""
    t = rollups["reason_pairs_daily"]
    rows = rollups.connection.execute(
        select(t.c.reason_a, t.c.reason_b, *sums(t, "customers"))
        .where(in_period(t, period))
        .group_by(t.c.reason_a, t.c.reason_b)
        .order_by(desc("customers"), t.c.reason_a, t.c.reason_b)
        .limit(TOP_REASONS)
    )
    return [{"reasons": [row.reason_a, row.reason_b], "customers": row.customers} for row in rows]


def _by_reason(
    rollups: Rollups, name: str, period: Period, names: tuple[str, ...]
) -> dict[str, dict[str, Any]]:
    t = rollups[name]
    rows = rollups.connection.execute(
        select(t.c.reason, *sums(t, *names)).where(in_period(t, period)).group_by(t.c.reason)
    )
    return {row[0]: row._asdict() for row in rows}


def ticket_channels(rollups: Rollups, period: Period) -> list[dict[str, Any]]:
    t = rollups["tickets_daily"]
    rows = rollups.connection.execute(
        select(t.c.channel, *sums(t, "tickets", "resolved", "reopened", "responded", "response_s"))
        .where(in_period(t, period))
        .group_by(t.c.channel)
        .order_by(t.c.channel)
    )
    return [
        {
            "channel": row.channel,
            "tickets": row.tickets,
            "resolved": row.resolved,
            "reopened": row.reopened,
            "resolution_rate": ratio(row.resolved, row.tickets),
            "avg_first_response_s": mean(row.response_s, row.responded),
        }
        for row in rows
    ]


def csat_figures(rollups: Rollups, period: Period) -> dict[str, Any]:
    t = rollups["csat_daily"]
    row = rollups.connection.execute(
        select(*sums(t, "answers", "score", "satisfied")).where(in_period(t, period))
    ).one()
    return {
        "answers": row.answers,
        "average": mean(row.score, row.answers, 2),
        "satisfied_rate": ratio(row.satisfied, row.answers),
    }


def agent_ranking(rollups: Rollups, period: Period) -> list[dict[str, Any]]:
    """Agents (by SIP user name) with calls answered, AHT, QA average and CSAT, best QA first."""
    conn = rollups.connection
    calls, qa, surveys = rollups["agents_daily"], rollups["qa_daily"], rollups["csat_agents_daily"]
    answered = {
        row.agent_id: row
        for row in conn.execute(
            select(calls.c.agent_id, *sums(calls, "answered", "handle_s", "transferred"))
            .where(in_period(calls, period))
            .group_by(calls.c.agent_id)
        )
    }
    scored = {
        row.agent_id: row
        for row in conn.execute(
            select(qa.c.agent_id, *sums(qa, "scored", "total"))
            .where(in_period(qa, period))
            .group_by(qa.c.agent_id)
        )
    }
    csat_rows = conn.execute(
        select(SipCredential.username, User.display_name, *sums(surveys, "answers", "score", "satisfied"))
        .select_from(surveys)
        .join(User, User.id == surveys.c.agent_user_id)
        .outerjoin(SipCredential, SipCredential.user_id == User.id)
        .where(in_period(surveys, period))
        .group_by(SipCredential.username, User.display_name)
    ).all()
    rated = {row.username or f"user:{row.display_name}": row for row in csat_rows}
    names = dict(
        conn.execute(
            select(SipCredential.username, User.display_name)
            .join(User, User.id == SipCredential.user_id)
            .where(SipCredential.username.in_(set(answered) | set(scored) | set(rated)))
        ).all()
    )
    ranking = []
    for agent in set(answered) | set(scored) | set(rated):
        calls_row, qa_row, csat_row = answered.get(agent), scored.get(agent), rated.get(agent)
        ranking.append(
            {
                "agent_id": agent,
                "name": names.get(agent) or agent,
                "answered": calls_row.answered if calls_row else 0,
                "aht_s": mean(calls_row.handle_s, calls_row.answered) if calls_row else None,
                "qa_scored": qa_row.scored if qa_row else 0,
                "qa_average": mean(qa_row.total, qa_row.scored) if qa_row else None,
                "csat_answers": csat_row.answers if csat_row else 0,
                "csat_average": mean(csat_row.score, csat_row.answers, 2) if csat_row else None,
            }
        )
    ranking.sort(key=_rank_key)
    for place, row in enumerate(ranking, 1):
        row["rank"] = place
    return ranking


def _rank_key(agent: dict[str, Any]) -> tuple[float, float, int, str]:
    """Best QA average first, then CSAT, then calls answered (agents without a score last)."""
    qa, csat = agent["qa_average"], agent["csat_average"]
    return (
        -qa if qa is not None else 1.0,
        -csat if csat is not None else 1.0,
        -agent["answered"],
        agent["agent_id"],
    )


def heatmap(
    rollups: Rollups, period: Period, reason: str | None = None, channel: str | None = None
) -> list[list[int]]:
    """Contacts per ISO weekday (rows, Monday first) and UTC hour (columns), of one reason or channel
    when given."""
    # Unfiltered, the per-hour totals (a few rows a day); a reason or channel needs the finer rollup.
    t = rollups["contacts_hourly" if reason or channel else "contact_hours"]
    weekday = iso_weekday(t.c.day)
    query = (
        select(weekday, t.c.hour, *sums(t, "contacts"))
        .where(in_period(t, period))
        .group_by(weekday, t.c.hour)
    )
    if reason:
        query = query.where(t.c.reason == reason)
    if channel:
        query = query.where(t.c.channel == channel)
    grid = [[0] * 24 for _ in range(7)]
    for day, hour, contacts in rollups.connection.execute(query):
        grid[int(day) - 1][int(hour)] = int(contacts)
    return grid


def report(
    connection: Connection, period: Period, reason: str | None = None, channel: str | None = None
) -> dict[str, Any]:
    """Everything the analytics page shows for ``period``."""
    rollups = Rollups(connection)
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "from_rollups": rollups.from_views,
        "calls": call_figures(rollups, period),
        **contact_figures(rollups, period),
        "reasons_together": reasons_together(rollups, period),
        "tickets_by_channel": ticket_channels(rollups, period),
        "csat": csat_figures(rollups, period),
        "agents": agent_ranking(rollups, period),
        "heatmap": {
            "reason": reason,
            "channel": channel,
            "contacts": heatmap(rollups, period, reason, channel),
        },
    }
