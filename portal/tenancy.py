"""The tenant-scoped loader: every lookup by public id goes through the caller's organisation."""

from __future__ import annotations

import functools
import re
from typing import Any, TypeVar, cast

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from portal.accounts.models import Organization
from portal.errors import NotFound
from portal.extensions import db

M = TypeVar("M")
# What new_public_id makes (``inv_9f86…``), loosely: anything else cannot be a row of ours.
_PUBLIC_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def get_for_organization(
    model: type[M],
    public_id: str,
    organization_id: int,
    not_found: type[NotFound] = NotFound,
    *,
    for_update: bool = False,
    with_collection: str | None = None,
) -> M:
    """The row of ``model`` with ``public_id`` in this organisation, else that model's 404;
    ``with_collection`` names a one-to-many relationship read in the same query (a
    document's lines, for its JSON: one query instead of a second lazy one).

    Another tenant's id answers exactly as an unknown id does: 404, never 403.
    """
    row = find_for_organization(
        model, public_id, organization_id, for_update=for_update, with_collection=with_collection
    )
    if row is None:
        raise not_found()
    return row


def find_for_organization(
    model: type[M],
    public_id: str,
    organization_id: int,
    *,
    for_update: bool = False,
    with_collection: str | None = None,
) -> M | None:
    """``get_for_organization`` without the 404: ``None`` for another tenant's id or an
    unknown one (a form naming a customer answers that with its own 400)."""
    if not isinstance(public_id, str) or not _PUBLIC_ID.fullmatch(public_id):
        return None  # before the database sees a NUL or a surrogate it would refuse
    values = {"public_id": public_id, "organization_id": organization_id}
    stmt = _by_public_id(cast(Any, model), for_update, with_collection)
    return db.session.execute(stmt, values).unique().scalar_one_or_none()


@functools.cache
def _by_public_id(model: Any, for_update: bool, with_collection: str | None) -> Select:
    """The lookup of one of ``model``'s rows, built once per model (every read of one thing
    runs it): bound parameters, so SQLAlchemy keeps its compiled form by the statement."""
    stmt = select(model).where(
        model.public_id == bindparam("public_id"),
        model.organization_id == bindparam("organization_id"),
    )
    if with_collection is not None:
        stmt = stmt.options(joinedload(getattr(model, with_collection)))
    if for_update:  # PostgreSQL row lock; SQLite writers already hold the database lock
        # populate_existing: an object this session loaded before the lock was granted
        # must be refreshed with what the lock holder committed (no stale balance).
        stmt = stmt.with_for_update(of=model).execution_options(populate_existing=True)
    return stmt


def lock_organization(organization_id: int) -> Organization:
    """Take the organisation's row lock until the transaction ends (PostgreSQL; on SQLite a
    writer already holds the database lock) and return the row as committed by whoever held
    it before. Every check-then-write rule over the organisation's rows (the user cap, "at
    least one active OWNER", a plan downgrade) runs under it, so racing requests take turns.
    """
    stmt = (
        select(Organization)
        .where(Organization.id == organization_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.session.execute(stmt).scalar_one()


def share_organization(organization_id: int) -> Organization:
    """Hold the organisation's row against changes (``FOR SHARE``) until the transaction ends,
    and return it as committed. Creating a document takes it: many creators share it, while a
    settings change (``lock_organization``) waits for them and they for it, so a currency or
    series change never races the first document it would have been refused for.

    The row is read by Core on the session's connection and only what changed is written
    into the session's object (the caller's, already there): the ORM's ``populate_existing``
    load of the same row cost a creation a twentieth of its time."""
    row = db.session.connection().execute(_shared(), {"organization_id": organization_id}).one()
    organization = db.session.get_one(Organization, organization_id)  # no SQL when present
    state = organization.__dict__
    for key, value in row._mapping.items():
        if key not in state or state[key] != value:
            set_committed_value(organization, key, value)
    return organization


@functools.cache
def _shared() -> Select:
    """Every column the ORM loads (not the deferred logo), labelled by attribute; built once
    (every document created runs it; see ``portal.documents.numbering._TAKE``), on first use,
    when every model is mapped."""
    columns = (
        prop.columns[0].label(prop.key)
        for prop in Organization.__mapper__.column_attrs
        if not prop.deferred
    )
    return (
        select(*columns)
        .where(Organization.id == bindparam("organization_id"))
        .with_for_update(read=True)
    )


def refreshed(row: M) -> M:
    """``row`` read again from the database (after a lock: what the previous holder wrote)."""
    db.session.refresh(row)
    return row
