"""A list's items written as JSON by the database, embedded whole in the answer.

A 50-row list spent a third of its time turning columns into Python values (eight amounts
a row through ``Decimal``) and those values into the item's dict, for orjson to write them
out again. Here the database writes each item's JSON text (SQLite's ``json_object``,
PostgreSQL's ``json_build_object``) exactly as the Python serializer would, and the answer
embeds the texts with ``orjson.Fragment``. The constructs compile per dialect, so a
statement built from them is the same object on both backends; a property test holds the
texts to the Python serializer on both (``tests/test_list_json.py``).

What "exactly" means, per value: amounts as strings with two places (``"-1234.50"``),
dates as ``YYYY-MM-DD``, UTC moments as Python's ``isoformat`` writes them (microseconds
only when there are any, ``+00:00``), booleans as ``true``/``false``, SQL's NULL as ``null``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import orjson
from sqlalchemy import Boolean, String, literal_column
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from portal.db import FixedDecimal


class money_text(FunctionElement[str]):
    """A two-place amount as its API string (``"1234.50"``)."""

    type = String()
    inherit_cache = True
    name = "money_text"


@compiles(money_text, "sqlite")
def _money_text_sqlite(element: money_text, compiler: Any, **kw: Any) -> str:
    # Stored as whole cents (FixedDecimal's scaled integer); the sign apart, so that -0.50
    # keeps it. Zero first: most discounts, surcharges and withholdings are (a quarter less
    # SQLite time for a list's eight amounts).
    c = f"({compiler.process(_only(element), **kw)})"
    return (
        f"CASE WHEN {c} = 0 THEN '0.00' "
        f"WHEN {c} > 0 THEN printf('%d.%02d', {c} / 100, {c} % 100) "
        f"ELSE printf('-%d.%02d', -{c} / 100, -{c} % 100) END"
    )


@compiles(money_text, "postgresql")
def _money_text_postgresql(element: money_text, compiler: Any, **kw: Any) -> str:
    # NUMERIC(p, 2) as text keeps its two places.
    return f"CAST({compiler.process(_only(element), **kw)} AS TEXT)"


class utc_text(FunctionElement[str]):
    """A UTC moment as ``datetime.isoformat`` writes it: ``2026-11-30T09:15:00+00:00``,
    with ``.123456`` only when there are microseconds."""

    type = String()
    inherit_cache = True
    name = "utc_text"


@compiles(utc_text, "sqlite")
def _utc_text_sqlite(element: utc_text, compiler: Any, **kw: Any) -> str:
    # SQLAlchemy stores '2026-11-30 09:15:00.000000' (a default of the schema may store it
    # without the fraction); only a fraction holds a dot.
    moment = compiler.process(_only(element), **kw)
    return f"replace(replace({moment}, '.000000', ''), ' ', 'T') || '+00:00'"


@compiles(utc_text, "postgresql")
def _utc_text_postgresql(element: utc_text, compiler: Any, **kw: Any) -> str:
    # PostgreSQL's own JSON of a timestamp trims the fraction's zeros (".12"); Python's
    # does not (".120000").
    moment = f"(({compiler.process(_only(element), **kw)}) AT TIME ZONE 'UTC')"
    return (
        f"to_char({moment}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || "
        f"CASE WHEN mod(extract(microseconds FROM {moment})::integer, 1000000) = 0 "
        f"THEN '' ELSE to_char({moment}, '.US') END || '+00:00'"
    )


class json_bool(FunctionElement[bool]):
    """A condition as JSON's ``true`` or ``false``."""

    type = Boolean()
    inherit_cache = True
    name = "json_bool"


@compiles(json_bool, "sqlite")
def _json_bool_sqlite(element: json_bool, compiler: Any, **kw: Any) -> str:
    # SQLite's comparisons are 1 or 0; json() marks the text as JSON for json_object.
    condition = compiler.process(_only(element), **kw)
    return f"json(CASE WHEN {condition} THEN 'true' ELSE 'false' END)"


@compiles(json_bool, "postgresql")
def _json_bool_postgresql(element: json_bool, compiler: Any, **kw: Any) -> str:
    return f"coalesce({compiler.process(_only(element), **kw)}, false)"


class json_text(FunctionElement[str]):
    """An object of the given keys and values, as JSON text, keys in the order given."""

    type = String()
    inherit_cache = True
    name = "json_text"


@compiles(json_text, "sqlite")
def _json_text_sqlite(element: json_text, compiler: Any, **kw: Any) -> str:
    return f"json_object({compiler.process(element.clauses, **kw)})"


@compiles(json_text, "postgresql")
def _json_text_postgresql(element: json_text, compiler: Any, **kw: Any) -> str:
    # json, not jsonb: jsonb would reorder the keys.
    return f"CAST(json_build_object({compiler.process(element.clauses, **kw)}) AS TEXT)"


class json_inner(json_text):
    """An object inside an item (a customer's address): JSON that the item's ``json_text``
    embeds as an object, never as a string. SQLite's is ``json_text``'s own."""

    inherit_cache = True
    name = "json_inner"


@compiles(json_inner, "postgresql")
def _json_inner_postgresql(element: json_inner, compiler: Any, **kw: Any) -> str:
    # Not cast to text: a text value would be embedded as a JSON string.
    return f"json_build_object({compiler.process(element.clauses, **kw)})"


def json_object(fields: Sequence[tuple[str, Any]], *, inner: bool = False) -> json_text:
    """The item's JSON text from ``(key, SQL value)`` pairs; ``inner``: an object one of
    its values holds. Amounts must be two-place ``FixedDecimal`` columns or their
    differences, wrapped in ``money_text``; booleans go through ``json_bool``."""
    arguments: list[Any] = []
    for key, value in fields:
        if not key.isidentifier():
            raise ValueError(f"JSON key {key!r}")
        if isinstance(getattr(value, "type", None), FixedDecimal):
            raise TypeError(f"{key}: an amount goes through money_text")
        arguments += [literal_column(f"'{key}'"), value]
    return json_inner(*arguments) if inner else json_text(*arguments)


def amount(column: Any) -> money_text:
    """``money_text`` of a two-place amount column (or a difference of two)."""
    scale = getattr(column.type, "scale", None)
    if scale != 2:
        raise TypeError(f"{column}: scale {scale}, not 2")
    return money_text(column)


class JSONText:
    """JSON text to be written into an answer as it is (``portal.jsonio``: orjson embeds
    it; the indented answers of debug mode read it back first)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def fragment(self) -> orjson.Fragment:
        return orjson.Fragment(self.text)

    def value(self) -> Any:
        return orjson.loads(self.text)


def embedded(texts: Iterable[str]) -> JSONText:
    """A JSON array of the database's item texts."""
    return JSONText("[" + ",".join(texts) + "]")


def _only(element: FunctionElement[Any]) -> Any:
    (argument,) = element.clauses
    return argument
