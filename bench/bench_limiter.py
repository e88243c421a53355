"""Benchmark: what the request limiter and the concurrency slots cost per request.

    .venv/bin/python bench/bench_limiter.py [--duration 15] [--redis-url redis://127.0.0.1:6379/5]

The same requests (``GET /api/v1/me`` and ``GET /api/v1/products?limit=50`` of a small
organisation) are served by three gunicorn servers that differ only in the limits
(bench/limiter_app.py): ``off`` (``RATELIMIT_ENABLED`` False), ``memory`` (on, ``memory://``)
and ``redis`` (on, Redis). The servers take turns round after round, so the CPU per request
of ``memory`` or ``redis`` minus that of ``off`` is what the limiter (``security/throttle.py``'s
per-user limit and its headers) and the concurrency ("burst") slots cost. In-process, the
two are also measured apart, and a cProfile shows where their time goes.

The Redis database of ``--redis-url`` (never 0, 1 or 2) is emptied (``FLUSHDB``) before and
after the run. It prints a Markdown report and writes it into docs/benchmarks.md
(``--no-docs`` to skip).
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import secrets
import shutil
import statistics
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_catalog import make_seed
from harness import (
    BENCH_DIR,
    WRK_INSTALL_HINT,
    BenchError,
    Cleanup,
    Database,
    Dataset,
    Measurement,
    PostgresDatabase,
    Request,
    Scenario,
    Server,
    SqliteDatabase,
    _send_in_process,
    check_answer,
    count_queries,
    fmt_ms,
    fmt_rps,
    have_wrk,
    items_check,
    machine_info,
    machine_section,
    make_temp_dir,
    measure,
    portal_dataset,
    portal_env,
    run_python_client,
    run_wrk,
    write_docs_section,
)
from sqlalchemy import make_url

if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import limiter_app

FORBIDDEN_REDIS_DBS = {0, 1, 2}  # the portal's and the test suites'
BLOCK_ROUNDS, BLOCK = 20, 50  # in-process: rounds, and requests in a row per variant


@dataclass(frozen=True)
class Variant:
    name: str
    limits: str  # limiter_app's variant
    storage: str  # "memory" or "redis"
    served: bool = True
    note: str = ""


def variants(redis_url: str) -> list[Variant]:
    return [
        Variant("off", "off", "memory", note="`RATELIMIT_ENABLED` False: no limiter, no slots"),
        Variant("memory", "on", "memory", note="limiter + slots, `memory://` (per worker)"),
        Variant("redis", "on", "redis", note=f"limiter + slots, `{redis_url}` (shared)"),
        Variant("memory-limiter", "limiter-only", "memory", served=False),
        Variant("memory-slots", "slots-only", "memory", served=False),
        Variant("redis-limiter", "limiter-only", "redis", served=False),
        Variant("redis-slots", "slots-only", "redis", served=False),
    ]


def endpoints(dataset: Dataset) -> list[Scenario]:
    def me(d: Dataset) -> Request:
        return d.get("/api/v1/me")

    def products(d: Dataset) -> Request:
        return d.get("/api/v1/products?limit=50", check=items_check(50, more=True))

    return [
        Scenario("me", me, note="`GET /api/v1/me`: the identity and one SELECT"),
        Scenario(
            "products",
            products,
            note=f"`GET /api/v1/products?limit=50` of an organisation with {dataset.rows} products",
        ),
    ]


@dataclass
class Cell:
    """One endpoint on one variant."""

    endpoint: Scenario
    variant: Variant
    measurement: Measurement
    redis_commands: Counter[str] = field(default_factory=Counter)
    redis_cpu_us: list[float] = field(default_factory=list)  # per request, one per round
    headers: dict[str, str] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------
# Redis: the database we may use, its commands per request, its server's CPU


def redis_db(url: str) -> int:
    parsed = make_url(url) if "://" in url else None
    if parsed is None or parsed.drivername not in ("redis", "rediss"):
        raise SystemExit(f"--redis-url must be redis://…/<db>, not {url!r}")
    database = (parsed.database or "0").strip("/") or "0"
    if not database.isdigit() or int(database) in FORBIDDEN_REDIS_DBS:
        raise SystemExit(
            f"refusing Redis database {database!r}: the benchmark empties it (FLUSHDB), so "
            f"it must be a number other than {sorted(FORBIDDEN_REDIS_DBS)} (e.g. …/5)"
        )
    return int(database)


@contextlib.contextmanager
def counting_redis_commands() -> Iterator[Counter[str]]:
    """Commands sent by redis-py in this process (each one a round trip, no pipelines here)."""
    import redis.connection

    seen: Counter[str] = Counter()
    original = redis.connection.AbstractConnection.send_command

    def send_command(self, *args, **kwargs):
        seen[str(args[0]).upper()] += 1
        return original(self, *args, **kwargs)

    redis.connection.AbstractConnection.send_command = send_command
    try:
        yield seen
    finally:
        redis.connection.AbstractConnection.send_command = original


def redis_server_pid() -> int | None:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "redis-server":
                    return int(entry.name)
    return None


def process_cpu_seconds(pid: int | None) -> float:
    if pid is None:
        return 0.0
    with contextlib.suppress(OSError):
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return 0.0


# ---------------------------------------------------------------------------------------
# In-process: statements, Redis commands, medians, profile


def in_process_apps(dataset: Dataset, chosen: list[Variant], redis_url: str) -> dict[str, Any]:
    apps = {}
    for variant in chosen:
        apps[variant.name] = limiter_app.build(
            variant.limits,
            {
                "ENV_NAME": "production",
                "BASE_URL": "http://127.0.0.1",
                "SECRET_KEY": dataset.secret_key,
                "DATABASE_URL": dataset.database_url,
                "LOG_LEVEL": "WARNING",
                "RATELIMIT_STORAGE_URI": redis_url if variant.storage == "redis" else "memory://",
            },
        )
    return apps


def response_headers(app, request: Request) -> dict[str, str]:
    response = _send_in_process(app, request)
    check_answer(request, response.status_code, response.get_data())
    return {k: v for k, v in response.headers.items() if k.lower().startswith("x-ratelimit")}


def time_in_blocks(
    pairs: list[tuple[Any, Measurement]], rounds: int = BLOCK_ROUNDS, block: int = BLOCK
) -> None:
    """Median wall time of each request through its app's test client, one thread.

    Unlike the harness's round robin (one request of each in turn), each takes ``block``
    requests in a row, round after round, and the first of a block is not counted: a
    request right after another app's Redis round trips was seen to run ~0.1–0.3 ms slower
    (caches), which would bias whichever variant follows a Redis one.
    """
    times: dict[int, list[float]] = {i: [] for i in range(len(pairs))}
    for app, m in pairs:
        for _ in range(3):
            response = _send_in_process(app, m.request)
        check_answer(m.request, response.status_code, response.get_data())
    for _ in range(rounds):
        for i, (app, m) in enumerate(pairs):
            for n in range(block):
                began = time.perf_counter()
                _send_in_process(app, m.request)
                if n:
                    times[i].append(time.perf_counter() - began)
    for i, (_app, m) in enumerate(pairs):
        m.in_process_ms = statistics.median(times[i]) * 1000


PROFILED = {
    # (file ending, function name): label
    ("portal/security/identity.py", "load_identity"): "identity (Bearer, 1 SELECT)",
    ("portal/security/throttle.py", "count_request"): "portal: check and count",
    ("portal/security/throttle.py", "_add_headers"): "portal: X-RateLimit-* headers",
    ("portal/security/throttle.py", "rate_limit_key"): "  of which: the key (per call)",
    ("portal/security/throttle.py", "plan_limit"): "  of which: the plan's limit",
    ("portal/security/concurrency.py", "take_slot"): "portal: take a concurrency slot",
    ("portal/security/concurrency.py", "give_slot_back"): "portal: give it back",
}


def profile_limits(app, request: Request, count: int = 400) -> tuple[float, list[tuple]]:
    """(µs per request profiled, [(label, calls per request, µs per request)])."""
    _send_in_process(app, request)
    profiler = cProfile.Profile()
    profiler.enable()
    began = time.perf_counter()
    for _ in range(count):
        _send_in_process(app, request)
    elapsed = time.perf_counter() - began
    profiler.disable()
    stats = pstats.Stats(profiler).stats  # type: ignore[attr-defined]
    rows = []
    for (filename, _line, name), (_cc, calls, _tt, cumulative, _callers) in stats.items():
        for (ending, wanted), label in PROFILED.items():
            if name == wanted and filename.endswith(ending):
                rows.append((label, calls / count, cumulative / count * 1e6))
    order = list(PROFILED.values())
    rows.sort(key=lambda row: order.index(row[0]))
    return elapsed / count * 1e6, rows


# ---------------------------------------------------------------------------------------
# The run


@dataclass
class Settings:
    products: int
    duration: float
    single_duration: float
    rounds: int
    warmup: float
    connections: int
    workers: int
    threads: int
    client: str
    keep: bool
    database_url: str | None
    redis_url: str


def run(settings: Settings, cleanup: Cleanup, log: Callable[[str], None] = print):
    import redis

    work_dir = make_temp_dir(cleanup, settings.keep)
    redis_client = redis.Redis.from_url(settings.redis_url, socket_timeout=5)
    before_keys = redis_client.dbsize()
    if before_keys:
        log(f"Redis db {redis_db(settings.redis_url)} held {before_keys} keys: emptied")
    redis_client.flushdb()
    cleanup.callback(redis_client.close)
    cleanup.callback(redis_client.flushdb)
    if settings.database_url:
        database: Database = PostgresDatabase(settings.database_url)
        cleanup.callback(database.dispose)
    else:
        database = SqliteDatabase(work_dir, "portal")
    cleanup.callback(database.drop)

    dataset = portal_dataset(database.create(), settings.products, secrets.token_hex(32))
    make_seed(other_rows=settings.products)(dataset)
    dataset.app.extensions["portal.db"].dispose()
    all_variants = variants(settings.redis_url)
    served = [v for v in all_variants if v.served]
    off = all_variants[0]
    apps = in_process_apps(dataset, all_variants, settings.redis_url)
    cells: list[Cell] = []
    for endpoint in endpoints(dataset):
        request = endpoint.setup(dataset)
        for variant in all_variants:
            m = Measurement(endpoint, None, request)
            cell = Cell(endpoint, variant, m)
            _send_in_process(apps[variant.name], request)  # connections made, scripts loaded
            with counting_redis_commands() as commands:
                m.queries, _ = count_queries(apps[variant.name], request)
            cell.redis_commands = commands  # two warm requests (count_queries sends two)
            cell.headers = response_headers(apps[variant.name], request)
            cells.append(cell)
    for cell in cells:
        if (
            cell.variant.limits in ("on", "limiter-only")
            and "X-RateLimit-Limit" not in cell.headers
        ):
            raise BenchError(f"{cell.variant.name}: no X-RateLimit-Limit header: limits not on?")
        if cell.variant.limits == "off" and cell.headers:
            raise BenchError(f"off: rate-limit headers {cell.headers}: limits not off?")
    time_in_blocks([(apps[c.variant.name], c.measurement) for c in cells])
    log(
        "in-process ms: "
        + ", ".join(
            f"{c.endpoint.name}/{c.variant.name} {fmt_ms(c.measurement.in_process_ms)}"
            for c in cells
        )
    )
    profiles = {}
    me_request = cells[0].measurement.request
    for name in ("memory", "redis"):
        profiles[name] = profile_limits(apps[name], me_request)
    for app in apps.values():
        app.extensions["portal.db"].dispose()

    load = run_wrk if settings.client == "wrk" else run_python_client
    per_round = settings.duration / settings.rounds
    single_per_round = settings.single_duration / settings.rounds
    redis_pid = redis_server_pid()
    servers: dict[str, Server] = {}
    rss: dict[str, list[int]] = {}
    try:
        for variant in served:
            storage = settings.redis_url if variant.storage == "redis" else "memory://"
            server = Server(
                f"limits-{variant.name}",
                f"limiter_app:build({variant.limits!r})",
                portal_env(dataset, storage),
                work_dir,
                workers=settings.workers,
                threads=settings.threads,
                pythonpath=BENCH_DIR,
            )
            servers[variant.name] = server
            cleanup.callback(server.stop)
            server.wait_ready(cells[0].measurement.request)
            served_headers = served_rate_headers(server.base_url, cells[0].measurement.request)
            if (variant.limits == "off") == bool(served_headers):
                raise BenchError(f"{variant.name} served headers {served_headers}")
        timed = [c for c in cells if c.variant.served]
        for cell in timed:
            server = servers[cell.variant.name]
            if settings.warmup:
                request = cell.measurement.request
                load(server.base_url, request, settings.connections, settings.warmup, work_dir)
        for round_number in range(settings.rounds):
            # Rotate the order, so that no variant always runs first (or after the heavier).
            shift = round_number % len(served)
            order = [
                c
                for e in dict.fromkeys(c.endpoint.name for c in timed)
                for c in rotate([c for c in timed if c.endpoint.name == e], shift)
            ]
            for cell in order:
                server = servers[cell.variant.name]
                server.wait_idle()
                redis_before = process_cpu_seconds(redis_pid)
                result = measure(
                    load, server, cell.measurement.request, settings.connections, per_round
                )
                redis_spent = process_cpu_seconds(redis_pid) - redis_before
                cell.measurement.loads.append(result)
                served_requests = result.requests + result.in_flight_at_end
                cell.redis_cpu_us.append(redis_spent / max(1, served_requests) * 1e6)
            for cell in order:
                server = servers[cell.variant.name]
                cell.measurement.singles.append(
                    measure(load, server, cell.measurement.request, 1, single_per_round)
                )
            log(
                f"round {round_number + 1}/{settings.rounds}: "
                + ", ".join(
                    f"{c.endpoint.name}/{c.variant.name} {c.measurement.loads[-1].rps:.0f} req/s"
                    for c in timed
                )
            )
        for name, server in servers.items():
            rss[name] = server.worker_rss_kib()
        redis_keys = redis_client.dbsize()
    except BenchError:
        for server in servers.values():
            log(f"--- {server.name} log ---\n{server.log_tail()}")
        raise
    finally:
        for server in servers.values():
            server.stop()
    for cell in cells:
        cell.measurement.bare = next(
            c.measurement for c in cells if c.endpoint is cell.endpoint and c.variant is off
        )
        cell.measurement.rss_kib = rss.get(cell.variant.name, [])
    return cells, profiles, database, redis_keys, redis_pid


def rotate(items: list, shift: int) -> list:
    return items[shift:] + items[:shift]


def served_rate_headers(base_url: str, request: Request) -> dict[str, str]:
    req = urllib.request.Request(base_url + request.path, headers=request.headers)
    with urllib.request.urlopen(req, timeout=30) as response:
        return {k: v for k, v in response.headers.items() if k.lower().startswith("x-ratelimit")}


# ---------------------------------------------------------------------------------------
# Report


def cost_us(cell: Cell) -> tuple[float, float, float] | None:
    """CPU per request over ``off``'s, round by round: (median, min, max) in µs."""
    m = cell.measurement
    if m.bare is None or m.bare is m:
        return None
    diffs = [
        (mine.server_cpu_ms - base.server_cpu_ms) * 1000
        for mine, base in zip(m.loads, m.bare.loads, strict=False)
        if mine.server_cpu_ms is not None and base.server_cpu_ms is not None
    ]
    if not diffs:
        return None
    return statistics.median(diffs), min(diffs), max(diffs)


def fmt_us(value: float) -> str:
    return f"{value:+.0f}"


def report(
    cells: list[Cell],
    profiles: dict[str, tuple[float, list[tuple]]],
    database: Database,
    settings: Settings,
    argv: list[str],
    redis_keys: int,
    redis_pid: int | None,
    context: dict[str, str],
) -> str:
    import redis

    machine = {**machine_info(database, settings.client), **context}
    version = redis.Redis.from_url(settings.redis_url).info("server")["redis_version"]
    machine["Redis"] = f"Redis {version} (redis-py {redis.__version__})"
    out = machine_section(f"Limiter cost on {database.label}", machine)
    command = " ".join(["bench/bench_limiter.py", *argv]).strip()
    per_round = settings.duration / settings.rounds
    single_per_round = settings.single_duration / settings.rounds
    out.append(
        f"\n**Method.** `.venv/bin/python {command}`. A fresh {database.label} database "
        "migrated by `portal.migrate.upgrade`; one ENTERPRISE organisation (limits far above "
        f"the load: every request is counted, none refused) with {settings.products} products "
        f"and a second one with as many; a JWT of the first one's OWNER. Three gunicorn "
        f"servers (`--workers {settings.workers} --worker-class gthread --threads "
        f"{settings.threads}`, `PORTAL_ENV=production`) serve the same app through "
        "`bench/limiter_app.py`, differing only in the limits: `off` "
        "(`create_app({'RATELIMIT_ENABLED': False})`: there is no environment variable for "
        "it), `memory` (`PORTAL_RATELIMIT_STORAGE_URL` unset, i.e. `memory://`) and `redis`. "
        f"After a {settings.warmup:g} s warm-up each, {settings.rounds} rounds; in each, every "
        f"endpoint on every server gets {per_round:g} s of load from {settings.client} "
        f"(1 thread, {settings.connections} connections), then {single_per_round:g} s from 1 "
        "connection; the order of the servers rotates from round to round. Server CPU is the "
        "workers' user + system time per request under load (median of the rounds); **cost** "
        "is that CPU minus `off`'s, round by round (median, min–max), which is what the "
        "limiter and the slots add to each request; `× off` is the variant's req/s over "
        "`off`'s (median of the rounds, min–max), `× off (CPU)` `off`'s CPU per request over "
        "the variant's: the capacity left (1 = free). Redis CPU is the redis-server "
        "process's CPU per request during the same load runs (that server is shared with "
        "whatever else uses it on this machine: the `off` and `memory` rows show that "
        "background). SQL statements (on the second of two identical requests) and Redis "
        "commands (each one a round trip; per request over two warm requests) are counted "
        "in-process (Flask test client); in-process ms is the median of "
        f"{BLOCK_ROUNDS * (BLOCK - 1):,} requests ({BLOCK_ROUNDS} rounds in which every "
        f"variant serves {BLOCK} in a row, the first not counted).\n"
    )
    out.append(
        "With `memory://` and 2 workers each worker counts on its own: a user's limit and "
        "slots are per worker, so the effective limit is up to 2× the plan's (expected; "
        "Redis shares them between workers and hosts)."
    )
    for endpoint in dict.fromkeys(c.endpoint for c in cells):
        mine = [c for c in cells if c.endpoint is endpoint and c.variant.served]
        out.append(f"\n**{endpoint.name}**: {endpoint.note}\n")
        out.append(
            f"| limits | req/s ({settings.connections} conn.) | × off | median ms | p99 ms "
            "| median ms (1 conn.) | server CPU ms / req | cost µs / req | × off (CPU) "
            "| Redis CPU µs / req | in-process ms | SQL / request | Redis commands / request "
            "| errors |"
        )
        out.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|")
        for cell in mine:
            out.append(table_row(cell))
        out.append("")
        out.extend(f"- `{c.variant.name}`: {c.variant.note}" for c in mine)

    out.append(
        "\n**Limiter and slots apart** (in-process, one thread, median ms per request; "
        "Δ = over `off`, in µs):\n"
    )
    names = list(dict.fromkeys(c.variant.name for c in cells))
    endpoints_seen = list(dict.fromkeys(c.endpoint for c in cells))
    out.append(
        "| limits | "
        + " | ".join(f"{e.name} ms | {e.name} Δ µs" for e in endpoints_seen)
        + " | Redis commands / request |"
    )
    out.append("|---|" + "---:|---:|" * len(endpoints_seen) + "---|")
    for name in names:
        row = [f"`{name}`"]
        commands = "—"
        for endpoint in endpoints_seen:
            cell = next(c for c in cells if c.endpoint is endpoint and c.variant.name == name)
            base = next(c for c in cells if c.endpoint is endpoint and c.variant.name == "off")
            ms, base_ms = cell.measurement.in_process_ms, base.measurement.in_process_ms
            row.append(fmt_ms(ms))
            row.append("—" if name == "off" or ms is None else fmt_us((ms - base_ms) * 1000))
            commands = describe_commands(cell.redis_commands)
        out.append("| " + " | ".join(row) + f" | {commands} |")

    out.append(
        "\n**Where the limits' time goes** (cProfile of 400 in-process `GET /api/v1/me`; "
        "cumulative µs per request, inflated by the profiler: read the shares):\n"
    )
    out.append(
        "| part | "
        + " | ".join(f"{name}: calls / req | {name}: µs / req" for name in profiles)
        + " |"
    )
    out.append("|---|" + "---:|---:|" * len(profiles) + "")
    labels = list(dict.fromkeys(label for _, rows in profiles.values() for label, *_ in rows))
    for label in labels:
        row = [label]
        for _total, rows in profiles.values():
            found = next((r for r in rows if r[0] == label), None)
            row += [f"{found[1]:.0f}", f"{found[2]:.0f}"] if found else ["—", "—"]
        out.append("| " + " | ".join(row) + " |")
    out.append(
        "| whole request (profiled) | "
        + " | ".join(f"1 | {total:.0f}" for total, _ in profiles.values())
        + " |"
    )

    rss_lines = []
    for name in dict.fromkeys(c.variant.name for c in cells if c.variant.served):
        cell = next(c for c in cells if c.variant.name == name)
        sizes = ", ".join(f"{k / 1024:.0f} MiB" for k in cell.measurement.rss_kib)
        rss_lines.append(f"- `{name}`: {sizes}")
    out.append("\n**gunicorn worker RSS after the load** (VmRSS per worker):\n")
    out.extend(rss_lines)
    out.append(
        f"\nRedis db {redis_db(settings.redis_url)} held {redis_keys} keys after the run "
        "(the limiter's counters: the storage was really used); it was emptied before and "
        f"after. redis-server pid {redis_pid if redis_pid else 'not found'}."
    )
    failed = sum(
        (c.measurement.load.errors if c.measurement.load else 0)
        + (c.measurement.single.errors if c.measurement.single else 0)
        for c in cells
    )
    if failed:
        out.append(f"\n**Warning: {failed} requests failed** (non-2xx, socket errors or timeouts).")
    return "\n".join(out) + "\n"


def describe_commands(commands: Counter[str]) -> str:
    if not commands:
        return "0"
    per_request = {name: n / 2 for name, n in commands.items()}  # two requests were counted
    total = sum(per_request.values())
    return f"{total:g} (" + ", ".join(f"{n:g} {name}" for name, n in per_request.items()) + ")"


def table_row(cell: Cell) -> str:
    m = cell.measurement
    load, single = m.load, m.single
    is_off = cell.variant.name == "off"
    ratio = "1×"
    if not is_off and m.ratio is not None:
        low, high = min(m.ratios), max(m.ratios)
        ratio = f"{m.ratio:.2f}× ({low:.2f}–{high:.2f})"
    cost = cost_us(cell)
    cost_text = (
        "—" if is_off or cost is None else f"{fmt_us(cost[0])} ({cost[1]:+.0f}…{cost[2]:+.0f})"
    )
    cpu = "1×"
    if not is_off and load and m.bare and m.bare.load and load.server_cpu_ms:
        cpu = f"{m.bare.load.server_cpu_ms / load.server_cpu_ms:.2f}×"
    errors = (load.errors if load else 0) + (single.errors if single else 0)
    redis_cpu = statistics.median(cell.redis_cpu_us) if cell.redis_cpu_us else None
    cells = [
        f"`{cell.variant.name}`",
        fmt_rps(load.rps) if load else "—",
        ratio,
        fmt_ms(load.p50_ms) if load else "—",
        fmt_ms(load.p99_ms) if load else "—",
        fmt_ms(single.p50_ms) if single else "—",
        fmt_ms(load.server_cpu_ms) if load else "—",
        cost_text,
        cpu,
        f"{redis_cpu:.0f}" if redis_cpu is not None else "—",
        fmt_ms(m.in_process_ms),
        m.queries.describe() if m.queries else "—",
        describe_commands(cell.redis_commands),
        str(errors),
    ]
    return "| " + " | ".join(cells) + " |"


# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    cores = os.cpu_count() or 2
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=200, help="the organisation's products")
    parser.add_argument(
        "--duration", type=float, default=15, help="seconds of load per variant (all rounds)"
    )
    parser.add_argument(
        "--single-duration", type=float, default=5, help="seconds at 1 connection (all rounds)"
    )
    parser.add_argument(
        "--rounds", type=int, default=5, help="the servers take turns this many times"
    )
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per variant")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=cores, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/5",
        help="a Redis database the benchmark empties (FLUSHDB): never 0, 1 or 2",
    )
    parser.add_argument(
        "--database-url",
        help="postgresql://…/bench_… : a database the benchmark creates and drops "
        "(its name must start with 'bench'); default: SQLite in a temp dir",
    )
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    redis_db(args.redis_url)  # refuse a forbidden database before anything starts
    client = args.client
    if client == "auto":
        client = "wrk" if have_wrk() else "python"
        if client == "python":
            print(f"wrk not found: using the Python client. Install wrk with: {WRK_INSTALL_HINT}")
    elif client == "wrk" and not shutil.which("wrk"):
        print(f"wrk not found. Install it with: {WRK_INSTALL_HINT}")
        return 2
    settings = Settings(
        products=args.products,
        duration=args.duration,
        single_duration=args.single_duration,
        rounds=args.rounds,
        warmup=args.warmup,
        connections=args.connections,
        workers=args.workers,
        threads=args.threads,
        client=client,
        keep=args.keep,
        database_url=args.database_url,
        redis_url=args.redis_url,
    )
    try:
        with Cleanup() as cleanup:
            load_before = os.getloadavg()[0]
            cells, profiles, database, redis_keys, redis_pid = run(settings, cleanup)
            context = {
                "load average (1 min)": f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
            }
            text = report(cells, profiles, database, settings, argv, redis_keys, redis_pid, context)
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temp files removed, Redis db emptied")
        return 130
    except BenchError as exc:
        print(f"\nbenchmark aborted: {exc}")
        return 1
    print()
    print(text)
    if not args.no_docs:
        write_docs_section(f"limiter-{database.kind}", text)
        print("docs/benchmarks.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
