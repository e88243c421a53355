"""Catalog rules shared by pages, the API and CSV import: list, read, create, edit, delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.catalog.kinds import CatalogKind
from portal.catalog.models import Customer, Product
from portal.dashboard import totals
from portal.db import conflicts, search_text
from portal.extensions import db
from portal.fiscal.forms import checked_tax_id
from portal.pagination import keyset_page
from portal.search import SEARCHED, matches
from portal.tenancy import get_for_organization
from portal.webhooks.events import emit, subscribers
from portal.webhooks.services import announce

# The webhook events' name of each kind: "product.created", "customer.updated".
EVENT_NAMES = {Product: "product", Customer: "customer"}
_TAX_ID_SEPARATORS = dict.fromkeys(map(ord, " .-"))


def _search(kind: CatalogKind, q: str):
    texts = [q]
    compact = q.translate(_TAX_ID_SEPARATORS)
    if "tax_id" in SEARCHED[kind.model.__tablename__] and compact and compact != q:
        # Tax ids are stored normalised: "B-1234567-4" finds "B12345674".
        texts.append(compact)
    return matches(kind.model, *texts)


def list_rows(
    kind: CatalogKind,
    actor: User,
    *,
    q: str | None,
    limit: int,
    cursor: str | None,
    items: bool = False,
) -> tuple[list, str | None]:
    """A page of the kind's rows; ``items`` gives rows whose first value is the row's JSON
    text (``kind.item``: what the API lists) instead of ORM objects (what the pages show)."""
    model = kind.model
    stmt = select(kind.item, *kind.order_columns) if items else select(model)
    stmt = stmt.where(model.organization_id == actor.organization_id)
    q = search_text(q)
    if q:
        stmt = stmt.where(_search(kind, q))
    return keyset_page(stmt, kind.order_columns, limit, cursor, scalars=not items)


def get_row(kind: CatalogKind, actor: User, public_id: str) -> Any:
    return get_for_organization(kind.model, public_id, actor.organization_id, kind.not_found)


def create_row(kind: CatalogKind, actor: User, values: dict[str, Any]) -> Any:
    clean = _clean(kind, values)
    if kind.model is Customer:
        _check_tax_id(actor, None, clean)
    row = kind.model(organization_id=actor.organization_id, **clean)
    with conflicts():
        db.session.add(row)
    announce(row.organization_id, event_name(kind, "created"), lambda: kind.to_json(row))
    return row


def update_row(kind: CatalogKind, actor: User, public_id: str, values: dict[str, Any]) -> Any:
    row = get_row(kind, actor, public_id)
    clean = _clean(kind, values)
    if kind.model is Customer:
        _check_tax_id(actor, row, clean)
    before_name = row.name
    event = event_name(kind, "updated")
    endpoints = subscribers(row.organization_id, event)
    before = kind.to_json(row) if endpoints else None
    with conflicts():
        for name, value in clean.items():
            setattr(row, name, value)
    if row.name != before_name:  # the dashboard's top lists show it
        totals.rankings_changed(row.organization_id)
    if before is not None:
        after = kind.to_json(row)
        if after != before:  # a page saved without a change tells nothing
            emit(row.organization_id, event, after, endpoints)
    return row


def event_name(kind: CatalogKind, what: str) -> str:
    return f"{EVENT_NAMES[kind.model]}.{what}"


def delete_row(kind: CatalogKind, actor: User, public_id: str) -> None:
    row = get_row(kind, actor, public_id)
    if isinstance(row, Customer):
        totals.customer_deleted(row.organization_id, row.id)
    else:
        totals.product_deleted(row.organization_id, row.id)
    db.session.delete(row)
    db.session.flush()


def _clean(kind: CatalogKind, values: dict[str, Any]) -> dict[str, Any]:
    """The form's values for the model's columns; blank optional text is stored as ''."""
    clean = kind.columns(values)
    for name, value in clean.items():
        if value is None:
            column = kind.model.__table__.columns[name]
            clean[name] = column.default.arg if column.default is not None else ""
    return clean


def _check_tax_id(actor: User, customer: Customer | None, clean: dict[str, Any]) -> None:
    """The customer's tax id against their country, else the organisation's; stored
    normalised. Checked again when either changes (a PATCH may change only one)."""
    if "tax_id" not in clean and "country" not in clean:
        return
    country = clean.get("country", customer.country if customer else "")
    tax_id = clean.get("tax_id", customer.tax_id if customer else "")
    clean["tax_id"] = checked_tax_id(country or actor.organization.country, tax_id)
