"""SQL expressions the figures need, written once for SQLite and PostgreSQL alike.

Every figure of the dashboard and the reports is an aggregate query: the database adds up,
Python never loads the invoices one by one.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, Float, cast, func, select, type_coerce
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


def ranked(
    grouped: Any, by: str, limit: int | None, named: Callable[[Any], Any] = select
) -> tuple[Sequence[Any], int]:
    """The rows of ``grouped`` (an aggregate SELECT) whose ``by`` column ranks among the
    ``limit`` largest, rows tied with the last one included (Python breaks ties by name),
    and how many rows ``grouped`` has in all. ``limit=None``: every row.

    ``named(rows)`` selects from the ranked rows (a subquery) what they are shown with:
    ``grouped`` adds up by ids, and only the rows kept are joined to their names.

    The database still adds up every group; what a large organisation is spared is loading,
    formatting and sending tens of thousands of rows nobody reads on a page.
    """
    if limit is None:
        rows = db.session.execute(named(grouped.subquery())).all()
        return rows, len(rows)
    inner = grouped.subquery()
    position = func.rank().over(order_by=inner.c[by].desc()).label("position")
    groups = func.count().over().label("groups")
    numbered = select(inner, position, groups).subquery()
    rows = db.session.execute(named(numbered).where(numbered.c.position <= limit)).all()
    return rows, (rows[0].groups if rows else 0)
