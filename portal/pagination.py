"""Keyset pagination with opaque cursors (``?limit=`` ≤ 100, ``?cursor=``)."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, literal, tuple_

from portal.db import UTCDateTime
from portal.errors import ValidationError
from portal.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
INVALID_LIMIT = _l("The limit must be a whole number between 1 and 100")
INVALID_CURSOR = _l("Invalid cursor")


def _encode(values: Sequence[Any]) -> str:
    plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
    return base64.urlsafe_b64encode(json.dumps(plain).encode()).decode().rstrip("=")


def _decode(cursor: str, columns: Sequence[Any]) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        raw = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(raw, list) or len(raw) != len(columns):
            raise ValueError("cursor shape")
        values = []
        for column, value in zip(columns, raw, strict=True):
            if isinstance(column.type, UTCDateTime):
                value = datetime.fromisoformat(value)
            elif not isinstance(value, str) or "\x00" in value:
                raise ValueError("cursor value")
            values.append(value)
        return values
    except (ValueError, TypeError, RecursionError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError({"cursor": INVALID_CURSOR}) from exc


def page_args() -> tuple[int, str | None]:
    raw_limit = request.args.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = int(raw_limit)
    except ValueError as exc:
        raise ValidationError({"limit": INVALID_LIMIT}) from exc
    if limit < 1:
        raise ValidationError({"limit": INVALID_LIMIT})
    return min(limit, MAX_LIMIT), request.args.get("cursor") or None


def keyset_page(
    stmt: Select, columns: Sequence[Any], limit: int, cursor: str | None, *, scalars: bool = True
) -> tuple[list, str | None]:
    """One page of ``stmt`` ordered by ``columns`` (ending in a unique one) and the next cursor.

    The cursor holds the last row's ordering values, never a database id.
    """
    if cursor:
        values = _decode(cursor, columns)
        after = tuple_(*(literal(v, c.type) for c, v in zip(columns, values, strict=True)))
        stmt = stmt.where(tuple_(*columns) > after)
    stmt = stmt.order_by(*columns).limit(limit + 1)
    rows = list(db.session.scalars(stmt).unique()) if scalars else db.session.execute(stmt).all()
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], _encode([getattr(last, c.key) for c in columns])
