"""The machinery every benchmark under ``bench/`` shares.

A benchmark script describes *what* to measure: how to seed a database (a :class:`Dataset`)
and a list of :class:`Scenario` s, each a name, a setup function that prepares what the
scenario needs and returns the :class:`Request` to send, and the server that answers it
(the portal, or the bare Flask yardstick in ``bench/bare_app.py``). This module does the
rest, the same way for every scenario:

- a throw-away database (SQLite in a temp dir, or a PostgreSQL database of our own),
- SQL statements per request, counted in-process (Flask test client + SQLAlchemy's
  ``before_cursor_execute``), with the query plans of the interesting ones,
- gunicorn (same settings for the portal and the bare app) on 127.0.0.1, loaded by ``wrk``
  (or a Python threaded client when ``wrk`` is missing), once with several connections
  (throughput, latency under load) and once with one connection (latency of one caller),
- the RSS of the gunicorn workers after the load,
- the Markdown report, printed and written into its own section of ``docs/benchmarks.md``.

Performance is measured here, never asserted in tests.
"""

from __future__ import annotations

import contextlib
import ctypes
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import URL, Engine

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
DOCS = ROOT / "docs" / "benchmarks.md"
BIN = Path(sys.executable).parent
WRK_INSTALL_HINT = "apt-get install -y wrk  (Debian/Ubuntu; or build https://github.com/wg/wrk)"

PORTAL = "portal"  # served by gunicorn, loaded by wrk; also timed in-process
BARE = "bare"  # bench/bare_app.py, the same way
IN_PROCESS = "in-process"  # the portal through the test client only: where the time goes


# ---------------------------------------------------------------------------------------
# What a benchmark describes


@dataclass(frozen=True)
class Request:
    """One HTTP request, sent again and again."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    expect_status: int = 200
    # Looks at the decoded JSON body of one answer; returns a complaint or None.
    check: Callable[[Any], str | None] | None = None


@dataclass
class Dataset:
    """A seeded database of ``rows`` rows and what scenarios need to talk to it."""

    rows: int
    database_url: str
    app: Any  # an in-process portal app on that database (setup, query counting)
    token: str  # Bearer token of the organisation's OWNER
    secret_key: str
    info: dict[str, Any] = field(default_factory=dict)  # ids, counts: whatever setups need

    def bearer(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, path: str, **kwargs: Any) -> Request:
        return Request(
            "GET", path, headers={**self.bearer(), "Accept": "application/json"}, **kwargs
        )


@dataclass(frozen=True)
class Scenario:
    """A name, a setup that prepares the data and returns the request, and who answers.

    ``explain`` names tables: the plans of the SELECTs touching them go into the report.
    """

    name: str
    setup: Callable[[Dataset], Request]
    target: str = PORTAL  # PORTAL, BARE or IN_PROCESS
    explain: tuple[str, ...] = ()
    note: str = ""


# ---------------------------------------------------------------------------------------
# Results


@dataclass
class LoadResult:
    client: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float | None  # None: no request finished within the run
    p90_ms: float | None
    p99_ms: float | None
    max_ms: float | None
    errors: int  # non-2xx answers, socket errors and timeouts
    server_cpu_ms: float | None = None  # gunicorn workers' CPU time (user + sys) per request
    in_flight_at_end: int = 0  # requests the client left unanswered when it stopped

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


@dataclass
class QueryCount:
    statements: list[str]
    # Connections checked out of the pool; with ``pool_pre_ping`` each one is one more round
    # trip (PostgreSQL) that ``before_cursor_execute`` does not see.
    checkouts: int = 0
    pre_ping: bool = False

    @property
    def total(self) -> int:
        return len(self.statements)

    @property
    def selects(self) -> int:
        return sum(1 for s in self.statements if s.lstrip().upper().startswith("SELECT"))

    def describe(self) -> str:
        kinds: dict[str, int] = {}
        for statement in self.statements:
            word = (statement.split() or ["?"])[0].upper()
            kinds[word] = kinds.get(word, 0) + 1
        text = f"{self.total} (" + ", ".join(f"{n} {word}" for word, n in kinds.items()) + ")"
        if self.pre_ping and self.checkouts:
            text += f" + {self.checkouts} pool pre-ping"
        return text


@dataclass
class Measurement:
    """One scenario at one row count: its load runs (one per round) and what else we saw."""

    scenario: Scenario
    rows: int | None
    request: Request
    loads: list[LoadResult] = field(default_factory=list)  # N connections, one per round
    singles: list[LoadResult] = field(default_factory=list)  # 1 connection, one per round
    queries: QueryCount | None = None
    plans: list[tuple[str, str]] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)  # gunicorn workers, after the load
    bare: Measurement | None = None  # the bare endpoint, measured in the same rounds
    in_process_ms: float | None = None  # median through the test client, one thread

    @property
    def load(self) -> LoadResult | None:
        return combine(self.loads)

    @property
    def single(self) -> LoadResult | None:
        return combine(self.singles)

    @property
    def ratios(self) -> list[float]:
        """req/s over the bare endpoint's req/s, round by round."""
        if self.bare is None:
            return []
        return [
            mine.rps / bare.rps
            for mine, bare in zip(self.loads, self.bare.loads, strict=False)
            if bare.rps
        ]

    @property
    def ratio(self) -> float | None:
        ratios = self.ratios
        return statistics.median(ratios) if ratios else None


def combine(results: Sequence[LoadResult]) -> LoadResult | None:
    """Rounds into one: requests and seconds add up, the rest is the median of the rounds."""
    if not results:
        return None

    def med(values):
        values = [v for v in values if v is not None]
        return statistics.median(values) if values else None

    return LoadResult(
        client=results[0].client,
        connections=results[0].connections,
        requests=sum(r.requests for r in results),
        seconds=sum(r.seconds for r in results),
        p50_ms=med(r.p50_ms for r in results),
        p90_ms=med(r.p90_ms for r in results),
        p99_ms=med(r.p99_ms for r in results),
        max_ms=max((r.max_ms for r in results if r.max_ms is not None), default=None),
        errors=sum(r.errors for r in results),
        server_cpu_ms=med(r.server_cpu_ms for r in results),
    )


# ---------------------------------------------------------------------------------------
# Cleaning up whatever we started, also on Ctrl-C, SIGTERM and errors


class Cleanup(contextlib.ExitStack):
    """An ExitStack that turns SIGINT, SIGTERM and SIGHUP into KeyboardInterrupt while open."""

    def __enter__(self) -> Cleanup:
        super().__enter__()
        for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            previous = signal.signal(signum, _raise_interrupt)
            self.callback(signal.signal, signum, previous)
        return self


def _raise_interrupt(signum, _frame) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the benchmark dies without cleaning up."""
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# ---------------------------------------------------------------------------------------
# Databases


class Database:
    """A database that exists for one dataset: created empty, dropped afterwards."""

    kind = "?"  # in docs section keys
    label = "?"  # in prose

    def create(self) -> str:
        raise NotImplementedError

    def drop(self) -> None:
        raise NotImplementedError

    def version(self) -> str:
        raise NotImplementedError


class SqliteDatabase(Database):
    kind = "sqlite"
    label = "SQLite"

    def __init__(self, directory: Path, name: str) -> None:
        self.path = directory / f"{name}.db"

    def create(self) -> str:
        self.drop()
        return f"sqlite:///{self.path}"

    def drop(self) -> None:
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{self.path}{suffix}").unlink(missing_ok=True)

    def version(self) -> str:
        return f"SQLite {sqlite3.sqlite_version}"


class PostgresDatabase(Database):
    """Creates and drops the database named in the URL, which must start with ``bench``.

    The name check keeps a typo from dropping a real database (``test``, ``postgres``…).
    """

    kind = "postgresql"
    label = "PostgreSQL"

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        if parsed.get_backend_name() != "postgresql":
            raise SystemExit(f"--database-url must be postgresql://…, not {url!r}")
        name = parsed.database or ""
        if not re.fullmatch(r"bench\w*", name):
            raise SystemExit(
                f"refusing database {name!r}: the benchmark drops and recreates it, "
                "so its name must start with 'bench' (e.g. .../bench_portal)"
            )
        self.url: URL = parsed.set(drivername="postgresql+psycopg")
        self.name = name
        self._admin = create_engine(
            self.url.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=None
        )

    def create(self) -> str:
        self.drop()
        with self._admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url.render_as_string(hide_password=False)

    def drop(self) -> None:
        with self._admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))

    def version(self) -> str:
        with self._admin.connect() as conn:
            return "PostgreSQL " + str(conn.execute(text("SHOW server_version")).scalar())

    def dispose(self) -> None:
        self._admin.dispose()


# ---------------------------------------------------------------------------------------
# Counting queries and reading plans, in-process


@contextlib.contextmanager
def recording(engine: Engine) -> Iterator[list[tuple[str, Any]]]:
    seen: list[tuple[str, Any]] = []

    def before(_conn, _cursor, statement, parameters, _context, _executemany):
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _send_in_process(app, request: Request):
    client = app.test_client()
    return client.open(
        request.path,
        method=request.method,
        headers=request.headers,
        data=request.body,
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )


def count_queries(app, request: Request) -> tuple[QueryCount, list[tuple[str, Any]]]:
    """Statements of one request, after one warm-up request (caches, first connection)."""
    engine = app.extensions["portal.db"]
    warm = _send_in_process(app, request)
    check_answer(request, warm.status_code, warm.get_data())
    checkouts = []

    def on_checkout(*_args):
        checkouts.append(1)

    event.listen(engine, "checkout", on_checkout)
    try:
        with recording(engine) as seen:
            response = _send_in_process(app, request)
    finally:
        event.remove(engine, "checkout", on_checkout)
    check_answer(request, response.status_code, response.get_data())
    pre_ping = bool(getattr(engine.pool, "_pre_ping", False))
    return QueryCount([s for s, _ in seen], len(checkouts), pre_ping), seen


def explain(app, seen: list[tuple[str, Any]], tables: Sequence[str]) -> list[tuple[str, str]]:
    """Plans of the recorded SELECTs that read one of ``tables``."""
    if not tables:
        return []
    engine: Engine = app.extensions["portal.db"]
    names = "|".join(map(re.escape, tables))
    wanted = re.compile(rf"\bFROM\s+({names})\b", re.IGNORECASE)
    plans = []
    for statement, parameters in seen:
        if not statement.lstrip().upper().startswith("SELECT") or not wanted.search(statement):
            continue
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":
                rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
                plan = "\n".join(str(row[-1]) for row in rows)
            else:
                rows = conn.exec_driver_sql(
                    "EXPLAIN (ANALYZE, COSTS OFF, BUFFERS OFF) " + statement, parameters
                )
                plan = "\n".join(str(row[0]) for row in rows)
        plans.append((" ".join(statement.split()), plan))
    return plans


def check_answer(request: Request, status: int, body: bytes) -> None:
    if status != request.expect_status:
        raise BenchError(
            f"{request.method} {request.path} answered {status}, expected "
            f"{request.expect_status}: {body[:300]!r}"
        )
    if request.check is not None:
        complaint = request.check(json.loads(body))
        if complaint:
            raise BenchError(f"{request.method} {request.path}: {complaint}")


class BenchError(RuntimeError):
    """The benchmark would measure the wrong thing (an error page, an empty list…)."""


class UsageError(Exception):
    """A command line the benchmark cannot run (exit status 2)."""


# ---------------------------------------------------------------------------------------
# Servers


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """gunicorn on 127.0.0.1 with the given app and settings; stopped by :meth:`stop`."""

    def __init__(
        self,
        name: str,
        wsgi: str,
        env: dict[str, str],
        log_dir: Path,
        *,
        workers: int,
        threads: int,
        pythonpath: Path | None = None,
    ) -> None:
        self.name = name
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"gunicorn-{name}.log"
        command = [
            str(BIN / "gunicorn"),
            "--config",  # not ./gunicorn.conf.py (its access log): see the file
            str(BENCH_DIR / "gunicorn_conf.py"),
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            str(threads),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ]
        if pythonpath is not None:
            command += ["--pythonpath", str(pythonpath)]
        command.append(wsgi)
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C reaches us, and we stop it in order
            preexec_fn=_die_with_parent,
        )

    def wait_ready(self, request: Request, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn ({self.name}) exited:\n{self.log_tail()}")
            try:
                status, body = send_once(self.base_url, request)
            except OSError as exc:
                last = str(exc)
                time.sleep(0.2)
                continue
            check_answer(request, status, body)
            if len(self.worker_pids()) >= 1:
                return
        raise BenchError(f"gunicorn ({self.name}) not ready after {timeout}s: {last}")

    def worker_pids(self) -> list[int]:
        pids = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            match = re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE)
            if match and int(match.group(1)) == self.process.pid:
                pids.append(int(entry.name))
        return sorted(pids)

    def worker_rss_kib(self) -> list[int]:
        sizes = []
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                status = Path(f"/proc/{pid}/status").read_text()
                match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
                if match:
                    sizes.append(int(match.group(1)))
        return sizes

    def cpu_seconds(self) -> float:
        """User + system CPU time of the workers so far (all their threads)."""
        ticks = 0
        for pid in self.worker_pids():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])  # utime, stime
        return ticks / os.sysconf("SC_CLK_TCK")

    def wait_idle(self, timeout: float = 120.0, interval: float = 0.25) -> None:
        """Until the workers stop burning CPU (requests a client abandoned still run)."""
        deadline = time.monotonic() + timeout
        before = self.cpu_seconds()
        while time.monotonic() < deadline:
            time.sleep(interval)
            now = self.cpu_seconds()
            if now - before <= 0.02:  # clock ticks are 10 ms; idle workers tick rarely
                return
            before = now
        raise BenchError(f"gunicorn ({self.name}) still busy after {timeout}s")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()  # gunicorn: graceful shutdown of the workers
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


def send_once(base_url: str, request: Request) -> tuple[int, bytes]:
    req = urllib.request.Request(
        base_url + request.path, data=request.body, method=request.method, headers=request.headers
    )
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


# ---------------------------------------------------------------------------------------
# Load generators


def have_wrk() -> bool:
    return shutil.which("wrk") is not None


_WRK_SCRIPT = """
wrk.method = {method}
wrk.path = {path}
{headers}
{body}
done = function(summary, latency, requests)
  local e = summary.errors
  local f = io.open({out}, "w")
  f:write(string.format(
    '{{"requests": %d, "duration_us": %d, "errors": %d, "status_errors": %d, '
    .. '"p50": %d, "p90": %d, "p99": %d, "max": %d}}',
    summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout + e.status, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
  f:close()
end
"""


def _lua(value: str | bytes) -> str:
    raw = value.decode() if isinstance(value, bytes) else value
    return json.dumps(raw)  # a JSON string is a valid Lua string for our ASCII payloads


def run_wrk(
    base_url: str, request: Request, connections: int, seconds: float, work_dir: Path
) -> LoadResult:
    out = work_dir / "wrk-result.json"
    out.unlink(missing_ok=True)
    script = work_dir / "wrk-request.lua"
    script.write_text(
        _WRK_SCRIPT.format(
            method=_lua(request.method),
            path=_lua(request.path),
            headers="\n".join(
                f"wrk.headers[{_lua(k)}] = {_lua(v)}" for k, v in request.headers.items()
            ),
            body=f"wrk.body = {_lua(request.body)}" if request.body else "",
            out=_lua(str(out)),
        )
    )
    command = [
        "wrk",
        "--threads",
        "1",
        "--connections",
        str(connections),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--script",
        str(script),
        base_url,
    ]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 60)
    if completed.returncode != 0 or not out.exists():
        raise BenchError(
            f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}"
        )
    raw = json.loads(out.read_text())
    done = raw["requests"] > 0  # a request slower than the run leaves no latency at all
    return LoadResult(
        client="wrk",
        connections=connections,
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50"] / 1000 if done else None,
        p90_ms=raw["p90"] / 1000 if done else None,
        p99_ms=raw["p99"] / 1000 if done else None,
        max_ms=raw["max"] / 1000 if done else None,
        errors=raw["errors"],
        in_flight_at_end=connections,  # wrk stops with every connection waiting
    )


def run_python_client(
    base_url: str, request: Request, connections: int, seconds: float, _work_dir: Path
) -> LoadResult:
    """Fallback when wrk is missing: keep-alive connections, one thread each.

    It shares the GIL and the machine's cores with nothing but itself, yet it is far slower
    than wrk: compare its figures only with other figures from the same client.
    """
    host, port = base_url.removeprefix("http://").split(":")
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    stop_at = time.monotonic() + seconds
    start = threading.Barrier(connections + 1)

    def worker(index: int) -> None:
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        start.wait()
        while time.monotonic() < stop_at:
            began = time.perf_counter()
            try:
                conn.request(
                    request.method, request.path, body=request.body, headers=request.headers
                )
                response = conn.getresponse()
                response.read()
                ok = response.status == request.expect_status
            except (OSError, http.client.HTTPException):
                ok = False
                conn.close()
                conn = http.client.HTTPConnection(host, int(port), timeout=10)
            latencies[index].append(time.perf_counter() - began)
            if not ok:
                errors[index] += 1
        conn.close()

    threads = [threading.Thread(target=worker, args=(i,), daemon=True) for i in range(connections)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.monotonic()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    flat = sorted(x for per in latencies for x in per)

    def pct(p: float) -> float | None:
        return flat[min(len(flat) - 1, int(p / 100 * len(flat)))] * 1000 if flat else None

    return LoadResult(
        client="python",
        connections=connections,
        requests=len(flat),
        seconds=elapsed,
        p50_ms=pct(50),
        p90_ms=pct(90),
        p99_ms=pct(99),
        max_ms=pct(100),
        errors=sum(errors),
    )


# ---------------------------------------------------------------------------------------
# The machine and the report


def machine_info(database: Database, client: str) -> dict[str, str]:
    model = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError):
        match = re.search(r"MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text())
        if match:
            memory = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB"
    import flask
    import gunicorn
    import sqlalchemy

    wrk = "Python threaded client (bench/harness.py)"
    if client == "wrk":
        completed = subprocess.run(["wrk", "-v"], capture_output=True, text=True)
        wrk = (completed.stdout or completed.stderr).splitlines()[0].strip()
    return {
        "CPU": f"{os.cpu_count()} × {model}",
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "database": database.version(),
        "libraries": (
            f"Flask {flask.__version__}, SQLAlchemy {sqlalchemy.__version__}, "
            f"gunicorn {gunicorn.__version__}"
        ),
        "load generator": wrk,
        "commit": git_commit(),
    }


def git_commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "?"
    return head + (" (with uncommitted changes)" if dirty else "")


def fmt_ms(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.0f}" if value >= 100 else f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def fmt_rps(value: float) -> str:
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def fmt_rows(rows: int | None) -> str:
    if rows is None:
        return "—"
    return f"{rows // 1000}k" if rows >= 1000 and rows % 1000 == 0 else str(rows)


def results_table(measurements: Sequence[Measurement], connections: int) -> str:
    lines = [
        f"| scenario | rows | req/s ({connections} conn.) | × bare | median ms | p99 ms "
        "| median ms (1 conn.) | p99 ms (1 conn.) | server CPU ms / req | × bare (CPU) "
        "| in-process ms | SQL / request | errors |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for m in measurements:
        if m.scenario.target == IN_PROCESS:
            continue
        load, single = m.load, m.single
        ratio = "—"
        if m.ratio is not None:
            low, high = min(m.ratios), max(m.ratios)
            ratio = f"{m.ratio:.2f}×" + (f" ({low:.2f}–{high:.2f})" if len(m.ratios) > 1 else "")
        errors = (load.errors if load else 0) + (single.errors if single else 0)
        lines.append(
            "| "
            + " | ".join(
                [
                    f"`{m.scenario.name}`",
                    fmt_rows(m.rows),
                    fmt_rps(load.rps) if load else "—",
                    ratio if m.scenario.target == PORTAL else "1×",
                    fmt_ms(load.p50_ms) if load else "—",
                    fmt_ms(load.p99_ms) if load else "—",
                    fmt_ms(single.p50_ms) if single else "—",
                    fmt_ms(single.p99_ms) if single else "—",
                    fmt_ms(load.server_cpu_ms) if load else "—",
                    cpu_ratio(m),
                    fmt_ms(m.in_process_ms),
                    m.queries.describe() if m.queries else "—",
                    str(errors),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def cpu_ratio(m: Measurement) -> str:
    """The bare endpoint's CPU per request over this one's: capacity, whoever shares the cores."""
    if m.scenario.target == BARE:
        return "1×"
    mine, bare = m.load, m.bare.load if m.bare else None
    if not mine or not bare or not mine.server_cpu_ms or not bare.server_cpu_ms:
        return "—"
    return f"{bare.server_cpu_ms / mine.server_cpu_ms:.2f}×"


def items_check(expected: int, *, more: bool | None = None):
    """A check of a list answer: ``expected`` items, and a next cursor when ``more`` says."""

    def check(body: Any) -> str | None:
        data = body.get("data") or {}
        items = data.get("items")
        if not isinstance(items, list) or len(items) != expected:
            got = len(items) if isinstance(items, list) else items
            return f"expected {expected} items, got {got}"
        if more is not None and bool(data.get("nextCursor")) != more:
            return f"expected nextCursor {'set' if more else 'null'}: {data.get('nextCursor')!r}"
        return None

    return check


def growth(before: float | None, after: float | None) -> str:
    if not before or after is None:
        return "—"
    return f"{after / before:.1f}×"


def unique_scenarios(results: Sequence[Measurement]) -> list[Scenario]:
    seen: list[Scenario] = []
    for m in results:
        if m.scenario not in seen:
            seen.append(m.scenario)
    return seen


# Pieces of a benchmark's report, shared so that every section reads the same way.


def machine_section(title: str, machine: dict[str, str]) -> list[str]:
    out = [f"### {title} — {now_utc()}\n", "| | |\n|---|---|"]
    out.extend(f"| {key} | {value} |" for key, value in machine.items())
    return out


def method_paragraph(command: str, database: Database, options: Options, seeded: str) -> str:
    """How :func:`run` measured; ``seeded`` says what the organisations hold."""
    per_round = options.duration / options.rounds
    single_per_round = options.single_duration / options.rounds
    return (
        f"\n**Method.** `.venv/bin/python {command}`. For each row count: a fresh "
        f"{database.label} database migrated by `portal.migrate.upgrade`; {seeded}; a JWT of "
        "the first one's OWNER. The bare endpoint (`bench/bare_app.py`) and the portal "
        "(`PORTAL_ENV=production`, Bearer token) are both served by `gunicorn --workers "
        f"{options.workers} --worker-class gthread --threads {options.threads}` on 127.0.0.1 "
        f"(no access log). After a {options.warmup:g} s warm-up per scenario, {options.rounds} "
        f"round{'s' if options.rounds != 1 else ''}; in each, every scenario in turn gets "
        f"{per_round:g} s of load from "
        f"{options.client} (1 thread, {options.connections} keep-alive connections: req/s, "
        f"median, p99), then {single_per_round:g} s from 1 connection (the latency of a lone "
        "caller). Alternating bare and portal keeps drift and neighbours' noise out of the "
        "ratio. req/s is over all rounds, latencies are the median of the rounds, `× bare` "
        "is the median of the per-round ratios of req/s (min–max in brackets). Server CPU is "
        "the gunicorn workers' user + system time per request served under load (median of "
        "the rounds); `× bare (CPU)` is the bare endpoint's CPU per request over the "
        "scenario's: the same capacity ratio, less sensitive to how the cores are shared with "
        "the load generator (same machine) and with other processes. SQL statements are "
        "counted in-process (Flask test client, `before_cursor_execute` on the app's engine) "
        "on the second of two identical requests.\n"
    )


def notes_list(results: Sequence[Measurement]) -> list[str]:
    return [
        f"- `{s.name}`: {s.note}"
        for s in unique_scenarios(results)
        if s.note and s.target != IN_PROCESS
    ]


def failures_section(results: Sequence[Measurement], database: Database) -> list[str]:
    out = []
    failed = sum(m.load.errors + m.single.errors for m in results if m.load and m.single)
    if failed:
        out.append(
            f"\n**Warning: {failed} requests failed** (non-2xx, socket errors or timeouts); "
            "the figures of the scenarios with errors do not measure the intended work."
        )
    if database.kind == "postgresql":
        out.append(
            "\nOn PostgreSQL the server CPU column is the gunicorn workers' only: the "
            "database's own CPU (same machine) is not in it."
        )
    return out


def growth_section(portal: Sequence[Measurement], sizes: Sequence[int]) -> list[str]:
    """1 connection median and CPU per request, smallest against largest row count."""
    if len(sizes) < 2:
        return []
    small, largest = sizes[0], sizes[-1]
    a_rows, b_rows = fmt_rows(small), fmt_rows(largest)
    out = [
        f"\n**Growth from {a_rows} to {b_rows} rows** (1 connection "
        "median, and server CPU per request under load):\n",
        f"| scenario | median ms, {a_rows} | median ms, {b_rows} | growth "
        f"| CPU ms / req, {a_rows} | CPU ms / req, {b_rows} | growth |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for scenario in unique_scenarios(portal):
        pair = [
            next((m for m in portal if m.scenario is scenario and m.rows == r), None)
            for r in (small, largest)
        ]
        if None in pair or not all(m.single and m.load for m in pair):
            continue
        a, b = pair[0].single, pair[1].single
        c, d = pair[0].load, pair[1].load
        out.append(
            f"| `{scenario.name}` | {fmt_ms(a.p50_ms)} | {fmt_ms(b.p50_ms)} "
            f"| {growth(a.p50_ms, b.p50_ms)} | {fmt_ms(c.server_cpu_ms)} "
            f"| {fmt_ms(d.server_cpu_ms)} | {growth(c.server_cpu_ms, d.server_cpu_ms)} |"
        )
    return out


def queries_section(
    measured: Sequence[Measurement], sizes: Sequence[int], show: Sequence[str] = ()
) -> list[str]:
    """SQL statements per request at each size; the statements of the ``show`` scenarios
    (default: the first one) at the largest size."""
    largest = sizes[-1] if sizes else None
    out = ["\n**SQL statements per request** (the same at every size means no N+1):\n"]
    out.append("| scenario | " + " | ".join(fmt_rows(r) for r in sizes) + " | constant |")
    out.append("|---|" + "---:|" * len(sizes) + "---|")
    for scenario in unique_scenarios(measured):
        counts = [
            next(
                (m.queries.total for m in measured if m.scenario is scenario and m.rows == r),
                None,
            )
            for r in sizes
        ]
        constant = "yes" if len(set(counts)) == 1 else "**no**"
        out.append(f"| `{scenario.name}` | " + " | ".join(map(str, counts)) + f" | {constant} |")
    at_largest = [m for m in measured if m.rows == largest and m.queries]
    chosen = [m for m in at_largest if m.scenario.name in show] if show else at_largest[:1]
    for m in chosen:
        out.append(f"\nThe statements of `{m.scenario.name}` at {fmt_rows(largest)} rows:\n")
        out.append("```sql")
        out.extend(" ".join(s.split()) for s in m.queries.statements)
        out.append("```")
    return out


def plans_section(measured: Sequence[Measurement], largest: int | None) -> list[str]:
    planned = [m for m in measured if m.rows == largest and m.plans]
    if not planned:
        return []
    out = [f"\n<details><summary>Query plans at {fmt_rows(largest)} rows</summary>\n"]
    for m in planned:
        for _statement, plan in m.plans:
            out.append(f"`{m.scenario.name}`:\n\n```\n{plan}\n```\n")
    out.append("</details>")
    return out


def rss_section(results: Sequence[Measurement]) -> list[str]:
    out = ["\n**gunicorn worker RSS after the load** (VmRSS per worker):\n"]
    seen_servers: set[tuple[str, int | None]] = set()
    for m in results:
        key = (m.scenario.target, m.rows)
        if key in seen_servers or not m.rss_kib:
            continue
        seen_servers.add(key)
        where = "bare app" if m.scenario.target == BARE else f"portal, {fmt_rows(m.rows)} rows"
        sizes_mib = ", ".join(f"{k / 1024:.0f} MiB" for k in m.rss_kib)
        out.append(f"- {where}: {sizes_mib}")
    return out


def write_docs_section(
    key: str, body: str, *, title: str = "# Benchmarks\n", after: str | None = None
) -> None:
    """Replace the block between ``<!-- bench:KEY:start/end -->``. A new block is appended,
    or, with ``after`` (a heading line such as ``## Issue 16…``), put at the end of that
    heading's section: before the next heading of the same or a higher level."""
    start, end = f"<!-- bench:{key}:start -->", f"<!-- bench:{key}:end -->"
    block = f"{start}\n{body.rstrip()}\n{end}"
    current = DOCS.read_text() if DOCS.exists() else title
    if start in current and end in current:
        before, rest = current.split(start, 1)
        _, following = rest.split(end, 1)
        updated = before + block + following
    else:
        updated = _insert_after_section(current, block, after) if after else None
        if updated is None:
            updated = current.rstrip() + "\n\n" + block + "\n"
    DOCS.write_text(updated)


def _insert_after_section(text: str, block: str, heading: str) -> str | None:
    """``text`` with ``block`` at the end of ``heading``'s section; None without the heading."""
    lines = text.splitlines(keepends=True)
    level = len(heading) - len(heading.lstrip("#"))
    found, in_code = False, False
    for index, line in enumerate(lines):
        if line.startswith("```"):
            in_code = not in_code
        if in_code:
            continue
        if not found:
            found = line.rstrip("\n") == heading
            continue
        hashes = len(line) - len(line.lstrip("#"))
        if 0 < hashes <= level and line[hashes : hashes + 1] == " ":
            return "".join(lines[:index]) + block + "\n\n" + "".join(lines[index:])
    if not found:
        return None
    return text.rstrip() + "\n\n" + block + "\n"


R = TypeVar("R")


@dataclass
class Outcome(Generic[R]):
    """A benchmark's run: what it measured, its Markdown report and its docs section's key."""

    results: list[R]
    text: str
    docs_key: str


def script_main(benchmark: Callable[[], Outcome[Any]], *, docs: bool) -> int:
    """A benchmark script's exit status: run it, print its report, write its docs section."""
    try:
        outcome = benchmark()
    except UsageError as exc:
        print(exc)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temp files removed")
        return 130
    except BenchError as exc:
        print(f"\nbenchmark aborted: {exc}")
        return 1
    print()
    print(outcome.text)
    if docs:
        write_docs_section(outcome.docs_key, outcome.text)
        print("docs/benchmarks.md updated")
    return 0


def pick_client(requested: str) -> str:
    """``wrk`` or ``python`` for ``--client auto|wrk|python``."""
    if requested == "auto":
        if have_wrk():
            return "wrk"
        print(f"wrk not found: using the Python client. Install wrk with: {WRK_INSTALL_HINT}")
        return "python"
    if requested == "wrk" and not have_wrk():
        raise UsageError(f"wrk not found. Install it with: {WRK_INSTALL_HINT}")
    return requested


def pick_scenarios(scenarios: Sequence[Scenario], only: str | None) -> list[Scenario]:
    """The scenarios named in ``--only`` (comma-separated), and the bare one always."""
    if not only:
        return list(scenarios)
    wanted = set(only.split(","))
    unknown = wanted - {s.name for s in scenarios}
    if unknown:
        raise UsageError(f"unknown scenarios: {', '.join(sorted(unknown))}")
    return [s for s in scenarios if s.name in wanted or s.target == BARE]


def now_utc() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def make_temp_dir(cleanup: Cleanup, keep: bool) -> Path:
    path = Path(tempfile.mkdtemp(prefix="portal-bench-"))
    if not keep:
        cleanup.callback(shutil.rmtree, path, ignore_errors=True)
    return path


# ---------------------------------------------------------------------------------------
# The portal's side: a migrated database with two organisations, and the run itself

BENCH_PASSWORD = "bench-password-not-secret"


def portal_dataset(database_url: str, rows: int, secret_key: str) -> Dataset:
    """Migrate an empty database and add two organisations, each with an OWNER.

    The measured one is ENTERPRISE with limits no benchmark reaches (so that a per-user
    limiter, when there is one, is paid for but never answers 429); the other one exists so
    that every query really has to filter by tenant.
    """
    from portal import create_app
    from portal.accounts.models import Organization, User
    from portal.extensions import db
    from portal.migrate import upgrade
    from portal.security.passwords import hash_password
    from portal.security.tokens import issue_token

    app = create_app(
        {
            "ENV_NAME": "production",
            "BASE_URL": "http://127.0.0.1",
            "SECRET_KEY": secret_key,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "JWT_EXPIRES_SECONDS": 6 * 3600,
            # Seeding only: cheap hashes. The served app uses the production parameters.
            "PASSWORD_HASH_TIME_COST": 1,
            "PASSWORD_HASH_MEMORY_KIB": 1024,
            "PASSWORD_HASH_PARALLELISM": 1,
        }
    )
    upgrade(app.extensions["portal.db"])
    with app.app_context():
        password_hash = hash_password(BENCH_PASSWORD)
        measured = Organization(
            name="Ferretería Bench S.A.",
            plan="ENTERPRISE",
            currency="USD",
            locale="es",
            custom_requests_per_minute=100_000_000,
            custom_concurrent_requests=100_000,
        )
        other = Organization(name="Otra Empresa S.A.", plan="FREE", currency="USD", locale="es")
        db.session.add_all([measured, other])
        db.session.flush()
        owner = User(
            organization_id=measured.id,
            name="Dueña Bench",
            email="owner@bench.example.com",
            password_hash=password_hash,
            role="OWNER",
            locale="es",
        )
        other_owner = User(
            organization_id=other.id,
            name="Otro Dueño",
            email="owner@other.example.com",
            password_hash=password_hash,
            role="OWNER",
            locale="es",
        )
        db.session.add_all([owner, other_owner])
        db.session.commit()
        token, _ = issue_token(owner)
        info = {
            "organization_id": measured.id,
            "other_organization_id": other.id,
            "owner_id": owner.id,
        }
    return Dataset(
        rows=rows, database_url=database_url, app=app, token=token, secret_key=secret_key, info=info
    )


@dataclass
class Options:
    rows: list[int]
    duration: float
    single_duration: float
    warmup: float
    connections: int
    workers: int
    threads: int
    rounds: int  # bare and portal scenarios alternate, round after round
    client: str  # "wrk" or "python"
    keep: bool
    database_url: str | None
    profile: str | None = None  # a scenario's name: print a cProfile of it, in-process


def run(
    scenarios: Sequence[Scenario],
    seed: Callable[[Dataset], None],
    options: Options,
    cleanup: Cleanup,
    log: Callable[[str], None] = print,
) -> tuple[list[Measurement], Database]:
    """Every scenario at every row count; bare and portal servers side by side per count."""
    import secrets

    work_dir = make_temp_dir(cleanup, options.keep)
    if options.keep:
        log(f"keeping {work_dir}")
    if options.database_url:
        database: Database = PostgresDatabase(options.database_url)
        cleanup.callback(database.dispose)
    else:
        database = SqliteDatabase(work_dir, "portal")
    cleanup.callback(database.drop)
    load = run_wrk if options.client == "wrk" else run_python_client
    per_round = options.duration / options.rounds
    single_per_round = options.single_duration / options.rounds
    results: list[Measurement] = []

    for rows in options.rows:
        log(f"\n== {rows:,} rows ({database.kind}) ==")
        secret_key = secrets.token_hex(32)
        began = time.monotonic()
        dataset = portal_dataset(database.create(), rows, secret_key)
        engine = dataset.app.extensions["portal.db"]
        try:
            seed(dataset)
            if engine.dialect.name == "postgresql":
                with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                    conn.execute(text("VACUUM ANALYZE"))
            log(f"seeded in {time.monotonic() - began:.1f}s")
            measured = []
            for scenario in scenarios:
                request = scenario.setup(dataset)
                m = Measurement(scenario, rows if scenario.target != BARE else None, request)
                if scenario.target != BARE:
                    m.queries, seen = count_queries(dataset.app, request)
                    m.plans = explain(dataset.app, seen, scenario.explain)
                    log(f"  {scenario.name}: {m.queries.describe()} SQL statements")
                    if options.profile == scenario.name:
                        log(profile_in_process(dataset.app, request))
                measured.append(m)
            time_in_process(
                [(bare_app() if m.scenario.target == BARE else dataset.app, m) for m in measured]
            )
            log(
                "  in-process ms: "
                + ", ".join(f"{m.scenario.name} {fmt_ms(m.in_process_ms)}" for m in measured)
            )
            served = [m for m in measured if m.scenario.target != IN_PROCESS]
        finally:
            engine.dispose()

        servers = {}
        try:
            for target, group in _by_target(served).items():
                servers[target] = start_server(target, group, dataset, rows, options, work_dir)
                cleanup.callback(servers[target].stop)
            for m in served:  # warm-up: imports, connections, caches, every worker
                server = servers[m.scenario.target]
                send_once(server.base_url, m.request)
                if options.warmup:
                    load(server.base_url, m.request, options.connections, options.warmup, work_dir)
            for round_number in range(1, options.rounds + 1):
                for m in served:
                    server = servers[m.scenario.target]
                    m.loads.append(measure(load, server, m.request, options.connections, per_round))
                for m in served:
                    server = servers[m.scenario.target]
                    m.singles.append(measure(load, server, m.request, 1, single_per_round))
                log(
                    f"  round {round_number}/{options.rounds}: "
                    + ", ".join(f"{m.scenario.name} {m.loads[-1].rps:.0f} req/s" for m in served)
                )
            for target, server in servers.items():
                rss = server.worker_rss_kib()
                for m in served:
                    if m.scenario.target == target:
                        m.rss_kib = rss
                log(
                    f"  {server.name} workers RSS: " + ", ".join(f"{k / 1024:.0f} MiB" for k in rss)
                )
        except BenchError:
            for server in servers.values():
                log(f"--- {server.name} log ---\n{server.log_tail()}")
            raise
        finally:
            for server in servers.values():
                server.stop()
        by_target = _by_target(served)
        bare = by_target[BARE][0] if by_target.get(BARE) else None
        for m in by_target.get(PORTAL, []):
            m.bare = bare
        results.extend(measured)
        database.drop()
    return results, database


def _by_target(measured: Sequence[Measurement]) -> dict[str, list[Measurement]]:
    groups: dict[str, list[Measurement]] = {}
    for m in measured:
        groups.setdefault(m.scenario.target, []).append(m)
    return groups


def start_server(
    target: str,
    group: Sequence[Measurement],
    dataset: Dataset,
    rows: int,
    options: Options,
    work_dir: Path,
) -> Server:
    """gunicorn for ``target``, answering the group's first request before we go on."""
    if target == BARE:
        server = Server(
            "bare",
            "bare_app:app",
            {},
            work_dir,
            workers=options.workers,
            threads=options.threads,
            pythonpath=BENCH_DIR,
        )
    else:
        server = Server(
            f"portal-{rows}",
            "app:app",
            portal_env(dataset),
            work_dir,
            workers=options.workers,
            threads=options.threads,
        )
    try:
        server.wait_ready(group[0].request)
    except BaseException:
        server.stop()
        raise
    return server


def portal_env(dataset: Dataset, storage_url: str = "memory://") -> dict[str, str]:
    """The environment of a served portal on the dataset's database."""
    return {
        "PORTAL_ENV": "production",
        "PORTAL_BASE_URL": "http://127.0.0.1",
        "PORTAL_SECRET_KEY": dataset.secret_key,
        "PORTAL_DATABASE_URL": dataset.database_url,
        "PORTAL_LOG_LEVEL": "WARNING",
        "PORTAL_RATELIMIT_STORAGE_URL": storage_url,
    }


def measure(
    load: Callable[..., LoadResult],
    server: Server,
    request: Request,
    connections: int,
    seconds: float,
) -> LoadResult:
    """One load run, plus the CPU the server's workers spent on it per request.

    The server is idle before (we wait for it). When wrk stops, ``connections`` requests are
    still in flight and the workers finish them: their CPU is counted once the server is idle
    again, and so are they, so that a slow scenario neither spills into the next run nor
    looks cheaper or dearer than it is.
    """
    work_dir = server.log_path.parent
    server.wait_idle()
    cpu_before = server.cpu_seconds()
    result = load(server.base_url, request, connections, seconds, work_dir)
    server.wait_idle()
    spent = server.cpu_seconds() - cpu_before
    served = result.requests + result.in_flight_at_end
    if served:
        result.server_cpu_ms = spent / served * 1000
    return result


def bare_app():
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    import bare_app as module

    return module.app


def time_in_process(
    pairs: Sequence[tuple[Any, Measurement]], count: int = 300, budget: float = 3.0
) -> None:
    """Median wall time of each request through its app's test client, one thread.

    The requests take turns (round robin), so that whatever else runs on the machine slows
    them alike; a scenario stops after ``count`` requests or ``budget`` seconds of its own.
    """
    times: dict[int, list[float]] = {i: [] for i in range(len(pairs))}
    spent = dict.fromkeys(times, 0.0)
    for app, m in pairs:
        for _ in range(3):
            response = _send_in_process(app, m.request)
        check_answer(m.request, response.status_code, response.get_data())
    active = set(times)
    while active:
        for i in sorted(active):
            app, m = pairs[i]
            began = time.perf_counter()
            _send_in_process(app, m.request)
            elapsed = time.perf_counter() - began
            times[i].append(elapsed)
            spent[i] += elapsed
            if len(times[i]) >= count or (spent[i] > budget and len(times[i]) >= 3):
                active.discard(i)
    for i, (_app, m) in enumerate(pairs):
        m.in_process_ms = statistics.median(times[i]) * 1000


def profile_in_process(app, request: Request, count: int = 300, top: int = 60) -> str:
    """cProfile of ``count`` requests through the test client, by cumulative time, then by
    the time spent in each function itself."""
    import cProfile
    import io
    import pstats

    _send_in_process(app, request)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        _send_in_process(app, request)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(top)
    return out.getvalue()
