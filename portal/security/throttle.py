"""Request limits: per user by plan (or per IP when anonymous), and log-in guessing limits.

flask-limiter counts one application-wide limit per caller (``user:<id>`` whatever carries
the identity, else ``ip:<addr>``) in the limiter storage: ``memory://`` for one process,
Redis to share the counters between workers and hosts (with this process's memory as a
fallback while Redis is away, see ``limit_storage``). Every answer to a counted request
carries ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset``. Requests that match no route
(404, 405) are counted too; static files and ``/healthz`` are not.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Any, cast

from flask import Flask, Response, current_app, request
from flask_limiter import Limiter, RateLimitExceeded
from limits import parse

from portal.errors import RateLimited, render_error
from portal.security.identity import current_identity
from portal.security.limit_storage import StorageHealth, limiter_storage_uri, uses_fallback
from portal.security.plans import limits_for

log = logging.getLogger(__name__)

UNCOUNTED_ENDPOINTS = frozenset({"static", "health.healthz"})
UNROUTED = "unrouted"  # what flask-limiter sees as the endpoint of a routing 404 or 405


def rate_limit_key() -> str:
    """The caller's counter. Never empty: an empty key silently disables a limit."""
    user = current_identity()
    if user is not None:
        return f"user:{user.public_id}"
    return f"ip:{request.remote_addr or 'unknown'}"


def plan_limit() -> str:
    """The caller's limit: the organisation's plan, or the anonymous one per IP."""
    user = current_identity()
    if user is None:
        return current_app.config["ANONYMOUS_RATE_LIMIT"]
    return f"{limits_for(user.organization).requests_per_minute} per minute"


def _request_identifier() -> str:
    """flask-limiter skips a request whose endpoint is empty: a routing 404 or 405 would go
    uncounted and without headers. Name those so they count like any other request."""
    return request.endpoint or UNROUTED


def _uncounted() -> bool:
    return request.endpoint in UNCOUNTED_ENDPOINTS


def _limiter() -> Limiter:
    return current_app.extensions["portal.limiter"]


def _hit(limit_text: str, key: str) -> None:
    limiter = _limiter()
    item = parse(limit_text)
    prefix = current_app.config["RATELIMIT_KEY_PREFIX"]
    try:
        allowed = limiter.limiter.hit(item, prefix, key)
        if allowed:
            return
        reset_at = limiter.limiter.get_window_stats(item, prefix, key).reset_time
    except Exception:
        if not current_app.config["RATELIMIT_SWALLOW_ERRORS"]:
            raise
        log.warning("rate-limit storage unavailable; log-in throttle skipped", exc_info=True)
        return
    raise RateLimited(retry_after=math.ceil(reset_at - time.time()))


def check_login_attempt(email: str, client_address: str | None) -> None:
    """Count one log-in attempt; 429 once the IP or the account has had too many."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    ip = f"ip:{client_address or 'unknown'}"
    _hit(current_app.config["LOGIN_LIMIT_PER_IP"], f"login:{ip}")
    _hit(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], f"login:account:{email.strip().lower()}")


def usage() -> tuple[int, int, float] | None:
    """(limit, remaining, reset unix time) of this request's counter, if one was counted."""
    try:
        current = _limiter().current_limit
        if current is None:
            return None
        return current.limit.amount, max(0, current.remaining), current.window.reset_time
    except Exception:
        log.warning("rate-limit storage unavailable; no usage to report", exc_info=True)
        return None


def _add_headers(response: Response) -> Response:
    figures = usage()
    if figures is not None:
        limit, remaining, reset_at = figures
        response.headers["X-RateLimit-Limit"] = str(limit)
        response.headers["X-RateLimit-Remaining"] = str(remaining)
        response.headers["X-RateLimit-Reset"] = str(math.ceil(reset_at))
    return response


def _exceeded(exc: RateLimitExceeded):
    figures = usage()
    retry_after = figures[2] - time.time() if figures else 60
    return render_error(RateLimited(retry_after=math.ceil(retry_after)))


def storage_status() -> tuple[str, str]:
    """(state, kind) of the limiter storage for ``/healthz``: state ``ok``, ``degraded
    (memory fallback)`` (Redis away, counting in memory), ``error`` or ``disabled``."""
    url = current_app.config["RATELIMIT_STORAGE_URI"]
    kind = url.partition("://")[0]
    limiter = _limiter()
    if not (limiter.enabled and limiter.initialized):
        return "disabled", kind
    try:
        answers = limiter.storage.check()  # with the fallback: a PING, unless Redis just failed
    except Exception:
        log.warning("rate-limit storage check failed", exc_info=True)
        answers = False
    if uses_fallback(url):
        return current_app.extensions["portal.limiter_health"].state, kind
    return ("ok" if answers else "error"), kind


def configure_rate_limits(app: Flask) -> None:
    url = app.config["RATELIMIT_STORAGE_URI"]
    # One per app, shared by the limiter's storage, the concurrency slots and /healthz.
    health = StorageHealth(
        url,
        retry_after=app.config["LIMITER_FALLBACK_RETRY_SECONDS"],
        log_every=app.config["LIMITER_FALLBACK_LOG_SECONDS"],
    )
    app.extensions["portal.limiter_health"] = health
    # One Limiter per app: a module-level one keeps the first app's storage and switch.
    limiter = Limiter(
        key_func=rate_limit_key,
        storage_uri=limiter_storage_uri(url),
        storage_options=cast(dict[str, Any], {"health": health} if uses_fallback(url) else {}),
        application_limits=[plan_limit],
        application_limits_exempt_when=_uncounted,
        request_identifier=_request_identifier,
    )
    limiter.init_app(app)
    app.extensions["portal.limiter"] = limiter
    app.after_request(_add_headers)
    app.register_error_handler(RateLimitExceeded, _exceeded)
