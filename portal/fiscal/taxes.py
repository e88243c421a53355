"""The organisation's tax table and how a line's tax is resolved against it.

A line names a rate of the table (``taxName``) or gives ``taxPercent`` alone (the API of old:
a plain rate). Recargo de equivalencia applies when the customer is subject to it and the
line gives no ``surchargePercent``: the table's pairing for the rate, else Spain's legal
pairing (21 → 5.2, 10 → 1.4, 4 → 0.5).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from portal.fiscal.countries import SPAIN_SURCHARGES
from portal.money import quantize

ZERO = Decimal("0.00")


def find_rate(tax_rates: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    folded = name.strip().casefold()
    for entry in tax_rates:
        if str(entry.get("name", "")).strip().casefold() == folded:
            return entry
    return None


def surcharge_for(tax_rates: list[dict[str, Any]], tax_percent: Decimal) -> Decimal:
    """The recargo paired with a tax rate: the table's, else Spain's legal pairing, else 0."""
    key = f"{quantize(tax_percent):.2f}"
    for entry in tax_rates:
        if f"{quantize(Decimal(str(entry.get('percent', '0')))):.2f}" == key:
            return quantize(Decimal(str(entry.get("surchargePercent") or "0")))
    return quantize(Decimal(SPAIN_SURCHARGES.get(key, "0")))
