"""Locale selection: the user's preference, then the browser's, then ``PORTAL_DEFAULT_LOCALE``."""

from __future__ import annotations

import functools
from decimal import Decimal

from babel import Locale, numbers
from babel.lists import format_list
from flask import Flask, current_app, request, session
from flask_babel import (
    format_currency,
    format_date,
    format_datetime,
    format_decimal,
    get_locale,
)

from portal import resources
from portal.extensions import babel
from portal.security.identity import resolved_identity

LANGUAGE_NAMES = {"es": "Español", "en": "English"}


def supported_locales() -> tuple[str, ...]:
    return current_app.config["SUPPORTED_LOCALES"]


def select_locale() -> Locale:
    return _parsed(_locale_name())


@functools.cache
def _parsed(name: str) -> Locale:
    """flask-babel parses the selector's answer on every request unless it is a ``Locale``
    already; a handful of names, each parsed once."""
    return Locale.parse(name)


def _locale_name() -> str:
    user = resolved_identity()
    if user is not None and user.locale in supported_locales():
        return str(user.locale)
    if not request.path.startswith("/api/") and session.get("locale") in supported_locales():
        return session["locale"]
    best = request.accept_languages.best_match(supported_locales())
    return best or current_app.config["BABEL_DEFAULT_LOCALE"]


def select_time_zone() -> str | None:
    """Timestamps are shown on the wall clock of the caller's organisation."""
    user = resolved_identity()
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
        percent=percent,
    )


def percent(value: Decimal | int | str) -> str:
    """A rate given in percent ("5.20") as the locale writes it: "5,2 %", "5.2%"."""
    return numbers.format_percent(
        Decimal(value) / 100, locale=get_locale(), decimal_quantization=False
    )


def as_list(items: list[str]) -> str:
    """Names joined the reader's way: "Ana, Beto y Carla" / "Ana, Beto, and Carla"."""
    return format_list(items, locale=get_locale()) if items else ""
