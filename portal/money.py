"""Money and other fixed-point amounts: ``Decimal`` throughout, half-up in one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def quantize(value: Decimal | int | str, places: int = 2) -> Decimal:
    """Round half-up to ``places`` decimals (cents by default). The one rounding rule."""
    exponent = Decimal(1).scaleb(-places)
    return Decimal(value).quantize(exponent, rounding=ROUND_HALF_UP)


def money(value: Decimal | int | str) -> str:
    """The API's money string: two places, never a float ("1234.50")."""
    if isinstance(value, Decimal):
        text = str(value)
        if text[-3:-2] == "." and "E" not in text:  # already cents, as the database gives
            return text
    return f"{quantize(value):.2f}"


def parse_decimal(text: str) -> Decimal | None:
    """A finite ``Decimal`` from text, or ``None``."""
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    return value if value.is_finite() else None
