"""SQL expressions the figures need, written once for SQLite and PostgreSQL alike.

Every figure of the dashboard and the reports is an aggregate query: the database adds up,
Python never loads the invoices one by one.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, Date, Float, Integer, cast, func, type_coerce
from sqlalchemy.sql.elements import ColumnElement

from portal.db import FixedDecimal
from portal.extensions import db


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def month_key(column: Any) -> ColumnElement[str]:
    """``'2026-11'`` for a date column (groups a period by month)."""
    if _dialect() == "sqlite":
        return func.strftime("%Y-%m", column)
    return func.to_char(column, "YYYY-MM")


def days_between(later: Any, earlier: Any) -> ColumnElement[Any]:
    """Days from ``earlier`` to ``later``: whole days for dates, fractional for timestamps."""
    if _dialect() == "sqlite":
        return func.julianday(later) - func.julianday(earlier)
    if _is_timestamp(later):
        return func.extract("epoch", later - earlier) / 86400.0
    return cast(later - earlier, Float)


def seconds_between(later: Any, earlier: Any) -> ColumnElement[int]:
    """Whole seconds from timestamp ``earlier`` to ``later``, rounded: an integer, so that
    sums and averages of durations come out the same on every backend."""
    if _dialect() == "sqlite":
        seconds = (func.julianday(later) - func.julianday(earlier)) * 86400
        return cast(func.round(seconds), Integer)
    return cast(func.round(func.extract("epoch", later - earlier)), BigInteger)


def decimal_sum(expression: Any, scale: int | None = None) -> ColumnElement[Decimal]:
    """Σ ``expression`` (a ``FixedDecimal`` column, or arithmetic over such columns) as an
    exact ``Decimal`` with ``scale`` places, zero over no rows.

    The sum keeps the column's storage (integer cents on SQLite, NUMERIC on PostgreSQL);
    the result is read back through ``FixedDecimal``, so SQLite's cents become a Decimal
    again. ``scale`` defaults to the column's own.
    """
    if scale is None:
        scale = expression.type.scale
    return type_coerce(func.coalesce(func.sum(expression), 0), FixedDecimal(38, scale))


def _is_timestamp(column: Any) -> bool:
    column_type = getattr(column, "type", None)
    return column_type is not None and not isinstance(column_type, Date)
