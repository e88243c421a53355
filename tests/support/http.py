"""Real-HTTP helpers for the rate-limit tests: requests, bursts, headers and 429 checks."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import requests

TIMEOUT = 30


class Plural:
    """A message with a singular and a plural form: ``.format(n=…)`` picks the right one."""

    def __init__(self, one: str, other: str) -> None:
        self.one, self.other = one, other

    def format(self, n: int) -> str:
        return (self.one if n == 1 else self.other).format(n=n)


SPANISH_429 = Plural(
    "Demasiadas solicitudes; reintenta en {n} segundo",
    "Demasiadas solicitudes; reintenta en {n} segundos",
)
ENGLISH_429 = Plural(
    "Too many requests; retry in {n} second", "Too many requests; retry in {n} seconds"
)


def get(url: str, **kwargs) -> requests.Response:
    """One request on a connection of its own (closed afterwards), redirects not followed."""
    with requests.Session() as session:
        return session.get(url, timeout=TIMEOUT, allow_redirects=False, **kwargs)


def rate_headers(response: requests.Response) -> tuple[int, int, int]:
    """(limit, remaining, reset) after checking that the three headers are there and sane."""
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"):
        assert re.fullmatch(r"\d+", response.headers.get(name, "")), (name, response.headers)
    limit = int(response.headers["X-RateLimit-Limit"])
    remaining = int(response.headers["X-RateLimit-Remaining"])
    reset = int(response.headers["X-RateLimit-Reset"])
    now = time.time()
    # Unix seconds, in the future, within this minute's window (rounded up to a second).
    assert now < reset <= now + 61, (reset, now)
    assert 0 <= remaining < limit
    return limit, remaining, reset


def assert_rate_limited_json(response: requests.Response, template: Plural = SPANISH_429) -> int:
    """A 429 in the envelope whose message names the same N as ``Retry-After``; returns N."""
    assert response.status_code == 429, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    retry = response.headers.get("Retry-After", "")
    assert re.fullmatch(r"\d+", retry), response.headers
    n = int(retry)
    assert 1 <= n <= 60
    body = response.json()
    assert body["success"] is False and body["data"] is None
    assert body["code"] == "RATE_LIMITED"
    assert body["error"] == template.format(n=n)
    assert body["message"] == template.format(n=n)
    return n


def max_overlap(intervals: list[tuple[float, float]]) -> int:
    """The most intervals open at the same instant (at a tie, an end comes before a start)."""
    events = sorted([(start, 1) for start, _ in intervals] + [(end, -1) for _, end in intervals])
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


def burst(n: int, call: Callable[[], requests.Response]) -> list[requests.Response]:
    """``n`` calls released at the same instant, each on a thread and connection of its own."""
    barrier = threading.Barrier(n, timeout=TIMEOUT)

    def one(_):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(one, range(n)))


def check_burst(responses: list[requests.Response], allowed: int) -> list[requests.Response]:
    """No 5xx; some 429s, each with ``Retry-After: 1``; never more than ``allowed`` served at
    once, yet at least ``allowed`` served (whoever took a slot first). Returns the 429s."""
    statuses = [r.status_code for r in responses]
    assert not [s for s in statuses if s >= 500], statuses
    assert set(statuses) <= {200, 429}, statuses
    refused = [r for r in responses if r.status_code == 429]
    assert refused, f"no request of the burst was refused: {statuses}"
    for response in refused:
        assert response.headers["Retry-After"] == "1"
        assert assert_rate_limited_json(response) == 1
    served = [r.json()["data"] for r in responses if r.status_code == 200]
    assert len(served) >= allowed, statuses
    assert max_overlap([(d["start"], d["end"]) for d in served]) <= allowed
    return refused
