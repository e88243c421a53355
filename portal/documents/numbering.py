"""Gap-free numbers per organisation, series and year (``COT-2026-0001``, ``INV-2026-0042``)."""

from __future__ import annotations

import re

from sqlalchemy import bindparam, update
from sqlalchemy.dialects import postgresql, sqlite

from portal.documents.models import DocumentCounter
from portal.extensions import db

SERIES_PATTERN = re.compile(r"^(?P<prefix>[A-Z]+)-(?P<year>\d{4})-(?P<seq>\d{4,})$")


def format_number(prefix: str, year: int, value: int) -> str:
    return f"{prefix}-{year}-{value:04d}"


def next_number(organization_id: int, prefix: str, year: int) -> str:
    """Take the next number of the series in the current transaction.

    ``UPDATE … RETURNING`` locks the counter row until commit (PostgreSQL), and on SQLite
    the request already holds the write lock (``BEGIN IMMEDIATE``), so concurrent takers
    queue; a rollback returns the number. Never a sequence: ``nextval`` is not rolled back.
    """
    return format_number(prefix, year, next_value(organization_id, prefix, year))


def next_value(organization_id: int, series: str, year: int) -> int:
    """Take the next value (1, 2, …) of any counter: a series' in a year, or a private one
    such as recurring profiles' (a series key no prefix can be, e.g. ``"#REC"``)."""
    value = _take(organization_id, series, year)
    if value is None:
        _create_counter(organization_id, series, year)
        value = _take(organization_id, series, year)
    if value is None:  # the row was just created, in this transaction: cannot happen
        raise RuntimeError(f"no counter for {series}-{year}")
    return value


def _take(organization_id: int, prefix: str, year: int) -> int | None:
    values = {"of_organization": organization_id, "of_series": prefix, "of_year": year}
    # On the session's connection: the ORM's UPDATE would first look for counter objects
    # in the session to keep in step, and there never are any.
    taken = db.session.connection().execute(_TAKE, values).scalar_one_or_none()
    return None if taken is None else taken - 1


# Built once (every document created runs it): a statement object built anew is built, and
# its cache key walked, on each run. Its parameters are not named after columns: an UPDATE
# would read those as values to set.
_TAKE = (
    update(DocumentCounter)
    .where(
        DocumentCounter.organization_id == bindparam("of_organization"),
        DocumentCounter.series == bindparam("of_series"),
        DocumentCounter.year == bindparam("of_year"),
    )
    .values(next_value=DocumentCounter.next_value + 1)
    .returning(DocumentCounter.next_value)
)


def _create_counter(organization_id: int, prefix: str, year: int) -> None:
    """Create the series' counter at 1; a racing creator's row wins silently."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (
        insert(DocumentCounter)
        .values(organization_id=organization_id, series=prefix, year=year, next_value=1)
        .on_conflict_do_nothing()
    )
    db.session.execute(stmt)
