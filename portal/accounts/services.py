"""Sign-up, log-in and tokens: the rules shared by the pages and the API."""

from __future__ import annotations

from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.db import conflicts, utcnow
from portal.errors import DuplicateEmail, InvalidCredentials
from portal.extensions import db
from portal.security.passwords import hash_password, needs_rehash, verify_password
from portal.security.roles import Plan, Role
from portal.security.throttle import check_login_attempt

DEFAULT_CURRENCY = "USD"


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email.lower())) is not None


def register(
    *, organization_name: str, name: str, email: str, password: str, locale: str, time_zone: str
) -> User:
    """Create an organisation on the FREE plan and its OWNER."""
    email = email.lower()
    if email_taken(email):
        raise DuplicateEmail()
    organization = Organization(
        name=organization_name,
        locale=locale,
        time_zone=time_zone,
        currency=DEFAULT_CURRENCY,
        plan=Plan.FREE,
    )
    user = User(
        organization=organization,
        name=name,
        email=email,
        password_hash=hash_password(password),
        role=Role.OWNER,
        active=True,
    )
    with conflicts():
        db.session.add_all([organization, user])
    return user


def authenticate(email: str, password: str, *, client_address: str | None) -> User:
    """The active user with these credentials; counts the attempt against guessing, per
    account and per ``client_address``."""
    email = email.strip().lower()
    check_login_attempt(email, client_address)
    user = db.session.scalar(select(User).where(User.email == email))
    if not verify_password(user.password_hash if user else None, password):
        raise InvalidCredentials()
    if user is None or not user.active:
        raise InvalidCredentials()
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    db.session.flush()
    return user


def set_preferred_locale(user: User, locale: str) -> None:
    user.locale = locale
    db.session.flush()


def end_sessions(user: User) -> None:
    """Log the user out of every browser: their session cookies stop being accepted."""
    user.end_sessions()
    db.session.flush()
