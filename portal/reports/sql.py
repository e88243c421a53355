"""SQL expressions the figures need, written once for SQLite and PostgreSQL alike.

Every figure of the dashboard and the reports is an aggregate query: the database adds up,
Python never loads the invoices one by one.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Date, Float, cast, func
from sqlalchemy.sql.elements import ColumnElement

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


def _is_timestamp(column: Any) -> bool:
    column_type = getattr(column, "type", None)
    return column_type is not None and not isinstance(column_type, Date)
