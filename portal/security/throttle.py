"""Request limits: per user by plan (or per IP when anonymous), and log-in guessing limits.

One application-wide limit per caller (``user:<id>`` whatever carries the identity, else
``ip:<addr>``) is counted on ``limits``' fixed window in the limiter storage: ``memory://``
for one process, Redis to share the counters between workers and hosts (with this process's
memory as a fallback while Redis is away, see ``limit_storage``). Every answer to a counted
request carries ``X-RateLimit-Limit``, ``-Remaining`` and ``-Reset``. Requests that match no
route (404, 405) are counted too; static files and ``/healthz`` are not.

The counting is ours, on ``limits`` directly (issue 16.1): flask-limiter did the same with
a decorator and exemption machinery the portal never used, at a third of an API read's
fixed cost, and asked the storage again for the figures of the headers. Here one ``incr``
counts the request and gives its remaining figure; only the reset time is asked for, after
the view, for the headers.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, cast

from flask import Flask, Response, current_app, g, request
from limits import RateLimitItem, parse
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter

from portal.errors import RateLimited
from portal.security.identity import current_identity
from portal.security.limit_storage import (
    FixedWindowMemoryStorage,
    RedisWithMemoryFallback,
    StorageHealth,
    limiter_storage_uri,
    uses_fallback,
)
from portal.security.plans import limits_for

log = logging.getLogger(__name__)

UNCOUNTED_ENDPOINTS = frozenset({"static", "health.healthz"})
# The storages that count and tell the window's end in one call (``incr_with_expiry``).
_COUNTS_WITH_EXPIRY = (FixedWindowMemoryStorage, RedisWithMemoryFallback)


@dataclass
class RequestLimiter:
    """The app's limiter: its storage, the fixed-window strategy on it, and its switch."""

    storage: Storage
    limiter: FixedWindowRateLimiter
    prefix: str
    enabled: bool
    initialized: bool = True


@dataclass(frozen=True)
class _Counted:
    """This request's count: its limit, its storage key and where it stands (and when its
    window ends, when the storage said so with the count)."""

    limit: RateLimitItem
    key: str
    remaining: int
    reset_at: float | None = None


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


def _uncounted() -> bool:
    return request.endpoint in UNCOUNTED_ENDPOINTS


def _limiter() -> RequestLimiter:
    return current_app.extensions["portal.limiter"]


@lru_cache(maxsize=256)
def _parsed(limit_text: str) -> RateLimitItem:
    return parse(limit_text)


def count_request() -> None:
    """``before_request``, once the caller is known: count this request against its limit,
    and refuse it (429) past the limit. A storage that fails lets the request through
    (``RATELIMIT_SWALLOW_ERRORS``, a WARNING in the log) unless told otherwise."""
    if _uncounted():
        return
    limiter = _limiter()
    limit = _parsed(plan_limit())
    key = limit.key_for(limiter.prefix, rate_limit_key())
    storage = limiter.storage
    reset_at: float | None = None
    try:
        if isinstance(storage, _COUNTS_WITH_EXPIRY):  # ours: one round trip for both
            count, reset_at = storage.incr_with_expiry(key, limit.get_expiry())
        else:
            count = storage.incr(key, limit.get_expiry())
    except Exception:
        if not current_app.config["RATELIMIT_SWALLOW_ERRORS"]:
            raise
        log.warning("rate-limit storage unavailable; request not counted", exc_info=True)
        return
    g.rate_limit = counted = _Counted(limit, key, max(0, limit.amount - count), reset_at)
    if count > limit.amount:
        figures = usage()
        retry_after = figures[2] - time.time() if figures else counted.limit.get_expiry()
        raise RateLimited(retry_after=math.ceil(retry_after))


def _hit(limit_text: str, key: str) -> None:
    limiter = _limiter()
    item = _parsed(limit_text)
    prefix = limiter.prefix
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
    counted: _Counted | None = g.get("rate_limit")
    if counted is None:
        return None
    if counted.reset_at is not None:
        return counted.limit.amount, counted.remaining, counted.reset_at
    try:
        reset_at = _limiter().storage.get_expiry(counted.key)
        return counted.limit.amount, counted.remaining, reset_at
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
    options: dict[str, Any] = {"health": health} if uses_fallback(url) else {}
    storage = cast(Storage, storage_from_string(limiter_storage_uri(url), **options))
    enabled = bool(app.config["RATELIMIT_ENABLED"])
    limiter = RequestLimiter(
        storage=storage,
        limiter=FixedWindowRateLimiter(storage),
        prefix=app.config["RATELIMIT_KEY_PREFIX"],
        enabled=enabled,
    )
    app.extensions["portal.limiter"] = limiter
    if enabled:
        app.before_request(count_request)
    app.after_request(_add_headers)
