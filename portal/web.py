"""Small helpers shared by the HTML views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, has_request_context, request, url_for

from portal.db import SAFE_METHODS


def safe_next(target: str | None, default_endpoint: str = "dashboard.index") -> str:
    """``target`` if it is a path on this site, else the default page (no open redirects)."""
    if target:
        target = target.strip()
        parts = urlsplit(target)
        if (
            target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
            and not parts.scheme
            and not parts.netloc
            and not any(ord(ch) < 32 for ch in target)
        ):
            return target
    return url_for(default_endpoint)


def read_body_first() -> None:
    """``before_request``, first of all: read a write request's whole body.

    On SQLite a write request takes the database's write lock with its first query; reading
    the body before that means a client that sends it slowly keeps only its own worker
    busy, never the lock. Bodies are capped by ``MAX_CONTENT_LENGTH`` (413 beyond).
    """
    if request.method not in SAFE_METHODS:
        request.get_data(cache=True, parse_form_data=True)


def refusals_go_back(target: Callable[..., str]) -> Callable:
    """A page action whose refusal (a 4xx other than 404) is shown as a message on the page
    ``target(**view_args)`` names, after the request's changes were rolled back."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            g.refusal_target = target(**kwargs)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def external_url(endpoint: str, **values: Any) -> str:
    """An absolute address for people outside (public links), built from ``PORTAL_BASE_URL``
    and never from the request's ``Host`` header, which a client chooses. Works outside a
    request too (the scheduler's reminders and recurring invoices)."""
    if has_request_context():
        path = url_for(endpoint, **values)
    else:
        path = current_app.url_map.bind("localhost").build(endpoint, values)
    return current_app.config["BASE_URL"] + path


def suggested_time_zone() -> str:
    """A new organisation's zone when the person did not choose one: the country of the
    browser's language (``es-MX``), else ``PORTAL_DEFAULT_TIME_ZONE``."""
    from portal.organization.countries import suggested_time_zone as suggest

    languages = [tag for tag, _quality in request.accept_languages]
    return suggest(languages, current_app.config["DEFAULT_TIME_ZONE"])
