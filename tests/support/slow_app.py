"""The portal with test-only routes, for the rate-limit tests (never part of the product).

``add_test_routes(app)`` adds a slow answer on the API and on the pages, optionally failing
on purpose after the wait (``?fail=400|403|404|500``), and an ``X-Worker-Pid`` header on
every response so a test can see which process answered. ``build()`` is the gunicorn entry
point: ``gunicorn "tests.support.slow_app:build()"``, configured by the ``PORTAL_*``
variables plus ``PORTAL_TEST_KEY_PREFIX`` (a limiter key prefix of the test's own, so that
a shared Redis is never flushed nor mixed up with anything else).
"""

from __future__ import annotations

import os
import time

from flask import Flask, request
from markupsafe import escape

from portal import create_app
from portal.envelope import ok
from portal.errors import Forbidden, NotFound, ValidationError
from portal.security.permissions import require

MAX_SECONDS = 5.0


def _work() -> dict:
    """Wait ``?seconds=`` (default 0.5), then answer or fail as ``?fail=`` asks."""
    seconds = min(max(float(request.args.get("seconds", "0.5")), 0.0), MAX_SECONDS)
    start = time.time()
    time.sleep(seconds)
    end = time.time()
    fail = request.args.get("fail")
    if fail == "400":
        raise ValidationError({"name": "failing on purpose"})
    if fail == "403":
        raise Forbidden(role="OWNER")
    if fail == "404":
        raise NotFound()
    if fail == "500":
        raise RuntimeError("failing on purpose")
    return {"start": start, "end": end, "pid": os.getpid()}


def add_test_routes(app: Flask) -> Flask:
    @app.after_request
    def worker_pid(response):
        response.headers["X-Worker-Pid"] = str(os.getpid())
        return response

    @app.get("/api/v1/test-slow")
    @require("portal.read")
    def test_slow_api():
        return ok("ok", _work())

    @app.get("/test-slow")
    @require("portal.read")
    def test_slow_page():
        return f"<!doctype html><p>{escape(_work())}</p>"

    return app


def build() -> Flask:
    overrides = {}
    prefix = os.environ.get("PORTAL_TEST_KEY_PREFIX")
    if prefix:
        overrides["RATELIMIT_KEY_PREFIX"] = prefix
    return add_test_routes(create_app(overrides))
