"""``Idempotency-Key`` on the API's POSTs: a retried request gets the first answer again.

The key's row is inserted in the request's own transaction, before the work, and its answer
is stored in that transaction after it, so the work and the stored answer commit together
or not at all: a request that fails (4xx, 5xx, a crash) leaves no key behind and its retry
does the work. Two requests racing with one key cannot both pass the insert: on PostgreSQL
the second one's insert waits on the unique index until the first commits, then finds its
answer and replays it (the "waits for its answer" case; a wait past the lock timeout is a 503
BUSY); on SQLite the write lock already queues whole requests. A key whose row exists without
an answer can only be seen inside one transaction, so ``IDEMPOTENCY_KEY_IN_USE`` is the
defensive answer, not the usual one.

A key is the user's own, lives 24 hours, and answers only the same request (method, path
with query, body bytes): the same key with another body is a 409 ``IDEMPOTENCY_KEY_REUSED``.
Only answers below 400 are kept.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import wraps
from typing import Any

from flask import Response, make_response, request
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from portal.clock import utcnow
from portal.errors import IdempotencyKeyInUse, IdempotencyKeyReused, ValidationError
from portal.extensions import db
from portal.idempotency.models import IdempotencyKey
from portal.security.identity import current_identity

HEADER = "Idempotency-Key"
REPLAYED = "Idempotent-Replayed"
LIFETIME = timedelta(hours=24)
KEY_PATTERN = re.compile(r"[\x21-\x7e]{1,255}")  # visible ASCII, as Stripe and the IETF draft
KEPT_HEADERS = ("Content-Type", "Location")
KEY_INVALID = _l("Write 1 to 255 visible ASCII characters (a UUID, for instance)")


def fingerprint() -> str:
    """The request's method, path with query and body; a multipart body (a CSV upload) was
    parsed already, so its fields and files' contents stand for it."""
    parts = [request.method.encode(), request.full_path.encode(), request.get_data()]
    for name, value in sorted(request.form.items(multi=True)):
        parts += [name.encode(), value.encode()]
    for name, upload in sorted(request.files.items(multi=True), key=lambda item: item[0]):
        parts += [name.encode(), (upload.filename or "").encode(), upload.stream.read()]
        upload.stream.seek(0)
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Honour ``Idempotency-Key`` on a POST view; put it under ``@require`` (a refused
    request keeps nothing)."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        user = current_identity()
        if key is None or user is None:
            return view(*args, **kwargs)
        if not KEY_PATTERN.fullmatch(key):
            raise ValidationError({HEADER: KEY_INVALID})
        digest = fingerprint()
        row, replay = _claim(user.id, key, digest, utcnow())
        if replay is not None:
            return replay
        response = make_response(view(*args, **kwargs))
        if response.status_code < 400:
            row.status_code = response.status_code
            row.body = response.get_data(as_text=True)
            row.headers = {
                name: response.headers[name] for name in KEPT_HEADERS if name in response.headers
            }
            db.session.flush()
        return response

    wrapper.idempotent = True  # type: ignore[attr-defined]
    return wrapper


def _claim(
    user_id: int, key: str, digest: str, now: datetime
) -> tuple[IdempotencyKey, Response | None]:
    """This request's row (inserted, no answer yet), or the first request's answer."""
    found = _find(user_id, key)
    if found is not None and found.created_at < now - LIFETIME:
        db.session.delete(found)  # expired: the key is free again
        db.session.flush()
        found = None
    if found is None:
        row = IdempotencyKey(
            user_id=user_id, key=key, fingerprint=digest, status_code=0, created_at=now
        )
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            found = _find(user_id, key)  # a racing request with the key committed meanwhile
            if found is None:
                raise
        else:
            return row, None
    if found.fingerprint != digest:
        raise IdempotencyKeyReused()
    if not found.status_code:
        raise IdempotencyKeyInUse()
    return found, _replay(found)


def _find(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(
        select(IdempotencyKey)
        .where(IdempotencyKey.user_id == user_id, IdempotencyKey.key == key)
        .execution_options(populate_existing=True)
    )


def _replay(row: IdempotencyKey) -> Response:
    response = Response(row.body, status=row.status_code)
    for name, value in (row.headers or {}).items():
        response.headers[name] = value
    response.headers[REPLAYED] = "true"
    return response


def purge_expired(now: datetime | None = None) -> int:
    """Delete keys older than 24 hours (the scheduled job does it); how many went."""
    cutoff = (now or utcnow()) - LIFETIME
    result = db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
