"""Line and document amounts, computed on the server only (a client's totals are ignored).

Per line: gross = quantity × unit price; discount = gross × discount %; net = gross − discount;
tax = net × tax %; surcharge (recargo de equivalencia) = net × surcharge %; each amount
rounded half-up to cents as it is made, and line total = net + tax + surcharge.

The document carries subtotal = Σ gross, discountTotal = Σ discount, taxTotal = Σ tax,
surchargeTotal = Σ surcharge, withholdingTotal = (Σ net) × withholding % rounded once, and
total = subtotal − discountTotal + taxTotal + surchargeTotal − withholdingTotal.

The tax breakdown groups the lines by (tax %, surcharge %): base = Σ net, tax = Σ tax,
surcharge = Σ surcharge of the group's lines, so that its columns add up to the document's
totals exactly — the per-line rounding is kept, never redone per rate.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

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
    surcharge: Decimal
    total: Decimal


@dataclass(frozen=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    surcharge_total: Decimal
    withholding_total: Decimal
    total: Decimal

    @property
    def base(self) -> Decimal:
        return self.subtotal - self.discount_total


@dataclass(frozen=True)
class TaxRow:
    """One rate of the breakdown."""

    tax_percent: Decimal
    surcharge_percent: Decimal
    base: Decimal
    tax: Decimal
    surcharge: Decimal


def line_amounts(
    quantity: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    tax_percent: Decimal,
    surcharge_percent: Decimal = ZERO,
) -> LineAmounts:
    gross = quantize(quantity * unit_price)
    discount = quantize(gross * discount_percent / HUNDRED)
    net = gross - discount
    tax = quantize(net * tax_percent / HUNDRED)
    surcharge = quantize(net * surcharge_percent / HUNDRED)
    return LineAmounts(gross, discount, net, tax, surcharge, net + tax + surcharge)


def document_totals(lines: Iterable[Any], withholding_percent: Decimal = ZERO) -> Totals:
    """Totals of lines (anything with gross, discount, tax and surcharge amounts)."""
    subtotal = discount_total = tax_total = surcharge_total = ZERO
    for line in lines:
        subtotal += line.gross
        discount_total += line.discount
        tax_total += line.tax
        surcharge_total += line.surcharge or ZERO
    withholding = quantize((subtotal - discount_total) * withholding_percent / HUNDRED)
    total = subtotal - discount_total + tax_total + surcharge_total - withholding
    return Totals(subtotal, discount_total, tax_total, surcharge_total, withholding, total)


def tax_breakdown(lines: Iterable[Any]) -> list[TaxRow]:
    """The lines grouped by (tax %, surcharge %), highest rate first."""
    groups: dict[tuple[Decimal, Decimal], list[Decimal]] = {}
    for line in lines:
        key = (quantize(line.tax_percent), quantize(line.surcharge_percent or ZERO))
        sums = groups.setdefault(key, [ZERO, ZERO, ZERO])
        sums[0] += line.net
        sums[1] += line.tax
        sums[2] += line.surcharge or ZERO
    return [
        TaxRow(tax_percent, surcharge_percent, base, tax, surcharge)
        for (tax_percent, surcharge_percent), (base, tax, surcharge) in sorted(
            groups.items(), reverse=True
        )
    ]


def exemption_notes(lines: Iterable[Any]) -> list[str]:
    """The legal reasons of the exempt rates the lines use, once each, in line order."""
    return list(dict.fromkeys(line.tax_note for line in lines if line.tax_note))
