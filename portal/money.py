"""Money and other fixed-point amounts: ``Decimal`` throughout, half-up in one place."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation


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


# Bounds of a parsed number, far beyond any amount the portal accepts and far within what
# the arithmetic after parsing handles (28 significant digits, exponents up to 999999).
MAX_EXPONENT = 20
LARGEST = Decimal(10) ** MAX_EXPONENT


def parse_decimal(text: str) -> Decimal | None:
    """A finite ``Decimal`` from text, or ``None`` if the text is not a number.

    The value is bounded: a magnitude of ``LARGEST`` or more comes back as ±``LARGEST`` (so a
    range check calls it too large), one below 10⁻²⁰ as 0 (what rounding would make of it).
    Anything returned can be rounded to cents or thousandths and compared without trapping.
    """
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        return None
    if not value.is_finite():
        return None
    if value.is_zero() or value.adjusted() < -MAX_EXPONENT:
        return Decimal(0)
    if value.adjusted() >= MAX_EXPONENT:
        return LARGEST.copy_sign(value)
    return value
