"""The dashboard's top customers and products of a period: whole months from the running
monthly totals, the days at the period's edges from the documents themselves.

Both add up a row per customer (or product) and month of the period, every time: at 100k
invoices on SQLite, 48 of the dashboard's 66 ms. ``kept_tops`` keeps them per process for
as long as the organisation's ranking token (``RankingVersion``) stays the same: every
change that could reorder them (an invoice issued or voided, a customer deleted, a customer
or product renamed or deleted) writes a new token in its own transaction, so a kept list is
never older than the token read with it, whichever process made the change.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, bindparam, case, func, literal, or_, select, union_all
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import Organization
from portal.catalog.models import Customer, Product
from portal.dashboard.models import MonthlyCustomerTotal, MonthlyProductTotal, RankingVersion
from portal.dashboard.totals import ISSUED, customer_key_sql
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceLine
from portal.periods import Period
from portal.reports.sql import decimal_sum

TOP = 5
MAX_KEPT = 2_000  # past this many (organisation, period) pairs the process starts again

Tops = tuple[list[tuple[str | None, str, Decimal]], list[tuple[str, str, Decimal, Decimal]]]
_kept: dict[tuple[int, int, str, date, date], tuple[int, Tops]] = {}


def kept_tops(organization: Organization, period: Period) -> Tops:
    """The period's top customers and products, kept while the ranking token stays.

    The token is read first, in the same transaction: lists computed after it are at least
    as new as it (a change committed in between writes another token, and the next request
    reads them again). An organisation without a token yet is not kept."""
    token = db.session.scalar(
        select(RankingVersion.token).where(RankingVersion.organization_id == organization.id)
    )
    # The engine too: one process may serve two databases (the benchmarks, the tests),
    # whose organisations share ids.
    engine = id(db.session.get_bind())
    key = (engine, organization.id, organization.currency, period.start, period.end)
    kept = _kept.get(key)
    if token is not None and kept is not None and kept[0] == token:
        customers, products = kept[1]
    else:
        customers, products = (
            top_customers(organization, period),
            top_products(organization, period),
        )
        if token is not None:
            if len(_kept) >= MAX_KEPT:
                _kept.clear()
            _kept[key] = (token, (customers, products))
    return list(customers), list(products)


def own(model: Any, organization: Organization) -> list[ColumnElement[bool]]:
    """The organisation's rows in its currency: two currencies are never added up (a
    document written before the currency changed is left out of every sum)."""
    return [model.organization_id == organization.id, model.currency == organization.currency]


def split_months(period: Period) -> tuple[tuple[date, date] | None, list[tuple[date, date]]]:
    """The whole calendar months inside ``period`` (first and last month), and the days at
    its edges that do not make a whole month: the running monthly totals answer the
    former, the documents themselves the latter."""
    first = period.start if period.start.day == 1 else _next_month(period.start)
    last_end = (
        period.end
        if _next_month(period.end) - timedelta(1) == period.end
        else (period.end.replace(day=1) - timedelta(1))
    )
    if first > last_end:
        return None, [(period.start, period.end)]
    edges = []
    if period.start < first:
        edges.append((period.start, first - timedelta(1)))
    if last_end < period.end:
        edges.append((last_end + timedelta(1), period.end))
    return (first, last_end.replace(day=1)), edges


def _next_month(day: date) -> date:
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)


def on_days(column: Any, ranges: list[tuple[date, date]]) -> ColumnElement[bool]:
    return or_(*(column.between(start, end) for start, end in ranges)) if ranges else literal(False)


def top_customers(
    organization: Organization, period: Period
) -> list[tuple[str | None, str, Decimal]]:
    """The customers invoiced most in the period (a name typed on the invoice counts too):
    whole months from the running totals, the edges from the invoices."""
    months, edges = split_months(period)
    rows = db.session.execute(
        _customers_statement(months is not None, len(edges)),
        _parameters(organization, months, edges),
    )
    return [(public_id, customer, total) for public_id, customer, total in rows]


def top_products(
    organization: Organization, period: Period
) -> list[tuple[str, str, Decimal, Decimal]]:
    """The catalogue's products sold most (net amount) on issued invoices of the period:
    whole months from the running totals, the edges from the invoices' lines."""
    months, edges = split_months(period)
    rows = db.session.execute(
        _products_statement(months is not None, len(edges)),
        _parameters(organization, months, edges),
    )
    return [(public_id, product, qty, total) for public_id, product, qty, total in rows]


# Each ranking's statement is built once per shape (whole months or not, how many edge
# ranges: at most six shapes each), its organisation, currency and days bound at each run:
# building and keying the statement anew cost a dashboard whose tops changed more than
# running it (issue 16).


def _parameters(
    organization: Organization,
    months: tuple[date, date] | None,
    edges: list[tuple[date, date]],
) -> dict[str, Any]:
    values: dict[str, Any] = {
        "organization_id": organization.id,
        "currency": organization.currency,
    }
    if months is not None:
        values["months_first"], values["months_last"] = months
    for index, (start, end) in enumerate(edges):
        values[f"edge_start_{index}"], values[f"edge_end_{index}"] = start, end
    return values


def _bound_own(model: Any) -> list[ColumnElement[bool]]:
    """``own`` with the organisation and its currency as the statement's parameters."""
    return [
        model.organization_id == bindparam("organization_id"),
        model.currency == bindparam("currency"),
    ]


def _bound_months(column: Any) -> ColumnElement[bool]:
    return column.between(
        bindparam("months_first", type_=column.type), bindparam("months_last", type_=column.type)
    )


def _bound_days(column: Any, ranges: int) -> ColumnElement[bool]:
    """``on_days`` for ``ranges`` ranges given as parameters."""
    return or_(
        *(
            column.between(
                bindparam(f"edge_start_{index}", type_=column.type),
                bindparam(f"edge_end_{index}", type_=column.type),
            )
            for index in range(ranges)
        )
    )


@functools.cache
def _customers_statement(months: bool, edges: int) -> Select:
    parts: list[Any] = []  # selects of the same columns
    if months:
        parts.append(
            select(
                MonthlyCustomerTotal.customer_key.label("key"),
                MonthlyCustomerTotal.customer_id.label("customer_id"),
                MonthlyCustomerTotal.customer_name.label("written"),
                MonthlyCustomerTotal.invoiced.label("amount"),
            ).where(*_bound_own(MonthlyCustomerTotal), _bound_months(MonthlyCustomerTotal.month))
        )
    if edges:
        parts.append(
            select(
                customer_key_sql().label("key"),
                Invoice.customer_id.label("customer_id"),
                case((Invoice.customer_id.is_(None), Invoice.customer_name), else_="").label(
                    "written"
                ),
                Invoice.total.label("amount"),
            ).where(
                *_bound_own(Invoice),
                Invoice.status.in_(ISSUED),
                _bound_days(Invoice.invoice_date, edges),
            )
        )
    sales = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    # Added up by customer first, then the few hundred sums joined to the catalogue.
    amount = decimal_sum(sales.c.amount, 2).label("amount")
    by_key = (
        select(
            func.max(sales.c.customer_id).label("customer_id"),
            func.max(sales.c.written).label("written"),
            amount,
        )
        .group_by(sales.c.key)
        .having(amount != 0)
        .subquery()
    )
    name = func.coalesce(Customer.name, by_key.c.written).label("name")
    return (
        select(Customer.public_id, name, by_key.c.amount)
        .select_from(by_key)
        .outerjoin(Customer, Customer.id == by_key.c.customer_id)
        .order_by(by_key.c.amount.desc(), name)
        .limit(TOP)
    )


@functools.cache
def _products_statement(months: bool, edges: int) -> Select:
    parts: list[Any] = []  # selects of the same columns
    if months:
        parts.append(
            select(
                MonthlyProductTotal.product_id.label("product_id"),
                MonthlyProductTotal.quantity.label("quantity"),
                MonthlyProductTotal.net.label("net"),
            ).where(*_bound_own(MonthlyProductTotal), _bound_months(MonthlyProductTotal.month))
        )
    if edges:
        parts.append(
            select(
                InvoiceLine.product_id.label("product_id"),
                InvoiceLine.quantity.label("quantity"),
                InvoiceLine.net.label("net"),
            )
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(
                *_bound_own(Invoice),
                Invoice.status.in_(ISSUED),
                _bound_days(Invoice.invoice_date, edges),
                InvoiceLine.product_id.is_not(None),
            )
        )
    sold = union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()
    net = decimal_sum(sold.c.net, 2).label("net")
    quantity = decimal_sum(sold.c.quantity, 3).label("quantity")
    # Summed by product id first, the names joined to the sums only: grouping the joined
    # rows by public id and name made the database read a product row per monthly row
    # (the dashboard's 100k-invoice figures: 80 → 35 ms, docs/benchmarks.md).
    by_product = (
        select(sold.c.product_id, quantity, net)
        .group_by(sold.c.product_id)
        .having(net != 0)
        .subquery()
    )
    return (
        select(Product.public_id, Product.name, by_product.c.quantity, by_product.c.net)
        .select_from(by_product)
        .join(Product, Product.id == by_product.c.product_id)
        .order_by(by_product.c.net.desc(), Product.name)
        .limit(TOP)
    )
