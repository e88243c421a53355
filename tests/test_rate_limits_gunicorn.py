"""Two gunicorn workers share the rate-limit and concurrency counters through Redis.

These start the real ``gunicorn`` of this virtualenv on a free port, serving the portal with
test-only slow routes (``tests/support/slow_app.py``), against the tests' database and the
Redis at ``PORTAL_TEST_REDIS_URL``; without that variable they are skipped (CI sets it, so
there they run). Each server run uses a limiter key prefix of its own and every test fresh
users, so nothing in a shared Redis is flushed or mixed up. The warning about ``memory://``
with several workers needs no Redis and always runs.
"""

from __future__ import annotations

import functools
import os
import re
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import SECRET, bearer
from tests.support.clocked import clocked_env
from tests.support.http import assert_rate_limited_json, burst, check_burst, get, rate_headers

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")
CLOCKED = "tests.support.clocked"
APP = "tests.support.slow_app:build()"
REDIS_URL = os.environ.get("PORTAL_TEST_REDIS_URL")
BOOT_SECONDS = 60

needs_redis = pytest.mark.skipif(
    not REDIS_URL,
    reason="PORTAL_TEST_REDIS_URL is not set: two gunicorn workers can only share the rate-limit "
    "counters through Redis (CI sets it, e.g. redis://127.0.0.1:6379/0)",
)


@functools.cache
def _control_socket_args() -> tuple[str, ...]:
    """gunicorn ≥ 25 opens a control socket under ~/.gunicorn; these servers need none."""
    help_text = subprocess.run(  # noqa: S603 - this virtualenv's gunicorn, fixed arguments
        [str(GUNICORN), "--help"], capture_output=True, text=True, check=True
    ).stdout
    return ("--no-control-socket",) if "--no-control-socket" in help_text else ()


class Gunicorn:
    """A gunicorn process whose output goes to files; always stopped by ``stop``."""

    def __init__(self, tmp: Path, args: list[str], env: dict[str, str]) -> None:
        self.out_path, self.err_path = tmp / "gunicorn.out", tmp / "gunicorn.err"
        base = {k: v for k, v in os.environ.items() if not k.startswith("PORTAL_")}
        with self.out_path.open("wb") as out, self.err_path.open("wb") as err:
            # gunicorn of this virtualenv, on the suite's clock (the tokens it is sent were
            # issued on that clock).
            self.process = subprocess.Popen(  # noqa: S603 - this virtualenv's gunicorn
                [sys.executable, "-m", CLOCKED, "gunicorn", *_control_socket_args(), *args],
                cwd=ROOT,
                env={**base, **clocked_env(), **env},
                stdout=out,
                stderr=err,
            )
        self.url = ""
        self.workers: set[str] = set()

    @property
    def stderr(self) -> str:
        return self.err_path.read_text(errors="replace")

    @property
    def stdout(self) -> str:
        return self.out_path.read_text(errors="replace")

    def wait_for(self, pattern: str, count: int = 1) -> list[re.Match]:
        """Wait until ``pattern`` shows ``count`` times in gunicorn's log."""
        deadline = time.monotonic() + BOOT_SECONDS
        while time.monotonic() < deadline:
            found = list(re.finditer(pattern, self.stderr))
            if len(found) >= count:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"gunicorn never logged {pattern!r} x{count}:\n{self.stderr}")

    def wait_until_ready(self, workers: int) -> None:
        """Listening, and every worker has loaded the app (a worker signalled before it has
        set up its signal handlers would be waited for until the graceful timeout)."""
        self.url = self.wait_for(r"Listening at: (http://127\.0\.0\.1:\d+)")[0].group(1)
        booted = self.wait_for(r"Booting worker with pid: (\d+)", count=workers)
        self.workers = {m.group(1) for m in booted}
        assert _wait_until_every_worker_answers(self, workers) == self.workers

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def _wait_until_every_worker_answers(server: Gunicorn, workers: int) -> set[str]:
    """Both workers have loaded the app: each answered a (limit-exempt) static file."""
    pids: set[str] = set()
    deadline = time.monotonic() + BOOT_SECONDS
    url = server.url + "/static/favicon.svg"
    while len(pids) < workers:
        assert time.monotonic() < deadline, f"only workers {pids} answered:\n{server.stderr}"
        assert server.process.poll() is None, server.stderr
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(lambda _: get(url), range(8)))
        assert all(a.status_code == 200 for a in answers), [a.status_code for a in answers]
        pids |= {a.headers["X-Worker-Pid"] for a in answers}
    return pids


@pytest.fixture(scope="module")
def two_workers(database_url, tmp_path_factory) -> Iterator[Gunicorn]:
    """``gunicorn -w 2 -k gthread --threads 8`` on the tests' database and Redis."""
    if not REDIS_URL:
        pytest.skip("PORTAL_TEST_REDIS_URL is not set")
    import redis

    with redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2) as client:
        client.ping()  # set but unreachable: fail, never skip
    env = {
        "PORTAL_ENV": "production",  # Bearer tokens need no TLS; cookies would
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "PORTAL_SECRET_KEY": SECRET,  # the tokens of conftest's make_user verify
        "PORTAL_DATABASE_URL": database_url,
        "PORTAL_RATELIMIT_STORAGE_URL": REDIS_URL,
        "PORTAL_TEST_KEY_PREFIX": "test-gunicorn-" + secrets.token_hex(6),
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    args = ["-c", "gunicorn.conf.py", "-w", "2", "-k", "gthread", "--threads", "8"]
    args += ["-b", "127.0.0.1:0", "--graceful-timeout", "5", APP]
    server = Gunicorn(tmp_path_factory.mktemp("gunicorn"), args, env)
    try:
        server.wait_until_ready(workers=2)
        yield server
    finally:
        server.stop()


@needs_redis
def test_61st_request_across_two_workers_is_429(two_workers, make_user):
    url = two_workers.url + "/api/v1/test-slow"
    # The kernel hands connections to whichever worker accepts first: retry with a fresh
    # user on the rare run where one worker took all 60 (nothing shared would be proven).
    for _attempt in range(5):
        owner = make_user(plan="FREE")
        headers = bearer(owner)
        with ThreadPoolExecutor(6) as pool:
            answers = list(
                pool.map(
                    lambda _, h=headers: get(url, params={"seconds": "0.02"}, headers=h), range(60)
                )
            )
        assert [a.status_code for a in answers] == [200] * 60, [a.text for a in answers]
        refused = get(url, params={"seconds": "0"}, headers=bearer(owner))
        assert_rate_limited_json(refused)
        assert refused.headers["X-RateLimit-Limit"] == "60"
        assert refused.headers["X-RateLimit-Remaining"] == "0"
        figures = [rate_headers(a) for a in answers]
        assert {limit for limit, _, _ in figures} == {60}
        # One counter: the last hit saw 0 left, whichever worker counted it. (With a counter
        # per worker, each would have counted only its share and still have some left.)
        assert min(remaining for _, remaining, _ in figures) == 0
        resets = {reset for _, _, reset in figures}
        assert max(resets) - min(resets) <= 1  # one window; Redis's TTL is in whole seconds
        pids = {a.headers["X-Worker-Pid"] for a in answers}
        assert pids <= two_workers.workers
        if pids == two_workers.workers:
            break
    else:
        pytest.fail("one worker answered every request five times over; nothing was shared")
    # ...and the 62nd onwards are refused too, whichever worker answers.
    later = burst(8, lambda: get(url, params={"seconds": "0"}, headers=headers))
    for response in later:
        assert_rate_limited_json(response)


@needs_redis
def test_concurrency_limit_holds_across_two_workers(two_workers, make_user):
    url = two_workers.url + "/api/v1/test-slow"
    # As above: a fresh user on the rare run where one worker took the whole burst.
    for _attempt in range(3):
        headers = bearer(make_user(plan="FREE"))

        def slow(h=headers):
            return get(url, params={"seconds": "1"}, headers=h)

        answers = burst(40, slow)
        # 8 threads a worker: ten at once can only be reached on both, and with a slot
        # counter per worker up to 16 would be served at once.
        check_burst(answers, allowed=10)
        pids = {a.headers["X-Worker-Pid"] for a in answers}
        assert pids <= two_workers.workers
        if pids == two_workers.workers:
            break
    else:
        pytest.fail("one worker answered the whole burst three times over; nothing was shared")
    # Every slot came back, whichever worker took it: ten at once are served again.
    again = burst(10, slow)
    assert [a.status_code for a in again] == [200] * 10, [a.text for a in again]


@pytest.mark.parametrize(
    ("workers", "storage", "warns"),
    [
        ("2", None, True),
        ("2", "memory://", True),
        ("1", None, False),
        ("2", "redis://127.0.0.1:6379/0", False),
    ],
    ids=["2-workers-default", "2-workers-memory", "1-worker-memory", "2-workers-redis"],
)
def test_several_workers_with_memory_storage_log_a_warning(tmp_path, workers, storage, warns):
    env = {
        "PORTAL_ENV": "production",
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "PORTAL_SECRET_KEY": SECRET,
        "PORTAL_DATABASE_URL": "sqlite:///" + str(tmp_path / "portal.db"),
        "PORTAL_WORKERS": workers,
        "PORTAL_THREADS": "1",
        "PORTAL_BIND": "127.0.0.1:0",
        "PORTAL_LOG_LEVEL": "WARNING",
    }
    if storage is not None:
        env["PORTAL_RATELIMIT_STORAGE_URL"] = storage
    server = Gunicorn(tmp_path, ["-c", "gunicorn.conf.py", "--graceful-timeout", "5", APP], env)
    try:
        server.wait_until_ready(int(workers))  # when_ready ran before the first fork
    finally:
        server.stop()
    log = server.stderr
    warning = (
        f"PORTAL_RATELIMIT_STORAGE_URL is memory:// with {workers} workers: every worker "
        "counts rate limits and concurrent requests on its own"
    )
    assert (warning in log) is warns, log
    assert ("[WARNING]" in log) is warns, log
