"""Who is calling: a Bearer token on the API (and only it, when present), else the session.

Runs as the first ``before_request`` so that the locale, the rate-limit key and every
permission check see one identity, read from the database on every request.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import Flask, g, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import bindparam, exists, select
from wtforms import ValidationError as WTFormsValidationError

from portal.accounts.models import RevokedToken, User
from portal.errors import CsrfFailed, TokenInvalid
from portal.extensions import db, login_manager
from portal.security.tokens import decode_token

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def current_identity() -> User | None:
    """The signed-in, active user of this request, or ``None``."""
    user = current_user._get_current_object()
    return user if getattr(user, "is_authenticated", False) else None


# Built once: every request runs one of these, and building a statement costs more than
# running it from SQLAlchemy's compiled cache.
_USER_BY_PUBLIC_ID = select(User).where(User.public_id == bindparam("public_id"))
_USER_AND_REVOCATION = select(
    User, exists().where(RevokedToken.jti == bindparam("jti")).label("revoked")
).where(User.public_id == bindparam("public_id"))


def _load_active_user(public_id: str) -> User | None:
    user = db.session.scalar(_USER_BY_PUBLIC_ID, {"public_id": public_id})
    return user if user is not None and user.active else None


def _session_user(session_id: str) -> User | None:
    """flask-login's loader: the user id and session token stored in the signed cookie."""
    public_id, _, token = session_id.partition(":")
    user = _load_active_user(public_id)
    if user is None or not token or not secrets.compare_digest(token, user.session_token):
        return None
    return user


def _bearer_user(header: str) -> User:
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise TokenInvalid()
    claims = decode_token(raw.strip())
    row = db.session.execute(
        _USER_AND_REVOCATION, {"public_id": claims["sub"], "jti": claims["jti"]}
    ).first()
    if row is None or row.revoked:
        raise TokenInvalid()
    user = row.User
    if (
        not user.active
        or user.organization.public_id != claims["org"]
        or user.token_is_revoked(int(claims["iat"]))
    ):
        raise TokenInvalid()
    g.token_claims = claims
    return user


def _check_api_csrf() -> None:
    try:
        validate_csrf(request.headers.get("X-CSRFToken"))
    except WTFormsValidationError as exc:
        raise CsrfFailed() from exc


def load_identity() -> None:
    if not request.path.startswith("/api/"):
        current_user._get_current_object()  # flask-login: the session cookie
        return
    header = request.headers.get("Authorization")
    if header is not None:
        try:
            g._login_user = _bearer_user(header)
        except TokenInvalid as exc:
            # Counted per IP like any anonymous caller, then refused (raise_identity_error).
            g._login_user = login_manager.anonymous_user()
            g.identity_error = exc
            return
        g.auth_method = "bearer"
        return
    login_manager._load_user()
    if current_identity() is not None:
        g.auth_method = "session"
        if request.method not in SAFE_METHODS:
            try:
                _check_api_csrf()
            except CsrfFailed as exc:  # counted against the user, then refused
                g.identity_error = exc


def raise_identity_error() -> None:
    """Refuse what ``load_identity`` found wrong, once the limiter has counted the request."""
    error = g.pop("identity_error", None)
    if error is not None:
        raise error


def revoke_token(claims: dict) -> None:
    expires_at = datetime.fromtimestamp(claims["exp"], UTC)
    if db.session.get(RevokedToken, claims["jti"]) is None:
        db.session.add(RevokedToken(jti=claims["jti"], expires_at=expires_at))
        db.session.flush()


def configure_identity(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_session_user)
    app.before_request(load_identity)
