"""Sales by product and by customer: quantities and net amounts of issued invoices.

Counts the lines of the organisation's issued invoices (ISSUED, PARTIALLY_PAID, PAID) in
its currency dated in the range. Net = the lines' net (after discount, before tax). A line
without a catalogue product (written by hand, or whose product was deleted) is grouped
with the lines of the same description. Each ranking answers its ``?limit=`` best rows
and adds up the rest in one row, so that it still sums to the totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import Integer, String, case, cast, distinct, func, null, select, union_all

from portal.accounts.models import Organization, User
from portal.catalog.models import Product
from portal.dashboard.models import (
    DailyTotal,
    MonthlyCustomerTotal,
    MonthlyDescriptionTotal,
    MonthlyProductTotal,
)
from portal.dashboard.tops import on_days, own, split_months
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceLine
from portal.money import money
from portal.periods import Period, this_year
from portal.reports.kind import ReportKind, Table
from portal.reports.scope import (
    ISSUED,
    best_first,
    customer_keys,
    daily_totals_of,
    other_customers_label,
    with_customers,
)
from portal.reports.sql import decimal_sum, ranked


@dataclass(frozen=True)
class ProductSales:
    product_id: str | None  # None: lines without a product, grouped by description
    sku: str | None
    name: str
    quantity: Decimal
    net: Decimal
    invoice_count: int


@dataclass(frozen=True)
class CustomerSales:
    customer_id: str | None  # None: invoices without a catalogue customer, by name
    customer_name: str
    net: Decimal
    invoice_count: int


@dataclass(frozen=True)
class Others:
    """The rows of a ranking past the limit, added up: how many, and their net (and their
    invoices for customers: an invoice has one customer, but lines of several products)."""

    count: int
    net: Decimal
    invoice_count: int | None


@dataclass(frozen=True)
class Sales:
    currency: str
    period: Period
    products: list[ProductSales]  # best sellers first
    customers: list[CustomerSales]  # best customers first
    other_products: Others | None  # None: every product is in ``products``
    other_customers: Others | None
    net: Decimal
    invoice_count: int

    @property
    def product_count(self) -> int:
        return len(self.products) + (self.other_products.count if self.other_products else 0)

    @property
    def customer_count(self) -> int:
        others = self.other_customers
        return len(self.customers) + (others.count if others else 0)


def sales(actor: User, period: Period, limit: int | None = None) -> Sales:
    """Three aggregate queries: by product and by customer (each ranking cut at its
    ``limit`` best, the rest added up), and the range's totals. Whole months come from the
    running monthly totals (a row per product, description or customer and month), the
    days at the range's edges from the invoices themselves; the totals from the running
    daily totals."""
    organization = actor.organization
    months, edges = split_months(period)
    product_rows, product_count = ranked(
        _by_product(organization, months, edges), "net", limit, _with_products
    )
    products = [
        ProductSales(
            product_id=row.product_id,
            sku=row.sku,
            name=row.product_name if row.product_id else row.description,
            quantity=row.quantity,
            net=row.net,
            invoice_count=row.invoice_count,
        )
        for row in product_rows
    ]
    customer_rows, customer_count = ranked(
        _by_customer(organization, months, edges), "net", limit, with_customers
    )
    customers = [
        CustomerSales(
            customer_id=row.customer_id,
            customer_name=row.catalogue_name or row.written_name or "",
            net=row.net,
            invoice_count=row.invoice_count,
        )
        for row in customer_rows
    ]
    # The range's totals from the running totals: a row a day, not every invoice.
    days = select(
        decimal_sum(DailyTotal.net).label("net"),
        func.coalesce(func.sum(DailyTotal.issued_count), 0).label("invoice_count"),
    ).where(*daily_totals_of(DailyTotal, actor, period))
    totals = db.session.execute(days).one()
    products = best_first(products, "net", "name", "product_id", limit)
    customers = best_first(customers, "net", "customer_name", "customer_id", limit)
    other_products = other_customers = None
    if len(products) < product_count:
        other_products = Others(
            product_count - len(products), totals.net - _net(products), invoice_count=None
        )
    if len(customers) < customer_count:
        other_customers = Others(
            customer_count - len(customers),
            totals.net - _net(customers),
            totals.invoice_count - sum(row.invoice_count for row in customers),
        )
    return Sales(
        currency=organization.currency,
        period=period,
        products=products,
        customers=customers,
        other_products=other_products,
        other_customers=other_customers,
        net=totals.net,
        invoice_count=totals.invoice_count,
    )


Months = tuple[date, date] | None  # the first and last whole month of a range
Days = list[tuple[date, date]]  # the days at its edges


def _by_product(organization: Organization, months: Months, edges: Days) -> Any:
    """Quantity, net and invoices per catalogue product (``product_key``), and per
    description (``description``) for the lines without one."""
    parts: list[Any] = []
    if months:
        for model, key, description in (
            (MonthlyProductTotal, MonthlyProductTotal.product_id, cast(null(), String(500))),
            (MonthlyDescriptionTotal, cast(null(), Integer), MonthlyDescriptionTotal.description),
        ):
            parts.append(
                select(
                    key.label("product_key"),
                    description.label("description"),
                    model.quantity.label("quantity"),
                    model.net.label("net"),
                    model.invoice_count.label("invoice_count"),
                ).where(*own(model, organization), model.month.between(*months))
            )
    if edges:
        described = case((InvoiceLine.product_id.is_(None), InvoiceLine.description))
        keys = (InvoiceLine.product_id.label("product_key"), described.label("description"))
        parts.append(
            select(
                *keys,
                func.sum(InvoiceLine.quantity).label("quantity"),
                func.sum(InvoiceLine.net).label("net"),
                func.count(distinct(InvoiceLine.invoice_id)).label("invoice_count"),
            )
            .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
            .where(
                *own(Invoice, organization),
                Invoice.status.in_(ISSUED),
                on_days(Invoice.invoice_date, edges),
            )
            .group_by(*keys)
        )
    sold = _union(parts)
    count = cast(func.sum(sold.c.invoice_count), Integer)  # PostgreSQL: Σ bigint is numeric
    return (
        select(
            sold.c.product_key,
            sold.c.description,
            decimal_sum(sold.c.quantity, 3).label("quantity"),
            decimal_sum(sold.c.net, 2).label("net"),
            count.label("invoice_count"),
        )
        .group_by(sold.c.product_key, sold.c.description)
        .having(count > 0)  # an invoice voided since leaves a row of zeros
    )


def _by_customer(organization: Organization, months: Months, edges: Days) -> Any:
    """Net and invoices per catalogue customer (``customer_key``), and per name written on
    the invoices without one (``written_name``)."""
    parts: list[Any] = []
    if months:
        totals = MonthlyCustomerTotal
        written = case((totals.customer_id.is_(None), totals.customer_name))
        parts.append(
            select(
                totals.customer_id.label("customer_key"),
                written.label("written_name"),
                totals.net.label("net"),
                totals.invoice_count.label("invoice_count"),
            ).where(*own(totals, organization), totals.month.between(*months))
        )
    if edges:
        keys = customer_keys()
        parts.append(
            select(
                *keys,
                func.sum(Invoice.subtotal - Invoice.discount_total).label("net"),
                func.count(Invoice.id).label("invoice_count"),
            )
            .where(
                *own(Invoice, organization),
                Invoice.status.in_(ISSUED),
                on_days(Invoice.invoice_date, edges),
            )
            .group_by(*keys)
        )
    bought = _union(parts)
    count = cast(func.sum(bought.c.invoice_count), Integer)
    return (
        select(
            bought.c.customer_key,
            bought.c.written_name,
            decimal_sum(bought.c.net, 2).label("net"),
            count.label("invoice_count"),
        )
        .group_by(bought.c.customer_key, bought.c.written_name)
        .having(count > 0)
    )


def _union(parts: list[Any]) -> Any:
    return union_all(*parts).subquery() if len(parts) > 1 else parts[0].subquery()


def _with_products(rows: Any) -> Any:
    """The grouped ``rows`` (a subquery) with their product's public id, SKU and name."""
    product = (
        Product.public_id.label("product_id"),
        Product.sku,
        Product.name.label("product_name"),
    )
    return select(rows, *product).outerjoin(Product, Product.id == rows.c.product_key)


def _net(rows: list[Any]) -> Decimal:
    return sum((row.net for row in rows), Decimal(0))


def other_products_label(count: int) -> str:
    return ngettext("%(num)d other product", "%(num)d other products", count)


def _product_json(row: ProductSales) -> dict[str, Any]:
    return {
        "productId": row.product_id,
        "sku": row.sku,
        "name": row.name,
        "quantity": f"{row.quantity:.3f}",
        "net": money(row.net),
        "invoiceCount": row.invoice_count,
    }


def _customer_json(row: CustomerSales) -> dict[str, Any]:
    return {
        "customerId": row.customer_id,
        "customerName": row.customer_name,
        "net": money(row.net),
        "invoiceCount": row.invoice_count,
    }


def _others_json(others: Others | None, noun: str) -> dict[str, Any] | None:
    if others is None:
        return None
    data: dict[str, Any] = {f"{noun}Count": others.count, "net": money(others.net)}
    if others.invoice_count is not None:
        data["invoiceCount"] = others.invoice_count
    return data


def to_json(report: Sales) -> dict[str, Any]:
    return {
        "currency": report.currency,
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "byProduct": [_product_json(row) for row in report.products],
        "byCustomer": [_customer_json(row) for row in report.customers],
        "productCount": report.product_count,
        "customerCount": report.customer_count,
        "otherProducts": _others_json(report.other_products, "product"),
        "otherCustomers": _others_json(report.other_customers, "customer"),
        "totals": {"net": money(report.net), "invoiceCount": report.invoice_count},
    }


def to_table(report: Sales) -> Table:
    """Both tables in one, told apart by ``section`` (``product``, ``customer``), each
    closed by a total row; quantities only for products (units differ between them)."""
    header = ["section", "id", "sku", "name", "quantity", "net", "invoiceCount"]
    rows: list[list[Any]] = []
    for row in report.products:
        data = _product_json(row)
        rows.append(["product", row.product_id or "", row.sku or "", row.name, *_tail(data)])
    if others := report.other_products:
        label = other_products_label(others.count)
        rows.append(["product", "", "", label, "", money(others.net), ""])
    rows.append(["product", "", "", _("Total"), "", money(report.net), report.invoice_count])
    for customer in report.customers:
        data = _customer_json(customer)
        rows.append(
            [
                "customer",
                customer.customer_id or "",
                "",
                customer.customer_name,
                "",
                data["net"],
                data["invoiceCount"],
            ]
        )
    if others := report.other_customers:
        label = other_customers_label(others.count)
        rows.append(["customer", "", "", label, "", money(others.net), others.invoice_count])
    rows.append(["customer", "", "", _("Total"), "", money(report.net), report.invoice_count])
    return header, rows


def _tail(data: dict[str, Any]) -> list[Any]:
    return [data["quantity"], data["net"], data["invoiceCount"]]


SALES = ReportKind(
    name="sales",
    title=_l("Sales"),
    summary=_l(
        "What you sold and to whom: quantities and net amounts by product and by customer, "
        "from the invoices issued in the period."
    ),
    compute=sales,
    to_json=to_json,
    to_table=to_table,
    default_period=this_year,
    ranks=True,
)
