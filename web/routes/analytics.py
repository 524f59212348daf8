"""Analytics for supervisors, QA managers and admins (agents 403): the page's figures for a date
range, the rows behind any figure, and CSV / XLSX exports.

Thin: :mod:`web.analytics` computes. Figures are the floor's (every queue and channel); drill-down
rows of tickets and text conversations are trimmed to what the user may see.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from config.errors import InvalidInputError
from config.models import Role
from web.access import ScopeDep
from web.analytics import export
from web.analytics.drill import METRICS, drill
from web.analytics.kpis import Period, report
from web.analytics.stages import template_stages
from web.analytics.training import DEFAULT_BAR, training_needs
from web.auth import require_roles
from web.deps import SessionDep

router = APIRouter(tags=["analytics"])
LEADS = require_roles(Role.SUPERVISOR, Role.QA_MANAGER)
DEFAULT_DAYS = 30
MAX_DAYS = 366
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

From = Annotated[
    date | None, Query(alias="from", description="first day, UTC (default: 29 days before `to`)")
]
To = Annotated[date | None, Query(alias="to", description="last day, included, UTC (default: today)")]
Filter = Annotated[str | None, Query(max_length=64)]


def period_of(start: date | None, end: date | None) -> Period:
    """The asked range, defaulting to the last 30 days; at most a year, never backwards."""
    end = end or datetime.now(UTC).date()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise InvalidInputError("'from' is after 'to'")
    if (end - start).days >= MAX_DAYS:
        raise InvalidInputError(f"a range is at most {MAX_DAYS} days")
    return Period(start, end)


def _file(body: str | bytes, media_type: str, name: str) -> Response:
    return Response(
        body, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@router.get("/api/analytics", dependencies=[LEADS])
def analytics(
    session: SessionDep, start: From = None, end: To = None, reason: Filter = None, channel: Filter = None
) -> dict[str, Any]:
    """Service level, ASA, AHT, abandonment (in queue and in the IVR), callbacks, transfers, FCR,
    channel share, the top 10 contact reasons with FCR, CSAT and ticket resolution each, per-channel
    ticket response time and resolution rate, CSAT, the agent ranking and the weekday x hour heatmap
    of contacts (``reason`` / ``channel`` narrow the heatmap)."""
    return report(session.connection(), period_of(start, end), reason, channel)


@router.get(
    "/api/analytics/drill",
    dependencies=[LEADS],
    responses={200: {"content": {"application/json": {}, "text/csv": {}}}},
)
def drill_down(
    session: SessionDep,
    scope: ScopeDep,
    metric: Annotated[str, Query(max_length=40, description=f"one of: {', '.join(METRICS)}")],
    key: Annotated[str, Query(max_length=64)] = "",
    start: From = None,
    end: To = None,
    format: Literal["json", "csv"] = "json",
) -> Any:
    """The calls, contacts, tickets or surveys behind one figure (at most 500, oldest first)."""
    period = period_of(start, end)
    rows = drill(session.connection(), scope, period, metric, key)
    if format == "csv":
        name = f"analytics-{metric}-{period.start}-{period.end}.csv"
        return _file(export.as_csv(export.dict_rows(rows)), "text/csv; charset=utf-8", name)
    return {
        "metric": metric,
        "key": key,
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "rows": rows,
    }


@router.get("/api/analytics/training", dependencies=[LEADS])
def training(
    session: SessionDep,
    start: From = None,
    end: To = None,
    bar: Annotated[
        float, Query(ge=0.0, le=1.0, description="QA item pass rate under which it is a need")
    ] = DEFAULT_BAR,
    max_hits: Annotated[
        int, Query(ge=0, le=1000, description="compliance alerts allowed before it is a need")
    ] = 0,
) -> dict[str, Any]:
    """Training needs: agents whose QA items pass less often than ``bar``, or with more compliance
    alerts than ``max_hits``, with the calls that show it."""
    period = period_of(start, end)
    needs = training_needs(session, period, bar, max_hits)
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "bar": bar, "needs": needs}


@router.get("/api/analytics/templates", dependencies=[LEADS])
def templates(session: SessionDep, start: From = None, end: To = None) -> dict[str, Any]:
    """Conversion along each ticket template's stages: tickets opened from it in the range, and per
    step how many reached it (tasks handed over) and completed it (all its tasks done)."""
    period = period_of(start, end)
    stages = template_stages(session.connection(), period)
    return {"from": period.start.isoformat(), "to": period.end.isoformat(), "templates": stages}


@router.get(
    "/api/analytics/export",
    dependencies=[LEADS],
    response_class=Response,
    responses={200: {"content": {XLSX: {}, "text/csv": {}}}},
)
def export_report(
    session: SessionDep,
    start: From = None,
    end: To = None,
    format: Literal["csv", "xlsx"] = "xlsx",
    table: Literal[
        "overview", "reasons", "channels", "tickets", "agents", "heatmap", "training"
    ] = "overview",
) -> Response:
    """The page's tables: XLSX with one sheet each, or CSV of one ``table``."""
    period = period_of(start, end)
    tables = export.tables(report(session.connection(), period), training_needs(session, period))
    stem = f"analytics-{period.start}-{period.end}"
    if format == "xlsx":
        return _file(export.as_xlsx(tables), XLSX, f"{stem}.xlsx")
    return _file(export.as_csv(tables[table]), "text/csv; charset=utf-8", f"{stem}-{table}.csv")
