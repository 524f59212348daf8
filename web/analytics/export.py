"""The analytics page as files: CSV (one table, or the drill-down list) and XLSX (one sheet per table).

A cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) gets a leading
apostrophe: reasons and subjects come from customers.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from typing import Any

from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def tables(report: dict[str, Any], needs: list[dict[str, Any]]) -> dict[str, list[list[Any]]]:
    """The report's tables and the training needs, each a header row then data rows."""
    calls = report["calls"]
    heat = report["heatmap"]["contacts"]
    overview = [
        ["figure", "value"],
        *([name, value] for name, value in calls.items() if not isinstance(value, dict)),
        *([f"faq_{name}", value] for name, value in calls["faq"].items()),
        ["contacts", report["contacts"]],
        ["issues", report["issues"]],
        ["fcr_rate", report["fcr_rate"]],
        *([f"csat_{name}", value] for name, value in report["csat"].items()),
    ]
    return {
        "overview": overview,
        "reasons": _rows(report["top_reasons"]),
        "together": _rows(
            [
                {"reasons": " + ".join(p["reasons"]), "customers": p["customers"]}
                for p in report["reasons_together"]
            ]
        ),
        "channels": _rows(report["channel_share"]),
        "faq_bot": _rows(report["faq_bot_by_channel"]),
        "tickets": _rows(report["tickets_by_channel"]),
        "agents": _rows(report["agents"]),
        "heatmap": [["weekday", *range(24)], *([WEEKDAYS[day], *heat[day]] for day in range(7))],
        "training": _rows(
            [{name: value for name, value in need.items() if name != "drill"} for need in needs]
        ),
    }


def _rows(items: list[dict[str, Any]]) -> list[list[Any]]:
    if not items:
        return [[]]
    header = list(items[0])
    return [header, *([item.get(name) for name in header] for item in items)]


def as_csv(rows: Iterable[list[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([safe(value) for value in row])
    return out.getvalue()


def dict_rows(items: list[dict[str, Any]]) -> list[list[Any]]:
    return _rows(items)


def as_xlsx(sheets: dict[str, list[list[Any]]]) -> bytes:
    book = Workbook()
    first = True
    for name, rows in sheets.items():
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        sheet.title = name[:31]
        first = False
        for row in rows:
            sheet.append([safe(value) for value in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
