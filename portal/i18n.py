"""Locale selection: the user's preference, then the browser's, then ``PORTAL_DEFAULT_LOCALE``."""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from flask_babel import format_currency, format_date, format_datetime, format_decimal

from portal import resources
from portal.extensions import babel

LANGUAGE_NAMES = {"es": "Español", "en": "English"}


def supported_locales() -> tuple[str, ...]:
    return current_app.config["SUPPORTED_LOCALES"]


def select_locale() -> str:
    # ``_login_user`` is set by security.identity before anything is translated; reading
    # it (not flask-login's proxy) never loads a cookie identity onto an API request.
    user = g.get("_login_user")
    if user is not None and getattr(user, "locale", None) in supported_locales():
        return user.locale
    if not request.path.startswith("/api/") and session.get("locale") in supported_locales():
        return session["locale"]
    best = request.accept_languages.best_match(supported_locales())
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_time_zone() -> str | None:
    """Timestamps are shown on the wall clock of the caller's organisation."""
    user = g.get("_login_user")
    organization = getattr(user, "organization", None)
    return organization.time_zone if organization is not None else None


def configure_i18n(app: Flask) -> None:
    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_time_zone,
        default_translation_directories=str(resources.TRANSLATIONS),
    )
    app.jinja_env.globals.update(
        LANGUAGE_NAMES=LANGUAGE_NAMES,
        format_currency=format_currency,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
    )
