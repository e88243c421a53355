"""Who is calling: a Bearer token on the API (and only it, when present), else the session.

Resolved once per request through flask-login's public loaders (``user_loader`` for the
session cookie, ``request_loader`` for the Bearer token) by the first identity
``before_request``, so that the locale, the rate-limit key and every permission check see one
identity, read from the database on every request.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

from flask import Flask, Request, g, request
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from sqlalchemy import bindparam, exists, select
from sqlalchemy.exc import DBAPIError
from wtforms import ValidationError as WTFormsValidationError

from portal.accounts.models import RevokedToken, User
from portal.db import SAFE_METHODS
from portal.errors import CsrfFailed, TokenInvalid, Unauthorized
from portal.extensions import db, login_manager
from portal.security import identity_cache
from portal.security.tokens import decode_token


def current_identity() -> User | None:
    """The signed-in, active user of this request, or ``None``.

    ``None`` too when the database could not say (a lock not granted in time): the error
    page drawn for that must not ask the database again.
    """
    if g.get("identity_unavailable"):
        return None
    # flask-login keeps the request's user in ``g._login_user`` (login_user and logout_user
    # too); read there once loaded, it costs a dict lookup instead of the proxy's walk.
    user = g.get("_login_user")
    if user is None:
        user = current_user._get_current_object()
    return user if getattr(user, "is_authenticated", False) else None


def acting_user() -> User:
    """The caller of a view guarded by ``@require``: signed in and active, never ``None``."""
    user = current_identity()
    if user is None:
        raise Unauthorized()
    return user


def resolved_identity() -> User | None:
    """The caller once ``load_identity`` has run, else ``None`` (never loads anything): for
    what runs before it, such as an early error's language."""
    return current_identity() if g.get("identity_resolved") else None


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
    """flask-login's loader: the user id and session token stored in the signed cookie.

    On the API a Bearer header, when present, is the only identity considered.
    """
    if _is_api() and request.headers.get("Authorization") is not None:
        return None
    public_id, _, token = session_id.partition(":")
    user = _load_active_user(public_id)
    if user is None or not token or not secrets.compare_digest(token, user.session_token):
        return None
    return user


def _bearer_user(header: str) -> User:
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise TokenInvalid()
    token = raw.strip()
    safe = request.method in SAFE_METHODS
    cached = identity_cache.recall(token, db.session) if safe else None
    if cached is not None:
        claims, user = cached
    else:
        claims = decode_token(token)
        row = db.session.execute(
            _USER_AND_REVOCATION, {"public_id": claims["sub"], "jti": claims["jti"]}
        ).first()
        if row is None or row.revoked:
            raise TokenInvalid()
        user = row.User
        if safe:
            identity_cache.remember(token, claims, user)
    if (
        not user.active
        or user.public_id != claims["sub"]
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


def _is_api() -> bool:
    return request.path.startswith("/api/")


def _token_user(req: Request) -> User | None:
    """flask-login's request loader: the Bearer token of an API request.

    A bad token leaves the caller anonymous (counted per IP like any anonymous caller) and
    is refused by ``raise_identity_error`` once the limiter has counted the request.
    """
    header = req.headers.get("Authorization")
    if header is None or not _is_api():
        return None
    try:
        user = _bearer_user(header)
    except TokenInvalid as exc:
        g.identity_error = exc
        return None
    g.auth_method = "bearer"
    return user


def load_identity() -> None:
    """``before_request``: who is calling, once; an API call by cookie needs its CSRF header.

    A Bearer API call is the request loader's alone (the session is never considered), so
    it is asked directly rather than through flask-login's walk, which would first hash
    the client's address and agent for the session's protection and read the cookie."""
    try:
        if _is_api() and "Authorization" in request.headers:
            g._login_user = _token_user(request) or login_manager.anonymous_user()
        user = current_identity()
    except DBAPIError:
        g.identity_unavailable = True  # answered 503 BUSY (or 500) without asking again
        raise
    g.identity_resolved = True
    if user is None or not _is_api() or g.get("auth_method") == "bearer":
        return
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
    login_manager.init_app(app, add_context_processor=False)  # templates use `me`
    login_manager.login_view = "accounts.login"
    login_manager.session_protection = "basic"
    login_manager.user_loader(_session_user)
    login_manager.request_loader(_token_user)
    app.before_request(load_identity)
