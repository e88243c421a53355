"""Sales by product and by customer: quantities and net amounts of issued invoices.

Counts the lines of the organisation's issued invoices (ISSUED, PARTIALLY_PAID, PAID) in
its currency dated in the range. Net = the lines' net (after discount, before tax). A line
without a catalogue product (written by hand, or whose product was deleted) is grouped
with the lines of the same description.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, distinct, func, select

from portal.accounts.models import User
from portal.catalog.models import Product
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceLine
from portal.money import money
from portal.periods import Period, this_year
from portal.reports.kind import ReportKind, Table
from portal.reports.scope import customer_keys, issued_invoices, sort_key, with_customers
from portal.reports.sql import decimal_sum


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
class Sales:
    currency: str
    period: Period
    products: list[ProductSales]
    customers: list[CustomerSales]
    net: Decimal
    invoice_count: int


def _by_net(rows: list[Any], name: str, key: str) -> list[Any]:
    """Best sellers first; ties in a backend-independent order of names."""
    rows.sort(key=lambda r: sort_key(getattr(r, name), getattr(r, key)))
    rows.sort(key=lambda r: r.net, reverse=True)
    return rows


def sales(actor: User, period: Period) -> Sales:
    """Three aggregate queries: by product, by customer, and the range's totals."""
    scope = issued_invoices(actor, period)
    described = case((InvoiceLine.product_id.is_(None), InvoiceLine.description))
    product_keys = (
        Product.public_id.label("product_id"),
        Product.sku.label("sku"),
        Product.name.label("product_name"),
        described.label("description"),
    )
    by_product = (
        select(
            *product_keys,
            decimal_sum(InvoiceLine.quantity).label("quantity"),
            decimal_sum(InvoiceLine.net).label("net"),
            func.count(distinct(InvoiceLine.invoice_id)).label("invoice_count"),
        )
        .select_from(InvoiceLine)
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .outerjoin(Product, Product.id == InvoiceLine.product_id)
        .where(*scope)
        .group_by(*product_keys)
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
        for row in db.session.execute(by_product)
    ]
    # An invoice's net is its subtotal less its discounts (= Σ of its lines' net).
    net = decimal_sum(Invoice.subtotal - Invoice.discount_total, 2).label("net")
    count = func.count(Invoice.id).label("invoice_count")
    keys = customer_keys()
    by_customer = with_customers(select(*keys, net, count).select_from(Invoice))
    customers = [
        CustomerSales(
            customer_id=row.customer_id,
            customer_name=row.catalogue_name or row.written_name or "",
            net=row.net,
            invoice_count=row.invoice_count,
        )
        for row in db.session.execute(by_customer.where(*scope).group_by(*keys))
    ]
    totals = db.session.execute(select(net, count).where(*scope)).one()
    return Sales(
        currency=actor.organization.currency,
        period=period,
        products=_by_net(products, "name", "product_id"),
        customers=_by_net(customers, "customer_name", "customer_id"),
        net=totals.net,
        invoice_count=totals.invoice_count,
    )


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


def to_json(report: Sales) -> dict[str, Any]:
    return {
        "currency": report.currency,
        "from": report.period.start.isoformat(),
        "to": report.period.end.isoformat(),
        "byProduct": [_product_json(row) for row in report.products],
        "byCustomer": [_customer_json(row) for row in report.customers],
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
)
