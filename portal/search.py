"""Substring search that ignores case and accents and that an index serves (issues 15.5, 16.3).

"cafe" finds "Café", "nunez" finds "Núñez", "a-00" finds SKU "CAFA-0042"; ``%``, ``_``, ``*``
and ``?`` are literal. Migration 0015 builds what each backend searches:

- **SQLite**: an FTS5 table ``<table>_search`` with the trigram tokenizer, whose one column
  holds the table's searched columns, each folded by the portal's ``fold`` (NFKD without
  combining marks, casefolded) and joined by U+001F so that no match spans two columns.
  Triggers keep it in step with inserts, updates of those columns and deletes. A search first
  asks the index (``text GLOB '*…*'``, answered from trigrams for 3+ characters) for at most
  ``SELECTIVE + 1`` row ids: up to ``SELECTIVE`` matches are then read by id; more mean a
  common text, found sooner by reading the list in its order and comparing each row's folded
  text, read by rowid from the FTS table's content.
- **PostgreSQL**: ``portal_fold(text)``, an IMMUTABLE ``lower(unaccent(…))`` (plain
  ``lower`` where the ``unaccent`` extension could not be created), and a ``pg_trgm`` GIN
  index on ``portal_fold(column)`` for every searched column (where ``pg_trgm`` could be
  created; without it the same query reads the organisation's rows).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, column, func, or_, select, table, union

from portal.db import fold
from portal.extensions import db

# The searched columns of each table; migration 0015 indexes exactly these.
SEARCHED: dict[str, tuple[str, ...]] = {
    "products": ("name", "sku"),
    "customers": ("name", "email", "tax_id"),
    "quotes": ("number", "customer_name"),
    "invoices": ("number", "customer_name"),
    "recurring_invoices": ("number", "customer_name"),
}
SEPARATOR = "\x1f"
SELECTIVE = 250  # SQLite: at most this many matches are fetched from the index by id
_GLOB_SPECIAL = str.maketrans({"*": "[*]", "?": "[?]", "[": "[[]"})
_LIKE_SPECIAL = str.maketrans({"\\": "\\\\", "%": "\\%", "_": "\\_"})


def search_table(name: str) -> str:
    """The FTS5 table (SQLite) that searches ``name``."""
    return f"{name}_search"


def is_search_object(name: str | None) -> bool:
    """Whether a schema object is search machinery, which the models do not describe (the
    FTS tables and their shadow tables, the trigram indexes)."""
    if not name:
        return False
    if name.startswith("ix_search_"):
        return True
    return any(name == search_table(t) or name.startswith(search_table(t) + "_") for t in SEARCHED)


def matches(model: Any, *texts: str) -> ColumnElement[bool]:
    """A WHERE clause: some searched column of ``model`` contains one of ``texts``."""
    name = model.__tablename__
    if db.session.get_bind().dialect.name == "sqlite":
        return _sqlite_matches(model, texts)
    return or_(
        *(
            func.portal_fold(getattr(model, column_name)).like(
                func.portal_fold("%" + text.translate(_LIKE_SPECIAL) + "%")
            )
            for column_name in SEARCHED[name]
            for text in texts
        )
    )


def _sqlite_matches(model: Any, texts: tuple[str, ...]) -> ColumnElement[bool]:
    """A few matches (an SKU, a rare word) are fetched by id from the trigram index; many
    (a common word) are found faster by reading the list in its order until the page is
    full, since they are spread through it — the index would first list them all."""
    name = model.__tablename__
    index = table(search_table(name), column("rowid"), column("text"))
    patterns = [f"*{_glob(text)}*" for text in texts]
    found = [select(index.c.rowid).where(index.c.text.op("GLOB")(p)) for p in patterns]
    probe = (found[0] if len(found) == 1 else union(*found)).limit(SELECTIVE + 1)
    ids = db.session.connection().execute(probe).scalars().all()
    if len(ids) <= SELECTIVE:
        return model.id.in_(ids)
    # The folded text of each row, already in the FTS table's own content table (FTS5's
    # "<name>_content" shadow table: id, c0): read by rowid, compared in C — five times
    # cheaper than folding each row's columns again in Python.
    content = table(f"{search_table(name)}_content", column("id"), column("c0"))
    text = select(content.c.c0).where(content.c.id == model.id).scalar_subquery()
    return or_(*(text.op("GLOB")(p) for p in patterns))


def _glob(text: str) -> str:
    return fold(text).translate(_GLOB_SPECIAL)
