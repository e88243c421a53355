"""The limiter's storages: our fixed-window memory storage and Redis with a memory fallback.

Both are registered through ``limits``' documented extension point (a ``Storage`` subclass
with a ``STORAGE_SCHEME``), and use nothing private of ``limits``. The fallback tests here
need no Redis (a closed port stands for a Redis that is away); ``test_redis_away.py`` checks
the whole app, and flips a live Redis off and on again.
"""

from __future__ import annotations

import logging
import os
import threading
import time

import pytest
from limits import parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from portal.security.limit_storage import (
    FixedWindowMemoryStorage,
    RedisWithMemoryFallback,
    StorageHealth,
    limiter_storage_uri,
    redact,
    uses_fallback,
)

DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


# --- which storage a URI gets -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("uri", "mapped", "fallback"),
    [
        ("memory://", "portal+memory://", False),
        ("redis://127.0.0.1:6379/0", "portal+redis://127.0.0.1:6379/0", True),
        (
            "rediss://:pw@cache.example.com:6380/1",
            "portal+rediss://:pw@cache.example.com:6380/1",
            True,
        ),
        ("redis+unix:///run/redis.sock", "portal+redis+unix:///run/redis.sock", True),
        ("memcached://127.0.0.1:11211", "memcached://127.0.0.1:11211", False),
        ("redis+sentinel://h:26379/mymaster", "redis+sentinel://h:26379/mymaster", False),
    ],
)
def test_storage_uris(uri, mapped, fallback):
    assert limiter_storage_uri(uri) == mapped
    assert uses_fallback(uri) is fallback


def test_our_storages_come_from_limits_registry_not_from_its_memory_storage():
    memory = storage_from_string("portal+memory://")
    assert type(memory) is FixedWindowMemoryStorage
    assert isinstance(memory, Storage) and not isinstance(memory, MemoryStorage)
    fallback = storage_from_string("portal+redis://127.0.0.1:1/0")
    assert type(fallback) is RedisWithMemoryFallback
    assert not isinstance(fallback, MemoryStorage)


def test_the_app_counts_in_our_storages(make_app):
    memory = make_app(RATELIMIT_STORAGE_URI="memory://")
    assert type(memory.extensions["portal.limiter"].storage) is FixedWindowMemoryStorage
    redis = make_app(RATELIMIT_STORAGE_URI=DEAD_REDIS)  # no connection is made at start-up
    assert type(redis.extensions["portal.limiter"].storage) is RedisWithMemoryFallback


def test_only_the_fixed_window_strategy_is_offered():
    with pytest.raises(NotImplementedError):
        MovingWindowRateLimiter(FixedWindowMemoryStorage())


def test_passwords_never_reach_a_log_line():
    assert redact("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    assert redact("rediss://user:s3cret@cache:6380") == "rediss://user:***@cache:6380"
    assert redact("redis://cache:6379/0") == "redis://cache:6379/0"
    assert "s3cret" not in StorageHealth("redis://:s3cret@cache:6379/0").url


# --- the memory storage ------------------------------------------------------------------------


def test_fixed_window_counts_refuses_and_starts_afresh():
    clock = Clock()
    storage = FixedWindowMemoryStorage(clock=clock)
    limiter = FixedWindowRateLimiter(storage)
    three = parse("3 per 10 seconds")
    assert [limiter.hit(three, "user:1") for _ in range(4)] == [True, True, True, False]
    stats = limiter.get_window_stats(three, "user:1")
    assert stats.remaining == 0
    assert stats.reset_time == clock.now + 10
    assert limiter.hit(three, "user:2")  # another key, its own window
    clock.advance(9.999)
    assert not limiter.hit(three, "user:1")
    clock.advance(0.001)  # the window has ended
    assert limiter.hit(three, "user:1")
    assert limiter.get_window_stats(three, "user:1") == (clock.now + 10, 2)


def test_every_storage_method():
    clock = Clock()
    storage = FixedWindowMemoryStorage(clock=clock)
    assert storage.get("k") == 0
    assert storage.get_expiry("k") == clock.now  # no window: "now", like limits' own
    assert storage.incr("k", 60) == 1
    assert storage.incr("k", 60, amount=5) == 6
    assert storage.get("k") == 6
    assert storage.get_expiry("k") == clock.now + 60
    clock.advance(30)
    assert storage.incr("k", 60) == 7
    assert storage.get_expiry("k") == clock.now + 30  # a fixed window does not slide
    storage.clear("k")
    assert storage.get("k") == 0
    assert storage.incr("k", 60) == 1
    storage.incr("other", 60)
    assert storage.reset() == 2
    assert storage.get("k") == storage.get("other") == 0
    assert storage.check() is True


def test_the_count_and_the_windows_end_come_in_one_call():
    """``incr_with_expiry`` is ``incr`` then ``get_expiry`` in one call (one round trip on
    Redis): the count, and the window's end, which a later hit does not move."""
    clock = Clock()
    storage = FixedWindowMemoryStorage(clock=clock)
    assert storage.incr_with_expiry("k", 60) == (1, clock.now + 60)
    clock.advance(30)
    assert storage.incr_with_expiry("k", 60, amount=2) == (3, clock.now + 30)
    assert (storage.get("k"), storage.get_expiry("k")) == (3, clock.now + 30)


@pytest.mark.skipif(
    not os.environ.get("PORTAL_TEST_REDIS_URL"), reason="set PORTAL_TEST_REDIS_URL for Redis"
)
def test_redis_counts_and_tells_the_windows_end_in_one_round_trip():
    url = os.environ["PORTAL_TEST_REDIS_URL"]
    storage = storage_from_string("portal+" + url)
    key = f"test-one-trip-{os.getpid()}-{time.time_ns()}"
    storage.incr_with_expiry(f"{key}-warm", 1)  # Redis learns the script (EVALSHA, then LOAD)
    sent: list[str] = []
    client = storage.redis.get_connection()
    original = client.execute_command

    def spy(*args, **kwargs):
        sent.append(str(args[0]))
        return original(*args, **kwargs)

    client.execute_command = spy
    try:
        before = time.time()
        count, reset_at = storage.incr_with_expiry(key, 60)
        assert (count, len(sent)) == (1, 1), sent
        assert before + 59 <= reset_at <= time.time() + 60
        count, again = storage.incr_with_expiry(key, 60, amount=4)
        assert count == 5 and abs(again - reset_at) <= 1  # the window does not slide
        assert storage.get(key) == 5 and abs(storage.get_expiry(key) - reset_at) <= 1
    finally:
        client.execute_command = original
        storage.clear(key)


def test_ended_windows_are_forgotten_without_a_thread():
    clock = Clock()
    threads_before = threading.active_count()
    storage = FixedWindowMemoryStorage(clock=clock)
    for n in range(1000):
        storage.incr(f"ip:{n}", 60)
    storage.incr("long", 3600)
    assert storage.windows() == 1001
    assert threading.active_count() == threads_before  # no timer, no sweeper
    clock.advance(59)
    storage.incr("user:late", 60)
    assert storage.windows() == 1002  # nothing due yet
    clock.advance(1)
    storage.incr("user:late", 60)  # any hit drops what has ended
    assert storage.windows() == 2
    assert storage.get("long") == 1
    assert storage.get("user:late") == 2


def test_a_cleared_and_recreated_key_is_not_dropped_by_its_old_end():
    clock = Clock()
    storage = FixedWindowMemoryStorage(clock=clock)
    storage.incr("k", 10)
    storage.clear("k")
    clock.advance(5)
    storage.incr("k", 10)  # a new window ending at +15
    clock.advance(6)  # the old end (+10) is due
    storage.incr("other", 10)
    assert storage.get("k") == 1


def test_no_hit_is_lost_between_threads():
    storage = FixedWindowMemoryStorage()
    barrier = threading.Barrier(8)

    def hammer():
        barrier.wait()
        for _ in range(5000):
            storage.incr("user:1", 60)

    workers = [threading.Thread(target=hammer) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert storage.get("user:1") == 40_000


# --- Redis with the memory fallback, Redis away ----------------------------------------------


def dead_storage(clock: Clock, **health) -> RedisWithMemoryFallback:
    health_ = StorageHealth(DEAD_REDIS, clock=clock, **health)
    return storage_from_string("portal+" + DEAD_REDIS, health=health_)


def test_redis_away_counts_in_memory_and_logs_one_error_a_minute(caplog):
    clock = Clock()
    storage = dead_storage(clock)
    limiter = FixedWindowRateLimiter(storage)
    ten = parse("10 per minute")
    with caplog.at_level(logging.WARNING, logger="portal.security.limit_storage"):
        assert [limiter.hit(ten, "login:account:a") for _ in range(11)] == [True] * 10 + [False]
        assert storage.health.state == "degraded (memory fallback)"
        assert storage.check() is False
        clock.advance(5)  # Redis is tried again (and fails) every 5 s...
        assert not limiter.hit(ten, "login:account:a")
        clock.advance(54)
        assert not limiter.hit(ten, "login:account:a")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in caplog.records]
    message = errors[0].getMessage()
    assert "redis://127.0.0.1:1/0 unreachable" in message
    assert "ConnectionError" in message and "memory" in message

    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="portal.security.limit_storage"):
        clock.advance(1)  # a minute since the ERROR, but Redis is not tried until 5 s
        assert limiter.hit(ten, "login:account:b")  # after the last try (at 59 s)
        assert caplog.records == []
        clock.advance(4)  # tried again, fails: the next ERROR
        assert limiter.hit(ten, "login:account:b")
        for _ in range(20):
            limiter.hit(ten, "login:account:b")
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1
    assert "still unreachable after 64 s (3 failed attempts)" in errors[0].getMessage()


def test_while_redis_is_away_it_is_tried_once_per_back_off():
    clock = Clock()
    storage = dead_storage(clock, retry_after=5)
    tried = []
    real_incr = storage.redis.incr

    def counting_incr(*args, **kwargs):
        tried.append(clock.now)
        return real_incr(*args, **kwargs)

    storage.redis.incr = counting_incr
    for _ in range(50):
        storage.incr("k", 60)
        clock.advance(0.5)
    assert storage.get("k") == 50  # every hit counted, in memory
    assert len(tried) == 5  # at 0, 5, 10, 15, 20 s: not once per hit
    assert tried == [1_000_000.0 + 5 * n for n in range(5)]


def test_health_recovers_and_says_so_once(caplog):
    clock = Clock()
    health = StorageHealth(DEAD_REDIS, clock=clock, retry_after=5)
    assert health.healthy and health.usable()
    with caplog.at_level(logging.WARNING, logger="portal.security.limit_storage"):
        health.failed(ConnectionError("refused"))
        assert not health.usable()
        clock.advance(5)
        assert health.usable()  # this caller tries the store...
        assert not health.usable()  # ...and the others keep counting in memory meanwhile
        health.succeeded()
        assert health.healthy and health.state == "ok" and health.usable()
        health.succeeded()
    assert [r.levelname for r in caplog.records] == ["ERROR", "WARNING"]
    assert "answers again after 5 s" in caplog.records[1].getMessage()
