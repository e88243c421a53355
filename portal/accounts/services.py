"""Sign-up, log-in and tokens: the rules shared by the pages and the API."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from babel.core import get_global
from babel.numbers import get_territory_currencies
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.db import conflicts, utcnow
from portal.errors import DuplicateEmail, InvalidCredentials, ValidationError
from portal.extensions import db
from portal.fiscal.countries import apply_country, default_currency, default_time_zone
from portal.fiscal.forms import INVALID_TAX_ID
from portal.fiscal.taxids import normalize_iban, normalize_tax_id
from portal.organization.forms import IBAN_INVALID
from portal.security.passwords import hash_password, needs_rehash, verify_password
from portal.security.roles import Plan, Role
from portal.security.throttle import check_login_attempt

DEFAULT_CURRENCY = "USD"  # no country given: as before countries existed
# What sign-up may set of the fiscal profile besides the country, currency and zone.
SIGNUP_PROFILE = frozenset(
    {"legal_name", "tax_id", "street", "postal_code", "city", "region", "iban"}
    | {"payment_terms_days"}
)


def email_taken(email: str) -> bool:
    return db.session.scalar(select(User.id).where(User.email == email.lower())) is not None


def fiscal_ids(country: str, tax_id: str, iban: str) -> tuple[str, str]:
    """The tax id (checked against ``country``) and IBAN as stored; ``ValidationError``
    naming ``tax_id`` and/or ``iban`` when they are not valid."""
    errors: dict[str, Any] = {}
    tax_id_kept = normalize_tax_id(country, tax_id or "")
    if tax_id_kept is None:
        errors["tax_id"] = INVALID_TAX_ID
    iban_kept = normalize_iban(iban or "")
    if iban_kept is None:
        errors["iban"] = IBAN_INVALID
    if errors:
        raise ValidationError(errors)
    return tax_id_kept or "", iban_kept or ""


def country_currency(country: str) -> str:
    """A new organisation's currency: the portal's choice for its countries, else the
    country's legal tender (babel), else US dollars (and with no country)."""
    if not country:
        return DEFAULT_CURRENCY
    tenders = get_territory_currencies(country)
    return default_currency(country) or (tenders[0] if tenders else DEFAULT_CURRENCY)


def country_zones(country: str) -> list[str]:
    """The IANA zones of a country (babel's CLDR data), its main one first when we know it."""
    zones = list(get_global("territory_zones").get(country, []))
    main = default_time_zone(country)
    return [main, *(z for z in zones if z != main)] if main else zones


def signup_time_zone(country: str, *, chosen: str | None, suggested: str, page: bool) -> str:
    """A new organisation's zone.

    The API: the ``timeZone`` sent, else the country's main zone, else ``suggested`` (the
    browser's language: es-AR → Buenos Aires). The page always posts a zone, the browser's
    own or the suggestion: it is kept when it lies in the chosen country (Canarias, Tijuana:
    more precise than the country), else the country's main zone wins.
    """
    zones = country_zones(country) if country else []
    if chosen and (not page or not zones or chosen in zones):
        return chosen
    return zones[0] if zones else suggested


def register(
    *,
    organization_name: str,
    name: str,
    email: str,
    password: str,
    locale: str,
    time_zone: str,
    country: str = "",
    currency: str | None = None,
    profile: Mapping[str, Any] | None = None,
) -> User:
    """Create an organisation on the FREE plan and its OWNER.

    The country sets the currency (unless ``currency`` is given), the tax table and the
    number series (``fiscal.countries.apply_country``); ``profile`` holds the rest of the
    fiscal profile typed at sign-up (``SIGNUP_PROFILE``), the tax id checked by country.
    """
    email = email.lower()
    if email_taken(email):
        raise DuplicateEmail()
    profile = dict(profile or {})
    unknown = set(profile) - SIGNUP_PROFILE
    if unknown:
        raise TypeError(f"not sign-up profile fields: {sorted(unknown)}")
    profile["tax_id"], profile["iban"] = fiscal_ids(
        country, profile.get("tax_id", ""), profile.get("iban", "")
    )
    organization = Organization(name=organization_name, locale=locale, plan=Plan.FREE)
    apply_country(
        organization, country, currency=currency or country_currency(country), time_zone=time_zone
    )
    for column, value in profile.items():
        setattr(organization, column, value)
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
