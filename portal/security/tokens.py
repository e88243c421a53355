"""API tokens: HS256 JWTs with the algorithm pinned, every claim required, revocable by jti."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from flask import current_app

from portal.errors import TokenInvalid

REQUIRED_CLAIMS = ["sub", "org", "role", "iat", "exp", "jti"]


def issue_token(user) -> tuple[str, datetime]:
    """A signed token for ``user`` and the moment it expires."""
    now = datetime.now(UTC)
    expires_at = now + timedelta(seconds=current_app.config["JWT_EXPIRES_SECONDS"])
    claims = {
        "sub": user.public_id,
        "org": user.organization.public_id,
        "role": user.role,
        "iat": int(now.timestamp()),
        "exp": int(expires_at.timestamp()),
        "jti": secrets.token_hex(16),
    }
    token = jwt.encode(claims, current_app.config["SECRET_KEY"], algorithm="HS256")
    return token, expires_at.replace(microsecond=0)


# Tokens whose signature was checked, by (key, algorithm, the whole token): the same bytes
# under the same key are the same valid signature, so it is not computed again (a tenth of a
# write's identity). The expiry is checked on every use; whether the token was revoked, and
# who its user is now, are the database's to say on every write (``identity``).
_verified: dict[tuple[str, str, str], dict[str, Any]] = {}
MAX_VERIFIED = 10_000


def decode_token(raw: str) -> dict[str, Any]:
    """The verified claims of ``raw``; anything tampered, expired or malformed is a 401."""
    key = (current_app.config["SECRET_KEY"], current_app.config["JWT_ALGORITHM"], raw)
    known = _verified.get(key)
    if known is not None and known["exp"] > time.time():
        return dict(known)
    try:
        claims = jwt.decode(
            raw,
            key[0],
            algorithms=[key[1]],
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise TokenInvalid() from exc
    if not all(isinstance(claims[name], str) for name in ("sub", "org", "jti")):
        raise TokenInvalid()
    if len(_verified) >= MAX_VERIFIED:
        _verified.clear()
    _verified[key] = dict(claims)
    return claims
