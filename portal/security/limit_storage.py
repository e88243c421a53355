"""Storages for the rate limits, registered through ``limits``' own extension point.

``limits`` finds a storage class by the scheme of its URI (every subclass of
``limits.storage.Storage`` with a ``STORAGE_SCHEME`` is registered), and ``throttle`` builds
its storage from that URI. ``limiter_storage_uri`` maps the operator's setting onto ours:

- ``memory://`` → ``portal+memory://``: ``FixedWindowMemoryStorage``, a fixed-window counter
  per key in a dict, one lock, expired keys dropped lazily from the callers' own threads (no
  timer thread: limits' ``MemoryStorage`` restarts one on nearly every hit);
- ``redis://``, ``rediss://``, ``redis+unix://`` → ``portal+…``: ``RedisWithMemoryFallback``,
  limits' ``RedisStorage`` while Redis answers, and this process's memory while it does not
  (retried every few seconds, one ERROR a minute at most), so that the log-in throttle and
  the plan limits stay bounded when Redis is away;
- anything else as it is (limits' own storages, without a fallback).

Only what the fixed-window strategy needs is implemented (the one the portal uses): a
moving-window or sliding-window strategy refuses these storages when the limiter starts.
"""

from __future__ import annotations

import heapq
import logging
import threading
import time
import urllib.parse
from collections.abc import Callable
from typing import Any, TypeVar

from limits.storage import RedisStorage, Storage

log = logging.getLogger(__name__)
T = TypeVar("T")

REDIS_SCHEMES = ("redis", "rediss", "redis+unix")
PREFIX = "portal+"


def redis_client_options() -> dict[str, Any]:
    """redis-py settings that fail fast: redis-py 8 retries a failed command 10 times with
    back-off (seconds per call); our fallback needs an answer or an error at once. One
    immediate retry survives a pooled connection that Redis closed (a restart)."""
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    return {"socket_connect_timeout": 1, "socket_timeout": 1, "retry": Retry(NoBackoff(), 1)}


def limiter_storage_uri(uri: str) -> str:
    """Our storages for ``memory://`` and Redis; any other URI as it is."""
    scheme = uri.partition("://")[0]
    if scheme == "memory":
        return PREFIX + uri
    if scheme in REDIS_SCHEMES:
        return PREFIX + uri
    return uri


def uses_fallback(uri: str) -> bool:
    """Whether ``limiter_storage_uri(uri)`` is Redis with the in-memory fallback."""
    return limiter_storage_uri(uri).partition("://")[0] in {PREFIX + s for s in REDIS_SCHEMES}


def redact(url: str) -> str:
    """The URL without its password, fit for a log line or a health answer."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    user = f"{parts.username}:***@" if parts.username else ":***@"
    return urllib.parse.urlunsplit(parts._replace(netloc=user + host))


class FixedWindowMemoryStorage(Storage):
    """Fixed-window counters of one process: ``key → [count, expires at]``.

    Every change is made under one ``threading.Lock``. Windows that have ended are forgotten lazily:
    each new window pushes its end on a heap, and every ``incr`` pops the ends that have
    passed (O(log n) per window, O(1) when nothing is due), so nothing grows without bound
    and no thread is started.
    """

    STORAGE_SCHEME = ["portal+memory"]

    def __init__(
        self,
        uri: str | None = None,
        wrap_exceptions: bool = False,
        clock: Callable[[], float] = time.time,
        **options: Any,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        self._clock = clock  # Unix time: limits reports a window's end as a Unix time
        self._lock = threading.Lock()
        self._windows: dict[str, list] = {}  # key -> [count, expires_at]
        self._ends: list[tuple[float, str]] = []  # heap of (expires_at, key)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return ValueError  # nothing here talks to a server

    def _forget_ended(self, now: float) -> None:
        ends, windows = self._ends, self._windows
        while ends and ends[0][0] <= now:
            expires_at, key = heapq.heappop(ends)
            window = windows.get(key)
            if window is not None and window[1] == expires_at:
                del windows[key]

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        now = self._clock()
        with self._lock:
            if self._ends and self._ends[0][0] <= now:
                self._forget_ended(now)
            window = self._windows.get(key)
            if window is None or window[1] <= now:
                expires_at = now + expiry
                self._windows[key] = [amount, expires_at]
                heapq.heappush(self._ends, (expires_at, key))
                return amount
            window[0] += amount
            return window[0]

    def incr_with_expiry(self, key: str, expiry: float, amount: int = 1) -> tuple[int, float]:
        """``incr``, and the Unix time its window ends (what ``get_expiry`` would say): one
        call of the storage, whose two parts are this class's own, not what an instance's
        attributes may have been replaced by."""
        count = FixedWindowMemoryStorage.incr(self, key, expiry, amount)
        return count, FixedWindowMemoryStorage.get_expiry(self, key)

    # Reads take no lock: one dict lookup and two reads of a list that only ``incr`` changes
    # (its count, in place) are each atomic, and a count read a moment early is what a
    # locked read just before that ``incr`` would have returned.

    def get(self, key: str) -> int:
        window = self._windows.get(key)
        return window[0] if window is not None and window[1] > self._clock() else 0

    def get_expiry(self, key: str) -> float:
        now = self._clock()
        window = self._windows.get(key)
        return window[1] if window is not None and window[1] > now else now

    def clear(self, key: str) -> None:
        with self._lock:
            self._windows.pop(key, None)  # its heap entry no longer matches: skipped later

    def reset(self) -> int | None:
        with self._lock:
            count = len(self._windows)
            self._windows.clear()
            self._ends.clear()
            return count

    def check(self) -> bool:
        return True

    def windows(self) -> int:
        """Windows held (ended ones not yet forgotten included). Not ``__len__``: an empty
        storage must stay truthy (a limiter may test ``if storage``)."""
        return len(self._windows)


class StorageHealth:
    """Whether the shared store answers; one per app, shared by the limiter and the slots.

    After a failure the store is left alone for ``retry_after`` seconds (callers count in
    memory meanwhile), then one caller tries it again. An ERROR is logged at most once every
    ``log_every`` seconds however many calls fail, and one WARNING when it answers again.
    """

    def __init__(
        self,
        url: str,
        *,
        retry_after: float = 5.0,
        log_every: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = redact(url)
        self.retry_after = retry_after
        self.log_every = log_every
        self._clock = clock
        self._lock = threading.Lock()
        self._down_since: float | None = None
        self._retry_at = 0.0
        self._logged_at: float | None = None
        self._failures = 0  # since the last ERROR

    @property
    def healthy(self) -> bool:
        return self._down_since is None

    @property
    def state(self) -> str:
        return "ok" if self.healthy else "degraded (memory fallback)"

    def usable(self) -> bool:
        """Try the store now? Always while it is up; once every ``retry_after`` while down
        (the caller that gets True is the one that tries it)."""
        if self._down_since is None:
            return True
        now = self._clock()
        if now < self._retry_at:
            return False
        with self._lock:
            if self._down_since is None:
                return True
            if now < self._retry_at:
                return False
            self._retry_at = now + self.retry_after
            return True

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            down_for = self._clock() - self._down_since
            said_so = self._logged_at is not None and self._logged_at >= self._down_since
            self._down_since = None
            self._failures = 0
        if said_so:
            log.warning(
                "rate-limit storage %s answers again after %.0f s; "
                "counting in it again (counts taken in memory meanwhile stay per process)",
                self.url,
                down_for,
            )

    def failed(self, exc: BaseException) -> None:
        now = self._clock()
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = now
            self._retry_at = now + self.retry_after
            self._failures += 1
            due = self._logged_at is None or now - self._logged_at >= self.log_every
            if not due:
                return
            failures, self._failures, self._logged_at = self._failures, 0, now
            down_for = now - (self._down_since or now)
        if first:
            what = "unreachable"
        else:
            what = f"still unreachable after {down_for:.0f} s ({failures} failed attempts)"
        log.error(
            "rate-limit storage %s %s (%s: %s): the log-in throttle, the plan limits and the "
            "concurrent-request slots count in this process's memory until it answers "
            "(tried again every %g s)",
            self.url,
            what,
            type(exc).__name__,
            exc,
            self.retry_after,
        )

    def attempt(self, primary: Callable[[], T], fallback: Callable[[], T], errors) -> T:
        """``primary()`` while the store answers, else (or when it fails now) ``fallback()``."""
        if self.usable():
            try:
                result = primary()
            except errors as exc:
                self.failed(exc)
            else:
                self.succeeded()
                return result
        return fallback()


# limits' ``incr_expire`` script, answering the key's TTL too: the counter and the reset time
# of the headers in one round trip instead of two. KEYS[1] = the key; ARGV = expiry, amount.
_INCR_TTL = b"""
local current = redis.call('INCRBY', KEYS[1], tonumber(ARGV[2]))
if current == tonumber(ARGV[2]) then
  redis.call('EXPIRE', KEYS[1], ARGV[1])
end
return {current, redis.call('TTL', KEYS[1])}
"""


class RedisWithMemoryFallback(Storage):
    """limits' ``RedisStorage`` while Redis answers, ``FixedWindowMemoryStorage`` when not.

    The counts kept in memory while Redis is away are this process's own (with several
    workers each allows the limit); when Redis answers again, counting goes back to it.
    ``health`` (a ``StorageHealth``) is passed through the storage's options so
    that the concurrency slots and ``/healthz`` share it.
    """

    STORAGE_SCHEME = [PREFIX + scheme for scheme in REDIS_SCHEMES]

    def __init__(
        self,
        uri: str,
        wrap_exceptions: bool = False,
        health: StorageHealth | None = None,
        **options: Any,
    ) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions)
        url = uri.removeprefix(PREFIX)
        self.redis = RedisStorage(url, **{**redis_client_options(), **options})
        self.memory = FixedWindowMemoryStorage()
        self.health = health or StorageHealth(url)
        self._errors = self.redis.base_exceptions
        self._incr_ttl = self.redis.get_connection().register_script(_INCR_TTL)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return self._errors

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self.health.attempt(
            lambda: self.redis.incr(key, expiry, amount),
            lambda: self.memory.incr(key, expiry, amount),
            self._errors,
        )

    def incr_with_expiry(self, key: str, expiry: int, amount: int = 1) -> tuple[int, float]:
        """``incr`` and ``get_expiry`` in one round trip: the count, and the Unix time the
        window ends (Redis's own ``TTL`` of the key, as ``get_expiry`` reads it)."""
        return self.health.attempt(
            lambda: self._incr_with_expiry(key, expiry, amount),
            lambda: self.memory.incr_with_expiry(key, expiry, amount),
            self._errors,
        )

    def _incr_with_expiry(self, key: str, expiry: int, amount: int) -> tuple[int, float]:
        count, ttl = self._incr_ttl([self.redis.prefixed_key(key)], [expiry, amount])
        return int(count), max(int(ttl), 0) + time.time()

    def get(self, key: str) -> int:
        return self.health.attempt(
            lambda: self.redis.get(key), lambda: self.memory.get(key), self._errors
        )

    def get_expiry(self, key: str) -> float:
        return self.health.attempt(
            lambda: self.redis.get_expiry(key), lambda: self.memory.get_expiry(key), self._errors
        )

    def clear(self, key: str) -> None:
        self.memory.clear(key)
        self.health.attempt(lambda: self.redis.clear(key), lambda: None, self._errors)

    def reset(self) -> int | None:
        in_memory = self.memory.reset() or 0
        in_redis = self.health.attempt(self.redis.reset, lambda: 0, self._errors)
        return max(in_memory, in_redis or 0)

    def check(self) -> bool:
        """Whether Redis answers (a PING, unless it failed a moment ago)."""
        return self.health.attempt(
            lambda: bool(self.redis.get_connection().ping()), lambda: False, self._errors
        )
