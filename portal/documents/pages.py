"""What the quote and invoice pages share: the line rows of their forms."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from sqlalchemy import select

from portal.catalog.models import Customer, Product
from portal.documents.lines import line_entries, line_values
from portal.errors import PortalError, ValidationError
from portal.extensions import db
from portal.fiscal.countries import SPAIN_SURCHARGES
from portal.fiscal.taxes import surcharge_for
from portal.forms import apply_error
from portal.money import quantize
from portal.security.identity import acting_user

SPARE_ROWS = 3
CHOICES_LIMIT = 500


def choices(organization_id: int) -> dict[str, Sequence[Any]]:
    """Customers and active products to pick from (the first 500 of each, by name).

    The line editor's script reads the rest from the page: whether a customer pays recargo,
    and the price and tax rate a blank line takes from its product.
    """
    customers = db.session.execute(
        select(Customer.public_id, Customer.name, Customer.surcharge)
        .where(Customer.organization_id == organization_id)
        .order_by(Customer.name)
        .limit(CHOICES_LIMIT)
    ).all()
    products = db.session.execute(
        select(Product.public_id, Product.name, Product.sku, Product.price, Product.tax_rate)
        .where(Product.organization_id == organization_id, Product.active.is_(True))
        .order_by(Product.name)
        .limit(CHOICES_LIMIT)
    ).all()
    return {"customers": customers, "products": products}


def tax_choices(organization: Any) -> dict[str, Any]:
    """The organisation's named taxes for the line rows, whether to offer recargo, and the
    recargo each tax rate pairs with (for the line editor's running totals)."""
    rates = organization.tax_rates or []
    surcharge = organization.country == "ES" or any(
        Decimal(str(r.get("surchargePercent") or "0")) for r in rates
    )
    percents = [Decimal(str(r.get("percent") or "0")) for r in rates]
    percents += [Decimal(key) for key in SPAIN_SURCHARGES]
    pairs = {f"{quantize(p):.2f}": f"{surcharge_for(rates, p):.2f}" for p in percents}
    return {"tax_rates": rates, "offer_surcharge": surcharge, "surcharge_pairs": pairs}


def document_data(document: Any, **fields: Any) -> dict[str, Any]:
    """Form data for editing a saved document."""
    lines = [
        {
            "product_id": line.product.public_id if line.product else "",
            "description": line.description,
            "quantity": line.quantity.normalize(),
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "tax_percent": line.tax_percent,
            "tax_name": line.tax_name,
            "surcharge_percent": _given_surcharge(document, line),
        }
        for line in document.lines
    ]
    data = {
        "customer_id": document.customer.public_id if document.customer else "",
        "notes": document.notes,
        "withholding_percent": document.withholding_percent or None,
        "lines": lines,
        **fields,
    }
    return data


def _given_surcharge(document: Any, line: Any) -> Decimal | None:
    """A line's recargo as typed: blank when it is what the customer would give anyway."""
    subject = bool(document.customer and document.customer.surcharge)
    rates = document.organization.tax_rates or []
    derived = surcharge_for(rates, line.tax_percent) if subject else Decimal("0")
    return None if line.surcharge_percent == derived else line.surcharge_percent


def pad_rows(form: Any) -> None:
    """One empty row to type into, and at least three rows in all (no JavaScript needed)."""
    if not any(entry.form.is_blank() for entry in form.lines.entries):
        form.lines.append_entry()
    while len(form.lines.entries) < SPARE_ROWS:
        form.lines.append_entry()


def drop_removed_rows(form: Any) -> None:
    """Rows ticked "remove" leave before validation: their content cannot block saving."""
    form.lines.entries = [e for e in form.lines.entries if not e.form.remove.data]


def wants_more_rows() -> bool:
    return "add_line" in request.form


def checked_lines(form: Any, organization: Any) -> list[dict[str, Any]] | None:
    """The completed lines, or ``None`` after putting each problem beside its cell."""
    entries = line_entries(form, drop_blank=True)
    try:
        return line_values([e.data for e in entries], organization.id, organization.tax_rates)
    except ValidationError as exc:
        for key, message in (exc.errors or {}).items():
            if key == "lines":
                form.lines.errors = [str(message)]
                continue
            position, field = key[len("lines[") :].split("].", 1)
            cell = entries[int(position)][field]
            if not cell.errors:  # the form's own message (e.g. "Must be a number") comes first
                cell.errors = [message]
        return None


def form_page(template: str, form: Any, document: Any, status: int = 200) -> ResponseReturnValue:
    """The document form with its spare rows and the choices to pick from."""
    pad_rows(form)
    actor = acting_user()
    return render_template(
        template,
        form=form,
        document=document,
        currency=document.currency if document is not None else actor.organization.currency,
        terms_days=actor.organization.payment_terms_days,
        **choices(actor.organization_id),
        **tax_choices(actor.organization),
    ), status


def save(
    form: Any,
    document: Any,
    *,
    template: str,
    create,
    update,
    show_endpoint: str,
    created: str,
    updated: str,
) -> ResponseReturnValue:
    """Validate and save a quote or invoice form: the page again, or the redirect."""
    actor = acting_user()
    drop_removed_rows(form)
    if wants_more_rows():
        form.lines.append_entry()
        return form_page(template, form, document)
    valid = form.validate_on_submit()
    lines = checked_lines(form, actor.organization)  # line problems show either way
    if not valid or lines is None:
        return form_page(template, form, document, 400)
    data = {name: value for name, value in form.data.items() if name != "lines"}
    try:
        if document is None:
            document = create(actor, data, lines)
            flash(created, "success")
        else:
            update(actor, document.public_id, data, lines)
            flash(updated, "success")
    except PortalError as exc:
        if exc.status >= 500 or exc.status == 404:
            raise
        if not apply_error(form, exc):
            flash(str(exc.error), "error")
        return form_page(template, form, document, exc.status)
    return redirect(url_for(show_endpoint, public_id=document.public_id))
