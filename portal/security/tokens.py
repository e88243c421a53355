"""API tokens: HS256 JWTs with the algorithm pinned, every claim required, revocable by jti."""

from __future__ import annotations

import secrets
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


def decode_token(raw: str) -> dict[str, Any]:
    """The verified claims of ``raw``; anything tampered, expired or malformed is a 401."""
    try:
        claims = jwt.decode(
            raw,
            current_app.config["SECRET_KEY"],
            algorithms=[current_app.config["JWT_ALGORITHM"]],
            options={"require": REQUIRED_CLAIMS},
        )
    except jwt.PyJWTError as exc:
        raise TokenInvalid() from exc
    if not all(isinstance(claims[name], str) for name in ("sub", "org", "jti")):
        raise TokenInvalid()
    return claims
