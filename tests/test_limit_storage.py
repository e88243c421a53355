"""The limiter's memory storage: our own fixed-window counters.

Registered through ``limits``' documented extension point (a ``Storage`` subclass with a
``STORAGE_SCHEME``); nothing private of ``limits`` is used.
"""

from __future__ import annotations

import threading

import pytest
from limits import parse
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter, MovingWindowRateLimiter

from portal.security.limit_storage import FixedWindowMemoryStorage, limiter_storage_uri


class Clock:
    def __init__(self, now: float = 1_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(
    ("uri", "mapped"),
    [
        ("memory://", "portal+memory://"),
        ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
        ("memcached://127.0.0.1:11211", "memcached://127.0.0.1:11211"),
    ],
)
def test_storage_uris(uri, mapped):
    assert limiter_storage_uri(uri) == mapped


def test_our_storage_comes_from_limits_registry_not_from_its_memory_storage():
    memory = storage_from_string("portal+memory://")
    assert type(memory) is FixedWindowMemoryStorage
    assert isinstance(memory, Storage) and not isinstance(memory, MemoryStorage)


def test_the_app_counts_memory_limits_in_our_storage(make_app):
    app = make_app(RATELIMIT_STORAGE_URI="memory://")
    assert type(app.extensions["portal.limiter"].storage) is FixedWindowMemoryStorage


def test_only_the_fixed_window_strategy_is_offered():
    with pytest.raises(NotImplementedError):
        MovingWindowRateLimiter(FixedWindowMemoryStorage())


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
