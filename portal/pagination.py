"""Keyset pagination with opaque cursors (``?limit=`` ≤ 100, ``?cursor=``)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Select, bindparam, tuple_

from portal.db import UTCDateTime
from portal.errors import ValidationError
from portal.extensions import db
from portal.forms import acceptable_text

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
INVALID_LIMIT = _l("The limit must be a whole number between 1 and 100")
INVALID_CURSOR = _l("Invalid cursor")
# A cursor holds a few ordering values: bounded well above any we issue (a 200-character
# name in JSON's \uXXXX escapes, base64-encoded, is about 3,300 characters).
MAX_CURSOR_LENGTH = 8192
MAX_CURSOR_TEXT = 1000
# Plain rows are read by position or by name, never by column object: SQLAlchemy need not map
# this statement's column objects onto those of the cached compiled one (as the ORM tells it
# too). That mapping hashes and compares every selected column: a tenth of a listing.
_PLAIN = {"_result_disable_adapt_to_context": True}
_AFTER, _LIMIT = "keyset_after_", "keyset_limit"  # the page statement's own parameters
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, date) else v for v in values]  # datetimes too
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, columns: Sequence[Any]) -> list[Any]:
    """The ordering values a cursor holds, each checked against its column; else a 400.

    A cursor comes back from the client, so it is read as forged until proven otherwise.
    """
    try:
        if len(cursor) > MAX_CURSOR_LENGTH:
            raise ValueError("cursor length")
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError("cursor shape")
        return [_cursor_value(column, value) for column, value in zip(columns, raw, strict=True)]
    except (ValueError, TypeError, RecursionError, OverflowError, binascii.Error) as exc:
        raise ValidationError({"cursor": INVALID_CURSOR}) from exc


def _cursor_value(column: Any, value: Any) -> Any:
    """One cursor value as its column binds it; ``ValueError`` when it could not be ours."""
    if not isinstance(value, str) or not acceptable_text(value):
        raise ValueError("cursor value")
    if isinstance(column.type, UTCDateTime):
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("naive cursor datetime")
        moment = moment.astimezone(UTC)  # OverflowError at the ends of the calendar
        if not EARLIEST <= moment <= LATEST:
            raise ValueError("cursor datetime out of range")
        return moment
    if isinstance(column.type, Date):
        return date.fromisoformat(value)
    if len(value) > (getattr(column.type, "length", None) or MAX_CURSOR_TEXT):
        raise ValueError("cursor text length")
    return value


def page_args() -> tuple[int, str | None]:
    return limit_arg(request.args), request.args.get("cursor") or None


def limit_arg(args: Mapping[str, str]) -> int:
    """``?limit=``: a whole number from 1 (a 400 otherwise), at most ``MAX_LIMIT``
    (more is served as ``MAX_LIMIT``); ``DEFAULT_LIMIT`` when absent."""
    try:
        limit = int(args.get("limit", DEFAULT_LIMIT))
    except ValueError as exc:
        raise ValidationError({"limit": INVALID_LIMIT}) from exc
    if limit < 1:
        raise ValidationError({"limit": INVALID_LIMIT})
    return min(limit, MAX_LIMIT)


def keyset_page(
    stmt: Select,
    columns: Sequence[Any],
    limit: int,
    cursor: str | None,
    *,
    scalars: bool = True,
    descending: bool = False,
) -> tuple[list, str | None]:
    """One page of ``stmt`` ordered by ``columns`` (ending in a unique one) and the next cursor;
    ``descending`` walks backwards (a log, newest first).

    The cursor holds the last row's ordering values, never a database id.
    """
    page = keyset_statement(stmt, columns, after=bool(cursor), descending=descending)
    return run_page(page, columns, limit, cursor, scalars=scalars)


def keyset_statement(
    stmt: Select, columns: Sequence[Any], *, after: bool, descending: bool = False
) -> Select:
    """``stmt`` ordered by ``columns`` and cut at a bound limit, past a bound last-seen key
    when ``after``: built once, it serves every page of its shape (``run_page``)."""
    if after:
        last_seen = tuple_(
            *(bindparam(f"{_AFTER}{i}", type_=c.type) for i, c in enumerate(columns))
        )
        key = tuple_(*columns)
        stmt = stmt.where(key < last_seen if descending else key > last_seen)
    order = [column.desc() for column in columns] if descending else list(columns)
    return stmt.order_by(*order).limit(bindparam(_LIMIT))


def run_page(
    page: Select,
    columns: Sequence[Any],
    limit: int,
    cursor: str | None,
    *,
    scalars: bool = True,
    params: Mapping[str, Any] | None = None,
) -> tuple[list, str | None]:
    """Run a ``keyset_statement`` for ``limit`` rows past ``cursor``: the rows and the next
    cursor."""
    values = {**(params or {}), _LIMIT: limit + 1}
    if cursor:
        decoded = _decode(cursor, columns)
        values.update((f"{_AFTER}{i}", v) for i, v in enumerate(decoded))
    rows: list[Any]
    if scalars:
        rows = list(db.session.scalars(page, values).unique())
    else:  # plain rows need none of the ORM's loading: run on the session's connection
        connection = db.session.connection()
        rows = list(connection.execute(page, values, execution_options=_PLAIN).all())
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], _encode([_cursor_text(c, getattr(last, c.key)) for c in columns])


def _cursor_text(column: Any, value: Any) -> Any:
    """A moment the page read as stored text (SQLite's ``2026-11-30 09:15:00.000000``,
    UTC) as the cursor writes every moment: ``isoformat`` with its offset."""
    if isinstance(value, str) and isinstance(column.type, UTCDateTime):
        moment = datetime.fromisoformat(value)
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return value
