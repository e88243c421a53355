"""Limits against guessing: log-in and token requests, per IP and per account."""

from __future__ import annotations

import logging
import math
import time

from flask import Flask, current_app, request
from flask_limiter import Limiter
from limits import parse

from portal.errors import RateLimited

log = logging.getLogger(__name__)


def client_key() -> str:
    """flask-limiter's key: never empty (an empty key silently disables a limit)."""
    return f"ip:{request.remote_addr or 'unknown'}"


def _hit(limit_text: str, key: str) -> None:
    limiter: Limiter = current_app.extensions["portal.limiter"]
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


def check_login_attempt(email: str) -> None:
    """Count one log-in attempt; 429 once the IP or the account has had too many."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    _hit(current_app.config["LOGIN_LIMIT_PER_IP"], f"login:{client_key()}")
    _hit(current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], f"login:account:{email.strip().lower()}")


def configure_rate_limits(app: Flask) -> None:
    # One Limiter per app: a module-level one keeps the first app's storage and switch.
    limiter = Limiter(key_func=client_key)
    limiter.init_app(app)
    app.extensions["portal.limiter"] = limiter
