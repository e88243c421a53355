"""Concurrent requests per user: a counted semaphore, in-process or shared through Redis.

A slot is taken in ``before_request`` and given back in ``teardown_request``, which Flask
runs on every exit path (errors, aborted streams). Slots in Redis also expire by themselves
(``REQUEST_TIMEOUT_SECONDS`` plus a margin: longer than any request may run), so a worker
that dies holding them cannot block its user for long. While Redis is away, slots are taken
in this process's memory (``LocalSlots``) and Redis is tried again every few seconds (the
``StorageHealth`` the limiter's storage uses, so one ERROR a minute covers both).
"""

from __future__ import annotations

import logging
import secrets
import threading
from collections import Counter, deque

from flask import Flask, current_app, g, request

from portal.errors import RateLimited
from portal.security.identity import current_identity
from portal.security.limit_storage import (
    PREFIX,
    StorageHealth,
    redis_client_options,
    uses_fallback,
)
from portal.security.plans import limits_for
from portal.security.throttle import UNCOUNTED_ENDPOINTS

log = logging.getLogger(__name__)
LOCAL = "local"  # the token of a slot held in this process (Redis tokens are 16 hex digits)
MAX_ORPHANS = 10_000

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


def slot_ttl(config) -> int:
    """Seconds a slot in Redis lives: the longest request allowed, and a margin."""
    return int(config["REQUEST_TIMEOUT_SECONDS"]) + int(config["SLOT_TTL_MARGIN_SECONDS"])


class LocalSlots:
    """For ``memory://`` (and Redis's fallback): one process, one counter per user."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: Counter[str] = Counter()

    def acquire(self, key: str, limit: int) -> str | None:
        with self._lock:
            if self._held[key] >= limit:
                return None
            self._held[key] += 1
            return LOCAL

    def release(self, key: str, token: str) -> None:
        with self._lock:
            self._held[key] -= 1
            if self._held[key] <= 0:
                del self._held[key]

    def held(self, key: str) -> int:
        with self._lock:
            return self._held[key]


class RedisSlots:
    """For ``redis://``: a sorted set per user shared by every worker and host."""

    def __init__(self, url: str, ttl: int) -> None:
        import redis

        self.errors = redis.RedisError
        self.ttl = ttl
        self._client = redis.Redis.from_url(url, **redis_client_options())
        self._acquire = self._client.register_script(_ACQUIRE)

    def acquire(self, key: str, limit: int) -> str | None:
        token = secrets.token_hex(8)
        return token if self._acquire(keys=[key], args=[self.ttl, limit, token]) == 1 else None

    def release(self, key: str, token: str) -> None:
        self._client.zrem(key, token)

    def release_many(self, slots: list[tuple[str, str]]) -> None:
        with self._client.pipeline(transaction=False) as pipe:
            for key, token in slots:
                pipe.zrem(key, token)
            pipe.execute()


class RedisSlotsWithFallback:
    """``RedisSlots`` while Redis answers, ``LocalSlots`` while it does not.

    A Redis slot that cannot be given back (Redis away at that moment) is remembered and
    given back once Redis answers again; it would expire by itself anyway.
    """

    def __init__(self, redis_slots: RedisSlots, health: StorageHealth) -> None:
        self.redis = redis_slots
        self.local = LocalSlots()
        self.health = health
        self._orphans: deque[tuple[str, str]] = deque(maxlen=MAX_ORPHANS)

    def acquire(self, key: str, limit: int) -> str | None:
        if self.health.usable():
            try:
                if self._orphans:
                    self._give_back_orphans()
                token = self.redis.acquire(key, limit)
            except self.redis.errors as exc:
                self.health.failed(exc)
            else:
                self.health.succeeded()
                return token
        return self.local.acquire(key, limit)

    def release(self, key: str, token: str) -> None:
        if token == LOCAL:
            self.local.release(key, token)
            return
        if self.health.usable():
            try:
                self.redis.release(key, token)
            except self.redis.errors as exc:
                self.health.failed(exc)
            else:
                self.health.succeeded()
                return
        self._orphans.append((key, token))

    def _give_back_orphans(self) -> None:
        orphans = []
        while self._orphans:
            try:
                orphans.append(self._orphans.popleft())
            except IndexError:  # another thread took the last one
                break
        try:
            self.redis.release_many(orphans)
        except self.redis.errors:
            self._orphans.extend(orphans)  # next time; they expire by themselves meanwhile
            raise


def _slots():
    return current_app.extensions["portal.slots"]


def take_slot() -> None:
    user = current_identity()
    if (
        user is None
        or request.endpoint in UNCOUNTED_ENDPOINTS
        or not current_app.config["RATELIMIT_ENABLED"]
    ):
        return
    limit = limits_for(user.organization).concurrent_requests
    key = f"{current_app.config['RATELIMIT_KEY_PREFIX']}:inflight:user:{user.public_id}"
    try:
        token = _slots().acquire(key, limit)
    except Exception:  # a storage without a fallback failed: serve, say so in the log
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
    slots: RedisSlotsWithFallback | LocalSlots
    if uses_fallback(url):
        redis_url = url.removeprefix(PREFIX)
        if redis_url.startswith("redis+unix://"):  # limits' spelling; redis-py's is unix://
            redis_url = "unix://" + redis_url.removeprefix("redis+unix://")
        health = app.extensions.get("portal.limiter_health") or StorageHealth(url)
        slots = RedisSlotsWithFallback(RedisSlots(redis_url, slot_ttl(app.config)), health)
    else:
        slots = LocalSlots()
    app.extensions["portal.slots"] = slots
    app.before_request(take_slot)
    app.teardown_request(give_slot_back)
