"""Date arithmetic the rollups need, written once per dialect (PostgreSQL and SQLite).

Times are stored in UTC; every bucket (day, hour of day, weekday) is taken in UTC so the figures do
not move with the server's zone. Weekdays are ISO: Monday 1 ... Sunday 7.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Integer, String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ColumnElement, FunctionElement


class day_of(FunctionElement[str]):  # noqa: N801 - SQL function names read as SQL
    """The UTC calendar day of a timestamp, as a ``date`` (PostgreSQL) or ``'YYYY-MM-DD'`` (SQLite)."""

    type = String()
    inherit_cache = True


class hour_of(FunctionElement[int]):  # noqa: N801
    """The UTC hour of day (0-23) of a timestamp."""

    type = Integer()
    inherit_cache = True


class iso_weekday(FunctionElement[int]):  # noqa: N801
    """The ISO weekday (Monday 1 ... Sunday 7) of a day made by :class:`day_of`."""

    type = Integer()
    inherit_cache = True


class seconds_between(FunctionElement[float]):  # noqa: N801
    """``later - earlier`` in seconds (NULL when either is NULL)."""

    type = Float()
    inherit_cache = True


def _args(compiler: SQLCompiler, element: FunctionElement[Any], **kw: Any) -> list[str]:
    return [compiler.process(clause, **kw) for clause in element.clauses]


@compiles(day_of, "postgresql")
def _day_pg(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(({_args(compiler, element, **kw)[0]}) AT TIME ZONE 'UTC' AS DATE)"


@compiles(day_of, "sqlite")
def _day_sqlite(element: day_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({_args(compiler, element, **kw)[0]})"


@compiles(hour_of, "postgresql")
def _hour_pg(element: hour_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(HOUR FROM ({_args(compiler, element, **kw)[0]}) AT TIME ZONE 'UTC') AS INTEGER)"


@compiles(hour_of, "sqlite")
def _hour_sqlite(element: hour_of, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(strftime('%H', {_args(compiler, element, **kw)[0]}) AS INTEGER)"


@compiles(iso_weekday, "postgresql")
def _weekday_pg(element: iso_weekday, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(EXTRACT(ISODOW FROM {_args(compiler, element, **kw)[0]}) AS INTEGER)"


@compiles(iso_weekday, "sqlite")
def _weekday_sqlite(element: iso_weekday, compiler: SQLCompiler, **kw: Any) -> str:
    # strftime('%w') counts from Sunday 0; shift to ISO (Monday 1 ... Sunday 7).
    return f"((CAST(strftime('%w', {_args(compiler, element, **kw)[0]}) AS INTEGER) + 6) % 7 + 1)"


@compiles(seconds_between, "postgresql")
def _seconds_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(compiler, element, **kw)
    return f"CAST(EXTRACT(EPOCH FROM ({later}) - ({earlier})) AS DOUBLE PRECISION)"


@compiles(seconds_between, "sqlite")
def _seconds_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = _args(compiler, element, **kw)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


def ratio(part: float | int, whole: float | int, digits: int = 4) -> float | None:
    """``part / whole`` rounded, or None when there is nothing to divide by."""
    return round(part / whole, digits) if whole else None


def mean(total: float | int | None, count: float | int, digits: int = 1) -> float | None:
    return round(float(total or 0) / count, digits) if count else None


def as_column(expr: ColumnElement[Any], name: str) -> ColumnElement[Any]:
    return expr.label(name)


class json_items(FunctionElement[Any]):  # noqa: N801
    """The elements of a JSON array column as rows (``value``), to use with ``.table_valued``."""

    inherit_cache = True


@compiles(json_items, "postgresql")
def _items_pg(element: json_items, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_array_elements({_args(compiler, element, **kw)[0]})"


@compiles(json_items, "sqlite")
def _items_sqlite(element: json_items, compiler: SQLCompiler, **kw: Any) -> str:
    return f"json_each({_args(compiler, element, **kw)[0]})"
