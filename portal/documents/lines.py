"""Document lines: the sub-form every quote and invoice uses, and turning it into rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select
from wtforms import BooleanField, Form, StringField
from wtforms.validators import Length, Optional

from portal.catalog.models import Product
from portal.documents.calc import MAX_AMOUNT, document_totals, line_amounts
from portal.errors import ValidationError
from portal.extensions import db
from portal.fiscal.taxes import find_rate, surcharge_for
from portal.forms import (
    AMOUNT_TOO_LARGE,
    PERCENT_RANGE,
    TOO_LONG,
    DecimalInput,
    DecimalRange,
    json_items,
    strip,
)
from portal.inserts import new_object

MAX_LINES = 200
QUANTITY_POSITIVE = _l("Quantity must be greater than 0")
QUANTITY_REQUIRED = _l("Quantity is required")
UNIT_PRICE_REQUIRED = _l("Unit price is required")
UNIT_PRICE_NEGATIVE = _l("Unit price cannot be negative")
DESCRIPTION_REQUIRED = _l("Description is required")
LINES_REQUIRED = _l("Add at least one line")
PRODUCT_UNKNOWN = _l("Product not found")
TAX_UNKNOWN = _l("Choose a tax from the organisation's tax table")
AMOUNTS_TOO_LARGE = _l("The amounts are too large")
ZERO = Decimal("0")


class LineForm(Form):
    """One line; blank optional numbers take the product's values or zero."""

    product_id = StringField(_l("Product"), validators=[Length(max=64)], filters=[strip])
    description = StringField(
        _l("Description"), validators=[Length(max=500, message=TOO_LONG)], filters=[strip]
    )
    quantity = DecimalInput(
        _l("Quantity"),
        places=3,
        validators=[
            Optional(),
            DecimalRange(
                0,
                "999999999.999",
                inclusive=False,
                message=QUANTITY_POSITIVE,
                too_large=AMOUNT_TOO_LARGE,
            ),
        ],
    )
    unit_price = DecimalInput(
        _l("Unit price"),
        validators=[
            Optional(),
            DecimalRange(
                0, "9999999999.99", message=UNIT_PRICE_NEGATIVE, too_large=AMOUNT_TOO_LARGE
            ),
        ],
    )
    discount_percent = DecimalInput(
        _l("Discount (%)"), validators=[Optional(), DecimalRange(0, 100, message=PERCENT_RANGE)]
    )
    tax_percent = DecimalInput(
        _l("Tax (%)"), validators=[Optional(), DecimalRange(0, 100, message=PERCENT_RANGE)]
    )
    # A rate of the organisation's table by name ("IVA 21 %"): gives the percent when
    # ``tax_percent`` is blank, and an exempt rate's legal reason.
    tax_name = StringField(
        _l("Tax"), validators=[Length(max=60, message=TOO_LONG)], filters=[strip]
    )
    # Recargo de equivalencia; blank: the rate's pairing if the customer is subject to it.
    surcharge_percent = DecimalInput(
        _l("Surcharge (%)"),
        validators=[Optional(), DecimalRange(0, 100, message=PERCENT_RANGE)],
    )
    remove = BooleanField(_l("Remove"))  # pages only: drop this row

    def is_blank(self) -> bool:
        """A row the person left empty (pages show a few spare rows)."""
        typed = [self.product_id.data, self.description.data]
        typed += [f.raw_data[0] if f.raw_data else "" for f in (self.quantity, self.unit_price)]
        return not any(value and str(value).strip() for value in typed)


def withholding_field() -> DecimalInput:
    """A document's withholding (Spain's IRPF) on its tax base; blank is none."""
    return DecimalInput(
        _l("Withholding (%)"),
        validators=[Optional(), DecimalRange(0, 100, message=PERCENT_RANGE)],
    )


def line_entries(form: Any, *, drop_blank: bool) -> list[LineForm]:
    """The form's line sub-forms, less rows marked for removal (and blank rows on pages)."""
    entries = [entry.form for entry in form.lines.entries if not entry.form.remove.data]
    return [e for e in entries if not (drop_blank and e.is_blank())]


def json_lines(form: Any) -> list[dict[str, Any]]:
    """The lines of a JSON body read by ``form_from_json(…, item_lists=LINE_LISTS)``: each
    line's ``LineForm`` data, less those marked for removal."""
    return [line for line in json_items(form, "lines") if not line["remove"]]


LINE_LISTS = ("lines",)


def line_values(
    lines: Sequence[Mapping[str, Any]],
    organization_id: int,
    tax_rates: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Complete and check the lines (each a ``LineForm``'s ``data``): product defaults, named
    taxes, required fields, amounts.

    ``surcharge_percent`` stays ``None`` when not given: ``apply_lines`` knows the customer.

    Raises ``ValidationError`` keyed ``lines[i].field`` (the same keys as form errors).
    """
    if not lines:
        raise ValidationError({"lines": LINES_REQUIRED})
    products = _products(organization_id, {e["product_id"] for e in lines if e["product_id"]})
    errors: dict[str, Any] = {}
    values: list[dict[str, Any]] = []
    for position, entry in enumerate(lines):
        key = f"lines[{position}]"
        product_id = entry["product_id"]
        product = products.get(product_id) if product_id else None
        if product_id and product is None:
            errors[f"{key}.product_id"] = PRODUCT_UNKNOWN
            continue
        tax_name = entry["tax_name"]
        named = find_rate(list(tax_rates), tax_name) if tax_name else None
        if tax_name and named is None:
            errors[f"{key}.tax_name"] = TAX_UNKNOWN
            continue
        unit_price = entry["unit_price"]
        line = {
            "product_id": product.id if product else None,
            # The object itself too: the line holds it, so writing the line's JSON needs no
            # query by id (the session forgets objects nothing holds).
            "product": product,
            "description": entry["description"] or (product.name if product else ""),
            "quantity": entry["quantity"],
            "unit_price": unit_price
            if unit_price is not None
            else (product.price if product else None),
            "discount_percent": entry["discount_percent"] or ZERO,
            "tax_percent": _tax_percent(entry, named, product),
            "tax_name": named["name"] if named else "",
            "tax_note": str(named.get("exemptReason") or "") if named else "",
            "surcharge_percent": entry["surcharge_percent"],
        }
        if not line["description"]:
            errors[f"{key}.description"] = DESCRIPTION_REQUIRED
        if line["quantity"] is None:
            errors[f"{key}.quantity"] = QUANTITY_REQUIRED
        if line["unit_price"] is None:
            errors[f"{key}.unit_price"] = UNIT_PRICE_REQUIRED
        values.append(line)
    if errors:
        raise ValidationError(errors)
    return values


def _tax_percent(entry: Mapping[str, Any], named: dict[str, Any] | None, product: Any) -> Decimal:
    if entry["tax_percent"] is not None:
        return entry["tax_percent"]
    if named is not None:
        return Decimal(str(named.get("percent") or "0"))
    return product.tax_rate if product else ZERO


# Built once (every document with product lines runs it): an expanding parameter takes
# the list of ids.
_PRODUCTS = select(Product).where(
    Product.organization_id == bindparam("organization_id"),
    Product.public_id.in_(bindparam("public_ids", expanding=True)),
)


def _products(organization_id: int, public_ids: set[str]) -> dict[str, Product]:
    if not public_ids:
        return {}
    values = {"organization_id": organization_id, "public_ids": list(public_ids)}
    rows = db.session.scalars(_PRODUCTS, values)
    return {row.public_id: row for row in rows}


def apply_lines(
    document: Any,
    line_class: type,
    values: list[dict[str, Any]],
    *,
    surcharge: bool = False,
    tax_rates: Sequence[dict[str, Any]] = (),
) -> None:
    """Replace the document's lines and recompute its totals (server-side only).

    ``surcharge``: the customer is subject to recargo de equivalencia, so a line that gives
    no ``surcharge_percent`` takes its rate's pairing; otherwise such a line has none. The
    document's ``withholding_percent`` is already set.
    """
    lines: list[Any] = []
    for position, given in enumerate(values):
        value = {"tax_name": "", "tax_note": "", **given}
        if value.get("surcharge_percent") is None:
            value["surcharge_percent"] = (
                surcharge_for(list(tax_rates), value["tax_percent"]) if surcharge else ZERO
            )
        amounts = line_amounts(
            value["quantity"],
            value["unit_price"],
            value["discount_percent"],
            value["tax_percent"],
            value["surcharge_percent"],
        )
        lines.append(
            new_object(
                line_class,
                {
                    "position": position,
                    **value,
                    "gross": amounts.gross,
                    "discount": amounts.discount,
                    "net": amounts.net,
                    "tax": amounts.tax,
                    "surcharge": amounts.surcharge,
                    "total": amounts.total,
                },
            )
        )
    totals = document_totals(lines, document.withholding_percent or ZERO)
    if max(totals.subtotal, totals.total) > MAX_AMOUNT:
        raise ValidationError({"lines": AMOUNTS_TOO_LARGE})
    document.lines = lines
    document.subtotal = totals.subtotal
    document.discount_total = totals.discount_total
    document.tax_total = totals.tax_total
    document.surcharge_total = totals.surcharge_total
    document.withholding_total = totals.withholding_total
    document.total = totals.total


def kept_lines(document: Any) -> list[dict[str, Any]]:
    """A document's lines as ``apply_lines`` takes them: copying a quote's into an invoice,
    a recurring profile's into each invoice, or keeping them through an edit that does not
    send lines."""
    return [
        {
            "product_id": line.product_id,
            "product": line.product,
            "description": line.description,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "tax_percent": line.tax_percent,
            "tax_name": line.tax_name,
            "tax_note": line.tax_note,
            "surcharge_percent": line.surcharge_percent,
        }
        for line in document.lines
    ]
