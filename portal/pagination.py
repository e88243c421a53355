"""Keyset pagination with opaque cursors (``?limit=`` ≤ 100, ``?cursor=``)."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from flask import request
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, literal, tuple_

from portal.errors import ValidationError
from portal.extensions import db

DEFAULT_LIMIT = 50
MAX_LIMIT = 100
INVALID_LIMIT = _l("The limit must be a whole number between 1 and 100")
INVALID_CURSOR = _l("Invalid cursor")


def _encode(created_at: datetime, public_id: str) -> str:
    raw = json.dumps([created_at.isoformat(), public_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, public_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        return datetime.fromisoformat(created), str(public_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
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
    stmt: Select, model: Any, limit: int, cursor: str | None
) -> tuple[list, str | None]:
    """One page of ``stmt`` in (created_at, public_id) order and the cursor of the next."""
    order = tuple_(model.created_at, model.public_id)
    if cursor:
        created_at, public_id = _decode(cursor)
        after = tuple_(
            literal(created_at, model.created_at.type), literal(public_id, model.public_id.type)
        )
        stmt = stmt.where(order > after)
    rows = list(
        db.session.scalars(
            stmt.order_by(model.created_at, model.public_id).limit(limit + 1)
        ).unique()
    )
    if len(rows) <= limit:
        return rows, None
    last = rows[limit - 1]
    return rows[:limit], _encode(last.created_at, last.public_id)
