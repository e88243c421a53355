"""Redis away: the portal keeps serving, and its limits keep holding, counted in memory.

With the limiter storage on a closed port (nothing listens on 127.0.0.1:1) the log-in
throttle, the plan limit and the concurrent-request slots still refuse what they must, and
``/healthz`` says the storage is degraded; the ERROR is logged once, not once per request.
The flip tests (``PORTAL_TEST_REDIS_URL`` needed) put a TCP proxy between the app and a live
Redis and stop it mid-run, then start it again.
"""

from __future__ import annotations

import logging
import os
import time
import urllib.parse

import pytest
import redis

from portal.security.concurrency import LOCAL, RedisSlots, RedisSlotsWithFallback
from portal.security.limit_storage import StorageHealth
from tests.conftest import PASSWORD, LiveServer, bearer, login
from tests.support.http import SPANISH_429, burst, check_burst, get
from tests.support.slow_app import add_test_routes
from tests.support.tcp_proxy import TcpProxy

DEAD_REDIS = "redis://127.0.0.1:1/0"
ME = "/api/v1/me"
STORAGE_LOGGER = "portal.security.limit_storage"
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS_URL, reason="PORTAL_TEST_REDIS_URL is not set")


def storage_records(caplog, level: int) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == STORAGE_LOGGER and r.levelno == level
    ]


def remaining(response) -> int:
    return int(response.headers["X-RateLimit-Remaining"])


def test_redis_away_every_limit_holds_and_one_error_is_logged(make_app, make_user, caplog):
    app = make_app(RATELIMIT_STORAGE_URI=DEAD_REDIS)  # errors are not swallowed in tests
    client = app.test_client()
    owner = make_user(plan="FREE")
    victim = make_user(plan="FREE")
    with caplog.at_level(logging.WARNING):
        # The plan limit: FREE allows 60 a minute; the 61st is refused.
        answers = [client.get(ME, headers=bearer(owner)) for _ in range(61)]
        assert [a.status_code for a in answers] == [200] * 60 + [429]
        assert [remaining(a) for a in answers[:60]] == list(range(59, -1, -1))
        refused = answers[-1]
        assert refused.headers["X-RateLimit-Limit"] == "60"
        n = int(refused.headers["Retry-After"])
        assert 1 <= n <= 60
        assert refused.get_json()["error"] == SPANISH_429.format(n=n)

        # The log-in throttle: 10 guesses per account a minute, on the API and the page.
        guesses = [
            client.post("/api/v1/auth/token", json={"email": victim.email, "password": "nope"})
            for _ in range(11)
        ]
        assert [g.status_code for g in guesses] == [401] * 10 + [429]
        assert 1 <= int(guesses[-1].headers["Retry-After"]) <= 60
        page = login(client, victim.email, PASSWORD)  # even the right password waits
        assert page.status_code == 429
        assert 1 <= int(page.headers["Retry-After"]) <= 60

        # The health endpoint tells the load balancer, and still answers 200.
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.get_json() == {
            "status": "degraded",
            "database": "ok",
            "limiterStorage": "degraded (memory fallback)",
            "limiterStorageKind": "redis",
        }
    errors = storage_records(caplog, logging.ERROR)
    assert len(errors) == 1, errors  # ~80 requests, one line
    assert "redis://127.0.0.1:1/0 unreachable" in errors[0]
    assert not [
        r for r in caplog.records if r.levelno >= logging.ERROR and r.name != STORAGE_LOGGER
    ]


def test_redis_away_concurrency_stays_bounded(make_app, make_user, caplog):
    app = add_test_routes(
        make_app(RATELIMIT_STORAGE_URI=DEAD_REDIS, PROPAGATE_INTERNAL_ERRORS=False)
    )
    owner = make_user(plan="FREE")
    with caplog.at_level(logging.WARNING), LiveServer(app) as server:

        def slow():
            return get(
                server.url + "/api/v1/test-slow", params={"seconds": "1"}, headers=bearer(owner)
            )

        check_burst(burst(30, slow), allowed=10)  # 10 at once, counted in this process
        again = burst(10, lambda: get(server.url + ME, headers=bearer(owner)))
        assert [r.status_code for r in again] == [200] * 10  # every slot came back
    assert len(storage_records(caplog, logging.ERROR)) == 1


# --- Redis going away mid-run, and coming back ---------------------------------------------------


@pytest.fixture
def redis_proxy():
    target = urllib.parse.urlsplit(REDIS_URL)
    with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2) as direct:
        direct.ping()  # set but unreachable: fail, never skip
    with TcpProxy(target.hostname or "127.0.0.1", target.port or 6379) as proxy:
        proxy.url = f"redis://127.0.0.1:{proxy.port}{target.path or '/0'}"
        yield proxy


@needs_redis
def test_redis_dies_mid_run_then_comes_back(make_app, make_user, redis_proxy, caplog):
    app = make_app(RATELIMIT_STORAGE_URI=redis_proxy.url, LIMITER_FALLBACK_RETRY_SECONDS=0.2)
    client = app.test_client()
    owner, victim = make_user(plan="FREE"), make_user(plan="FREE")
    with caplog.at_level(logging.WARNING):
        first = [client.get(ME, headers=bearer(owner)) for _ in range(20)]
        assert [remaining(r) for r in first] == list(range(59, 39, -1))  # in Redis
        assert client.get("/healthz").get_json()["limiterStorage"] == "ok"

        redis_proxy.stop()  # Redis is gone: pooled connections closed, new ones refused
        away = [client.get(ME, headers=bearer(owner)) for _ in range(10)]
        assert [r.status_code for r in away] == [200] * 10
        # Counted from scratch in this process's memory (Redis's 20 cannot be read).
        assert [remaining(r) for r in away] == list(range(59, 49, -1))
        guesses = [
            client.post("/api/v1/auth/token", json={"email": victim.email, "password": "nope"})
            for _ in range(11)
        ]
        assert [g.status_code for g in guesses] == [401] * 10 + [429]
        health = client.get("/healthz")
        assert (health.status_code, health.get_json()["status"]) == (200, "degraded")

        redis_proxy.start()  # back on the same port
        time.sleep(0.3)  # past the 0.2 s back-off: the next call tries Redis again
        back = client.get(ME, headers=bearer(owner))
        assert remaining(back) == 39  # Redis's counter again: its 20, and this one
        assert client.get("/healthz").get_json() == {
            "status": "ok",
            "database": "ok",
            "limiterStorage": "ok",
            "limiterStorageKind": "redis",
        }
    assert len(storage_records(caplog, logging.ERROR)) == 1
    recovered = storage_records(caplog, logging.WARNING)
    assert len(recovered) == 1 and "answers again" in recovered[0]


@needs_redis
def test_slots_taken_in_redis_are_given_back_after_an_outage(redis_proxy):
    health = StorageHealth(redis_proxy.url, retry_after=0.2)
    slots = RedisSlotsWithFallback(RedisSlots(redis_proxy.url, ttl=180), health)
    key = "test-slots:" + os.urandom(6).hex()
    direct = redis.Redis.from_url(REDIS_URL)
    try:
        held = [slots.acquire(key, 3) for _ in range(3)]
        assert all(token not in (None, LOCAL) for token in held)
        assert slots.acquire(key, 3) is None  # shared and full
        assert direct.zcard(key) == 3
        assert 170 < direct.ttl(key) <= 180  # outlives the longest request allowed

        redis_proxy.stop()
        slots.release(key, held.pop())  # cannot reach Redis: remembered
        assert slots.acquire(key, 3) == LOCAL  # counted in memory meanwhile
        slots.release(key, LOCAL)
        assert not health.healthy

        redis_proxy.start()
        time.sleep(0.3)
        token = slots.acquire(key, 3)  # Redis again; the remembered slot is given back
        assert token not in (None, LOCAL)
        assert direct.zcard(key) == 3  # two held before, this one: the released one is gone
        for one in [*held, token]:
            slots.release(key, one)
        assert direct.zcard(key) == 0
    finally:
        direct.delete(key)
        direct.close()
