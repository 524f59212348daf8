"""Drill-down: the calls, contacts, tickets and surveys behind one figure of the analytics page.

``metric`` names the figure and ``key`` the bar or cell (a reason, a channel, an agent, a heatmap
cell ``weekday-hour``). Rows come from the same row-level definitions the figures are summed from
(:mod:`web.analytics.facts`), so a drill-down lists exactly what its figure counted. Tickets and
text conversations are trimmed to what the user may see (``tickets.access``); calls are the floor's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection, String, and_, cast, select
from sqlalchemy.orm import Session

from config.errors import InvalidInputError
from tickets.access import Scope
from tickets.access.filters import visible_conversations, visible_tickets
from tickets.conversations.models import Conversation
from tickets.desk.models import Ticket
from web.analytics import facts
from web.analytics.facts import Rows
from web.analytics.kpis import Period
from web.analytics.sql import iso_weekday
from web.analytics.training import failed_item_calls

MAX_ROWS = 500
Where = Callable[[Any, str], Any]


def _key(key: str) -> str:
    if not key:
        raise InvalidInputError("this metric needs a key (a reason, channel, agent or cell)")
    return key


def _cell(rows: Any, key: str) -> Any:
    try:
        weekday, hour = (int(part) for part in key.split("-"))
    except ValueError:
        raise InvalidInputError("a heatmap cell is 'weekday-hour', e.g. 1-9 for Monday 09:00") from None
    if not (1 <= weekday <= 7 and 0 <= hour <= 23):
        raise InvalidInputError("a heatmap cell is weekday 1-7 (Monday 1) and hour 0-23")
    return and_(iso_weekday(rows.c.day) == weekday, rows.c.hour == hour)


CALL_METRICS: dict[str, Where] = {
    "offered": lambda r, _: True,
    "answered": lambda r, _: r.c.answered == 1,
    "abandoned": lambda r, _: r.c.abandoned == 1,
    "abandoned_in_ivr": lambda r, _: r.c.abandoned_ivr == 1,
    "service_level_missed": lambda r, _: (
        (r.c.answered_queued == 1) & (r.c.in_time == 0) | (r.c.late_abandoned == 1)
    ),
    "callbacks": lambda r, _: r.c.callback == 1,
    "transfers": lambda r, _: r.c.transferred == 1,
    "faq_asked": lambda r, _: r.c.faq_asked == 1,
    "faq_deflected": lambda r, _: r.c.faq_deflected == 1,
    "agent": lambda r, key: (r.c.agent_id == _key(key)) & (r.c.answered == 1),
    "queue": lambda r, key: r.c.queue_id == _key(key),
}
CONTACT_METRICS: dict[str, Where] = {
    "contacts": lambda r, _: True,
    "reason": lambda r, key: r.c.reason == _key(key),
    "channel": lambda r, key: r.c.channel == _key(key),
    "heatmap": _cell,
    "fcr": lambda r, _: r.c.fcr == 1,
    "fcr_missed": lambda r, _: (r.c.issue == 1) & (r.c.fcr == 0),
}
TICKET_METRICS: dict[str, Where] = {
    "tickets_channel": lambda r, key: r.c.channel == _key(key),
    "tickets_reason": lambda r, key: r.c.reason == _key(key),
    "reopened": lambda r, _: r.c.reopened == 1,
    "unresolved": lambda r, _: r.c.resolved == 0,
}
SURVEY_METRICS: dict[str, Where] = {
    "csat": lambda r, _: True,
    "csat_reason": lambda r, key: r.c.reason == _key(key),
    "csat_unsatisfied": lambda r, _: r.c.satisfied == 0,
}


ALERT_METRICS: dict[str, Where] = {"compliance_hits": lambda r, key: r.c.agent_id == _key(key)}
FAILED_ITEM = "qa_item_failed"
METRICS = sorted(
    [*CALL_METRICS, *CONTACT_METRICS, *TICKET_METRICS, *SURVEY_METRICS, *ALERT_METRICS, FAILED_ITEM]
)


def _rows(connection: Connection, query: Rows) -> list[dict[str, Any]]:
    out = []
    for row in connection.execute(query.limit(MAX_ROWS)):
        item = row._asdict()
        for name, value in item.items():
            if hasattr(value, "isoformat"):
                item[name] = value.isoformat()
        out.append(item)
    return out


def drill(
    connection: Connection, scope: Scope, period: Period, metric: str, key: str = ""
) -> list[dict[str, Any]]:
    """The rows behind ``metric`` (and ``key``) in ``period``, oldest first, at most :data:`MAX_ROWS`."""
    if metric == FAILED_ITEM:
        agent, _, item = _key(key).partition(":")
        if not item:
            raise InvalidInputError("a QA item need is 'agent:item', e.g. agent1:greeting")
        with Session(bind=connection) as session:
            return failed_item_calls(session, period, agent, item)[:MAX_ROWS]
    for metrics, listing in FAMILIES:
        if metric in metrics:
            return _rows(connection, listing(scope, period, metrics[metric], key))
    raise InvalidInputError(f"unknown metric {metric[:40]!r}; one of: {', '.join(METRICS)}")


def _calls(_: Scope, period: Period, where: Where, key: str) -> Rows:
    r = facts.call_facts(period.bounds()).subquery("rows")
    return (
        select(r.c.call_id, r.c.at, r.c.queue_id, r.c.agent_id, r.c.reason, r.c.disposition, r.c.wait_s,
               r.c.handle_s, r.c.ticket_id)
        .where(where(r, key))
        .order_by(r.c.at, r.c.call_id)
    )  # fmt: skip


def _contacts(scope: Scope, period: Period, where: Where, key: str) -> Rows:
    r = facts.contact_facts(period.bounds()).subquery("rows")
    query: Rows = select(r.c.kind, r.c.ref, r.c.at, r.c.channel, r.c.reason, r.c.handled, r.c.issue, r.c.fcr)
    seen = visible_conversations(scope)
    if seen is not None:  # calls are the floor's; text conversations only when the user sees them
        allowed = select(Conversation.id).where(seen)
        query = query.where((r.c.kind == "call") | r.c.ref.in_(select(_as_text(allowed))))
    return query.where(where(r, key)).order_by(r.c.at, r.c.ref)


def _tickets(scope: Scope, period: Period, where: Where, key: str) -> Rows:
    inner = facts.ticket_facts(period.bounds())
    seen = visible_tickets(scope)
    if seen is not None:
        inner = inner.where(seen)
    r = inner.subquery("rows")
    return (
        select(r.c.ticket_id, r.c.at, r.c.channel, r.c.reason, r.c.status, r.c.subject, r.c.reopened)
        .where(where(r, key))
        .order_by(r.c.at, r.c.ticket_id)
    )


def _surveys(scope: Scope, period: Period, where: Where, key: str) -> Rows:
    r = facts.survey_facts(period.bounds()).subquery("rows")
    query: Rows = select(r.c.survey_id, r.c.at, r.c.channel, r.c.reason, r.c.score, r.c.ticket_id)
    seen = visible_tickets(scope)
    if seen is not None:  # a survey names its ticket: listed only when the user sees it
        query = query.where(r.c.ticket_id.is_(None) | r.c.ticket_id.in_(select(Ticket.id).where(seen)))
    return query.where(where(r, key)).order_by(r.c.at, r.c.survey_id)


def _alerts(_: Scope, period: Period, where: Where, key: str) -> Rows:
    a = facts.alert_facts(period.bounds()).subquery("rows")
    return (
        select(a.c.call_id, a.c.at, a.c.agent_id, a.c.rule_id, a.c.kind).where(where(a, key)).order_by(a.c.at)
    )


Listing = Callable[[Scope, Period, Where, str], Rows]
FAMILIES: tuple[tuple[dict[str, Where], Listing], ...] = (
    (CALL_METRICS, _calls),
    (CONTACT_METRICS, _contacts),
    (TICKET_METRICS, _tickets),
    (SURVEY_METRICS, _surveys),
    (ALERT_METRICS, _alerts),
)


def _as_text(ids: Rows) -> Any:
    return cast(ids.subquery().c.id, String)
