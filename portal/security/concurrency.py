"""Concurrent requests per user: a counted semaphore, in-process or shared through Redis.

A slot is taken in ``before_request`` and given back in ``teardown_request``, which Flask
runs on every exit path (errors, aborted streams). Slots in Redis also expire by themselves
(``SLOT_TTL``), so a worker that dies holding them cannot block its user for long.
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import Counter

from flask import Flask, current_app, g, request

from portal.errors import RateLimited
from portal.security.identity import current_identity
from portal.security.plans import limits_for

log = logging.getLogger(__name__)
SLOT_TTL = 60  # seconds; longer than any request may run (gunicorn's timeout is 30)

# KEYS[1] = the user's slot set; ARGV = ttl, limit, token. The server's clock scores slots.
_ACQUIRE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t - tonumber(ARGV[1]))
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], t, ARGV[3])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[1]))
return 1
"""


class LocalSlots:
    """For ``memory://``: one process, one counter per user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()

    def acquire(self, key: str, limit: int) -> str | None:
        with self._lock:
            if self._held[key] >= limit:
                return None
            self._held[key] += 1
            return key

    def release(self, key: str, token: str) -> None:
        with self._lock:
            self._held[key] -= 1
            if self._held[key] <= 0:
                del self._held[key]


class RedisSlots:
    """For ``redis://``: a sorted set per user shared by every worker and host."""

    def __init__(self, url: str) -> None:
        import redis

        self._client = redis.Redis.from_url(url, socket_timeout=1, socket_connect_timeout=1)
        self._acquire = self._client.register_script(_ACQUIRE)

    def acquire(self, key: str, limit: int) -> str | None:
        token = secrets.token_hex(8)
        return token if self._acquire(keys=[key], args=[SLOT_TTL, limit, token]) == 1 else None

    def release(self, key: str, token: str) -> None:
        self._client.zrem(key, token)


def _slots():
    return current_app.extensions["portal.slots"]


def take_slot() -> None:
    user = current_identity()
    if user is None or request.endpoint == "static" or not current_app.config["RATELIMIT_ENABLED"]:
        return
    limit = limits_for(user.organization).concurrent_requests
    key = f"{current_app.config['RATELIMIT_KEY_PREFIX']}:inflight:user:{user.public_id}"
    try:
        token = _slots().acquire(key, limit)
    except Exception:  # Redis away: serve the request, say so in the log
        if not current_app.config["RATELIMIT_SWALLOW_ERRORS"]:
            raise
        log.warning("concurrency storage unavailable; request served unlimited", exc_info=True)
        return
    if token is None:
        raise RateLimited(retry_after=1)
    g.inflight_slot = (key, token)


def give_slot_back(_exc: BaseException | None = None) -> None:
    slot = g.pop("inflight_slot", None)
    if slot is None:
        return
    try:
        _slots().release(*slot)
    except Exception:
        log.warning("could not release a concurrency slot; it expires by itself", exc_info=True)


def configure_concurrency(app: Flask) -> None:
    url = app.config["RATELIMIT_STORAGE_URI"]
    app.extensions["portal.slots"] = (
        RedisSlots(url) if url.startswith(("redis://", "rediss://")) else LocalSlots()
    )
    app.before_request(take_slot)
    app.teardown_request(give_slot_back)
