"""JSON shapes shared by quotes and invoices."""

from __future__ import annotations

from typing import Any

from portal.documents.calc import tax_breakdown
from portal.money import money


def quantity(value) -> str:
    return f"{value:.3f}"


def line_json(line: Any) -> dict[str, Any]:
    return {
        "productId": line.product.public_id if line.product is not None else None,
        "description": line.description,
        "quantity": quantity(line.quantity),
        "unitPrice": money(line.unit_price),
        "discountPercent": money(line.discount_percent),
        "taxPercent": money(line.tax_percent),
        "taxName": line.tax_name,
        "surchargePercent": money(line.surcharge_percent),
        "gross": money(line.gross),
        "discount": money(line.discount),
        "net": money(line.net),
        "tax": money(line.tax),
        "surcharge": money(line.surcharge),
        "total": money(line.total),
    }


def totals_json(document: Any) -> dict[str, str]:
    return {
        "subtotal": money(document.subtotal),
        "discountTotal": money(document.discount_total),
        "taxTotal": money(document.tax_total),
        "surchargeTotal": money(document.surcharge_total),
        "withholdingPercent": money(document.withholding_percent),
        "withholdingTotal": money(document.withholding_total),
        "total": money(document.total),
    }


def breakdown_json(document: Any) -> list[dict[str, str]]:
    """The tax breakdown: one entry per (tax %, surcharge %), summing to the totals."""
    return [
        {
            "taxPercent": money(row.tax_percent),
            "base": money(row.base),
            "tax": money(row.tax),
            "surchargePercent": money(row.surcharge_percent),
            "surcharge": money(row.surcharge),
        }
        for row in tax_breakdown(document.lines)
    ]


def customer_id(document: Any) -> str | None:
    return document.customer.public_id if document.customer is not None else None
