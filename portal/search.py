"""Substring search that ignores case and accents and that an index serves (issues 15.5, 16.3).

"cafe" finds "Café", "nunez" finds "Núñez", "a-00" finds SKU "CAFA-0042"; ``%``, ``_``, ``*``
and ``?`` are literal. Migration 0015 builds what each backend searches:

- **SQLite**: an FTS5 table ``<table>_search`` with the trigram tokenizer, whose one column
  holds the table's searched columns, each folded by the portal's ``fold`` (NFKD without
  combining marks, casefolded) and joined by U+001F so that no match spans two columns.
  Triggers keep it in step with inserts, updates of those columns and deletes; a search is
  ``id IN (SELECT rowid … WHERE text GLOB '*…*')``, which FTS5 answers from its trigrams
  (queries of 3 or more characters; shorter ones read the FTS table).
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
        index = table(search_table(name), column("rowid"), column("text"))
        found = [
            select(index.c.rowid).where(index.c.text.op("GLOB")(f"*{_glob(text)}*"))
            for text in texts
        ]
        return model.id.in_(found[0] if len(found) == 1 else union(*found))
    return or_(
        *(
            func.portal_fold(getattr(model, column_name)).like(
                func.portal_fold("%" + text.translate(_LIKE_SPECIAL) + "%")
            )
            for column_name in SEARCHED[name]
            for text in texts
        )
    )


def _glob(text: str) -> str:
    return fold(text).translate(_GLOB_SPECIAL)
