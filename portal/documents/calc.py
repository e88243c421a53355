"""Line and document amounts, computed on the server only (a client's totals are ignored).

Per line: gross = quantity × unit price; discount = gross × discount %; net = gross − discount;
tax = net × tax %; each amount rounded half-up to cents as it is made. The document carries
subtotal = Σ gross, discountTotal = Σ discount, taxTotal = Σ tax and
total = subtotal − discountTotal + taxTotal (= Σ (net + tax)).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from portal.money import quantize

HUNDRED = Decimal(100)
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("9999999999.99")


@dataclass(frozen=True)
class LineAmounts:
    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal
    total: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal


def line_amounts(
    quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, tax_percent: Decimal
) -> LineAmounts:
    gross = quantize(quantity * unit_price)
    discount = quantize(gross * discount_percent / HUNDRED)
    net = gross - discount
    tax = quantize(net * tax_percent / HUNDRED)
    return LineAmounts(gross, discount, net, tax, net + tax)


def document_totals(lines: Iterable[LineAmounts]) -> Totals:
    subtotal = discount_total = tax_total = ZERO
    for line in lines:
        subtotal += line.gross
        discount_total += line.discount
        tax_total += line.tax
    return Totals(subtotal, discount_total, tax_total, subtotal - discount_total + tax_total)
