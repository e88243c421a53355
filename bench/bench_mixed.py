"""Benchmark: a mixed load — 50 users of 5 organisations listing, reading, searching, quoting,
invoicing, paying and looking at the dashboard (issue 16, scope 4). The last part of
``make bench`` (bench/bench_targets.py).

    .venv/bin/python bench/bench_mixed.py [--invoices 100000] [--duration 45]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_mixed]
        [--redis-url redis://127.0.0.1:6379/5] [--databases postgresql,sqlite]

For each database (PostgreSQL with the rate limits on Redis, like production; SQLite with
``memory://``) it seeds a fresh database: 5 ENTERPRISE organisations (limits far above the
load), each with its OWNER's JWT and a fifth of ``--invoices`` invoices, ``--customers``
customers and ``--products`` products, with Core inserts. Then it serves the bare Flask
endpoint (bench/bare_app.py, 2 workers) and the portal (2 workers; on PostgreSQL also 1
worker, to show that capacity grows with processes) with gunicorn on 127.0.0.1, and loads
each in turn with wrk and bench/mixed.lua: ``--connections`` (50) keep-alive connections
over 5 wrk threads, one organisation per thread, picking every request from the mix below.
It prints a Markdown report and writes it into docs/benchmarks.md (``--no-docs`` to skip).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench_catalog import NOUNS, QUALITIES, product_rows
from bench_invoices import seed_organization, today
from bench_limiter import redis_db
from harness import (
    BENCH_DIR,
    BENCH_PASSWORD,
    WRK_INSTALL_HINT,
    BenchError,
    Cleanup,
    Database,
    Dataset,
    Outcome,
    PostgresDatabase,
    Request,
    Server,
    SqliteDatabase,
    UsageError,
    fmt_ms,
    fmt_rps,
    have_wrk,
    machine_info,
    machine_section,
    make_temp_dir,
    portal_dataset,
    portal_env,
    script_main,
)
from sqlalchemy import func, insert, select, text

from portal.accounts.models import Organization, User
from portal.catalog.models import Product
from portal.dashboard.totals import rebuild_totals
from portal.extensions import db
from portal.invoices.models import Invoice
from portal.pagination import keyset_page
from portal.security.passwords import hash_password
from portal.security.tokens import issue_token

SCRIPT = BENCH_DIR / "mixed.lua"

# The mix: (kind, weight in %, what it sends). Reads dominate, as in an invoicing office.
MIX: tuple[tuple[str, int, str], ...] = (
    (
        "list",
        25,
        "`GET /api/v1/invoices?limit=50`: 60 % the first page, 20 % `&status=` "
        "(ISSUED, PAID or DRAFT), 20 % `&cursor=` of a page somewhere in the list",
    ),
    ("read", 20, "`GET /api/v1/invoices/<id>`: one of 1,000 invoices of the organisation"),
    (
        "search",
        20,
        "`GET /api/v1/products?limit=50&q=`: half a word of the names (`acero`, `tornillo`…), "
        "half an SKU (`SKU-001234`)",
    ),
    ("dashboard", 10, "`GET /api/v1/dashboard`: the default period"),
    (
        "quote",
        10,
        "`POST /api/v1/quotes`: a customer, 2 product lines and 1 free line",
    ),
    (
        "invoice",
        8,
        "`POST /api/v1/invoices`: a draft of today, a customer, the same 3 lines",
    ),
    (
        "payment",
        7,
        "`POST /api/v1/invoices/<id>/payments`: 0.50 by transfer on one of 1,000 issued or "
        "partly paid invoices with a balance",
    ),
)
PAYMENT_AMOUNT = "0.50"
SAMPLE = 1000  # invoices to read, invoices to pay, customers and products per organisation
CURSORS = 20  # list pages per organisation
STATUSES = ("ISSUED", "PAID", "DRAFT")
WORDS = tuple(sorted({w.lower() for w in (*NOUNS, *QUALITIES)}))

# Issue 16's targets for the mixed load (PostgreSQL + Redis, 2 workers) and for every worker.
TARGET_P99_MS = 250
TARGET_RATIO = 0.2
TARGET_RSS_MIB = 120

POSTGRESQL, SQLITE = "postgresql", "sqlite"


# ---------------------------------------------------------------------------------------
# Data: five organisations, and the file the Lua script reads


@dataclass
class Settings:
    invoices: int
    customers: int
    products: int
    organizations: int
    duration: float
    rounds: int
    warmup: float
    connections: int
    databases: list[str]
    database_url: str | None
    redis_url: str
    keep: bool


def seed(dataset: Dataset, settings: Settings) -> tuple[list[dict[str, Any]], float]:
    """The organisations (the harness's measured one and ``organizations - 1`` more), their
    documents, running totals and statistics; what the Lua script needs of each."""
    began = time.monotonic()
    rng = random.Random(20261130 + settings.invoices)
    app, info = dataset.app, dataset.info
    engine = app.extensions["portal.db"]
    orgs = [{"id": info["organization_id"], "owner": info["owner_id"], "token": dataset.token}]
    with app.app_context():
        password_hash = hash_password(BENCH_PASSWORD)
        for n in range(2, settings.organizations + 1):
            organization = Organization(
                name=f"Comercial Bench {n} S.A.",
                plan="ENTERPRISE",
                currency="USD",
                locale="es",
                custom_requests_per_minute=100_000_000,
                custom_concurrent_requests=100_000,
            )
            db.session.add(organization)
            db.session.flush()
            owner = User(
                organization_id=organization.id,
                name=f"Dueña Bench {n}",
                email=f"owner{n}@mixed.example.com",
                password_hash=password_hash,
                role="OWNER",
                locale="es",
            )
            db.session.add(owner)
            db.session.commit()
            token, _ = issue_token(owner)
            orgs.append({"id": organization.id, "owner": owner.id, "token": token})
        db.session.remove()
    share = settings.organizations
    for org in orgs:
        with engine.begin() as conn:
            mine = seed_organization(
                conn,
                org["id"],
                org["owner"],
                settings.invoices // share,
                max(1, settings.customers // share),
                rng,
            )
            active: list[str] = []
            org["product_count"] = max(1, settings.products // share)
            for batch in product_rows(org["id"], org["product_count"], rng):
                conn.execute(insert(Product.__table__), batch)
                active.extend(row["public_id"] for row in batch if row["active"])
        org["customers"] = rng.sample(
            mine["customer_public_ids"], min(SAMPLE, len(mine["customer_public_ids"]))
        )
        org["products"] = rng.sample(active, min(SAMPLE, len(active)))
    with engine.begin() as conn:
        rebuild_totals(conn, [org["id"] for org in orgs])
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    else:
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    with app.app_context():
        for org in orgs:
            org.update(samples(org["id"], settings.invoices // share))
        db.session.remove()
    engine.dispose()
    return orgs, time.monotonic() - began


def samples(organization_id: int, count: int) -> dict[str, list[str]]:
    """Invoices to read, invoices with a balance to pay, and cursors into the list."""
    mine = Invoice.organization_id == organization_id
    invoices = db.session.scalars(
        select(Invoice.public_id).where(mine).order_by(func.random()).limit(SAMPLE)
    ).all()
    payable = db.session.scalars(
        select(Invoice.public_id)
        .where(
            mine,
            Invoice.status.in_(("ISSUED", "PARTIALLY_PAID")),
            Invoice.total - Invoice.amount_paid >= 10,
        )
        .order_by(func.random())
        .limit(SAMPLE)
    ).all()
    cursors = []
    for n in range(CURSORS):
        depth = int(count * (n + 0.5) / CURSORS)
        stmt = select(Invoice).where(mine).offset(min(depth, max(0, count - 2)))
        _, cursor = keyset_page(stmt, (Invoice.created_at, Invoice.public_id), 1, None)
        if cursor:
            cursors.append(urllib.parse.quote(cursor, safe=""))
    if not invoices or not payable or not cursors:
        raise BenchError(
            f"organisation {organization_id}: {len(invoices)} invoices, {len(payable)} payable, "
            f"{len(cursors)} cursors: too little data to load"
        )
    return {"invoices": list(invoices), "payable": list(payable), "cursors": cursors}


def lua(value: Any) -> str:
    """A Lua literal of ``value`` (dicts, lists, strings, numbers), for ``dofile``."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"[{lua(k)}] = {lua(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "{" + ", ".join(lua(v) for v in value) + "}"
    if isinstance(value, bool | int | float):
        return json.dumps(value)
    raw = str(value)
    if not raw.isascii() or "\\" in raw:
        raise ValueError(f"not a plain ASCII string for Lua: {raw!r}")
    return json.dumps(raw)


def write_data(path: Path, orgs: list[dict[str, Any]]) -> None:
    keys = ("token", "invoices", "payable", "cursors", "customers", "products", "product_count")
    data = {
        "seed": 16,
        "today": today().isoformat(),
        "payment_amount": PAYMENT_AMOUNT,
        "statuses": STATUSES,
        "words": [urllib.parse.quote(word) for word in WORDS],
        "mix": [[kind, weight] for kind, weight, _ in MIX],
        "organizations": [{key: org[key] for key in keys} for org in orgs],
    }
    path.write_text("return " + lua(data) + "\n")


# ---------------------------------------------------------------------------------------
# One load run


@dataclass
class Run:
    """One wrk run of the mix (or of the bare endpoint) against one server."""

    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    socket_errors: int  # connect, read, write errors and timeouts
    status_errors: int  # non-2xx answers
    counts: Counter[str] = field(default_factory=Counter)
    failures: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)  # "kind status" of failures
    latencies_us: dict[str, list[float]] = field(default_factory=dict)
    samples: list[dict[str, Any]] = field(default_factory=list)
    unmatched: int = 0
    cpu_ms: float | None = None  # gunicorn workers' CPU per request

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.socket_errors + self.status_errors


def as_dict(value: Any) -> dict:
    return value if isinstance(value, dict) else {}  # an empty Lua table comes out as []


def run_mix(
    base_url: str, mode: str, data: Path, settings: Settings, seconds: float, work_dir: Path
) -> Run:
    out = work_dir / "mixed-result.json"
    out.unlink(missing_ok=True)
    command = [
        "wrk",
        "--threads",
        str(settings.organizations),
        "--connections",
        str(settings.connections),
        "--duration",
        f"{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "--script",
        str(SCRIPT),
        base_url,
    ]
    env = {**os.environ, "MIXED_DATA": str(data), "MIXED_RESULT": str(out), "MIXED_MODE": mode}
    completed = subprocess.run(
        command, capture_output=True, text=True, timeout=seconds + 60, env=env
    )
    if completed.returncode < 0:  # killed by a signal
        raise WrkCrashed(f"wrk crashed ({completed.returncode}): {completed.stderr}")
    if completed.returncode != 0 or not out.exists():
        raise BenchError(
            f"wrk failed ({completed.returncode}): {completed.stderr or completed.stdout}"
        )
    raw = json.loads(out.read_text())
    run = Run(
        requests=raw["requests"],
        seconds=raw["duration_us"] / 1e6,
        p50_ms=raw["p50"] / 1000,
        p95_ms=raw["p95"] / 1000,
        p99_ms=raw["p99"] / 1000,
        socket_errors=raw["connect"] + raw["read"] + raw["write"] + raw["timeout"],
        status_errors=raw["status"],
    )
    for thread in raw["threads"]:
        run.counts.update(as_dict(thread["counts"]))
        run.failures.update(as_dict(thread["failures"]))
        run.statuses.update(as_dict(thread["statuses"]))
        for kind, values in as_dict(thread["latencies"]).items():
            run.latencies_us.setdefault(kind, []).extend(values)
        sent = thread["samples"] if isinstance(thread["samples"], list) else []
        run.samples.extend(json.loads(sample) for sample in sent)  # JSON strings (mixed.lua)
        run.unmatched += int(thread["unmatched"] or 0)
    return run


class WrkCrashed(BenchError):
    """wrk died of a signal (4.1 segfaults now and then in its Lua glue): the load
    generator's failure, not the server's."""


WRK_ATTEMPTS = 3
wrk_crashes = 0  # how many runs were started again, for the report


def measure_mix(server: Server, mode: str, data: Path, settings: Settings, seconds: float) -> Run:
    """A run, and the CPU the workers spent on it (counted once they are idle again). A run
    whose wrk crashed is thrown away whole (its CPU too) and started again."""
    global wrk_crashes
    for attempt in range(1, WRK_ATTEMPTS + 1):
        server.wait_idle()
        before = server.cpu_seconds()
        try:
            run = run_mix(server.base_url, mode, data, settings, seconds, server.log_path.parent)
        except WrkCrashed:
            if attempt == WRK_ATTEMPTS:
                raise
            wrk_crashes += 1
            print(f"  wrk crashed (run {attempt}); running it again", flush=True)
            continue
        server.wait_idle()
        served = run.requests + settings.connections  # wrk stops with each connection waiting
        run.cpu_ms = (server.cpu_seconds() - before) / served * 1000
        return run
    raise AssertionError("unreachable")


# ---------------------------------------------------------------------------------------
# One database: seed, serve, load round after round


def round_seconds(settings: Settings) -> int:
    """wrk's ``--duration`` takes whole seconds."""
    return max(1, round(settings.duration / settings.rounds))


@dataclass
class Served:
    name: str
    label: str
    mode: str  # "portal" or "bare"
    workers: int
    runs: list[Run] = field(default_factory=list)
    rss_kib: list[int] = field(default_factory=list)
    warmup_samples: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class DatabaseRun:
    database: Database
    storage: str  # the rate limits' storage
    served: list[Served]
    seeded_s: float
    version: str = ""
    redis_keys: int | None = None  # keys in the Redis db after the load: the limits used it


def run_database(
    kind: str, settings: Settings, cleanup: Cleanup, work_dir: Path, log=print
) -> DatabaseRun:
    if kind == POSTGRESQL:
        assert settings.database_url
        database: Database = PostgresDatabase(settings.database_url)
        cleanup.callback(database.dispose)
        storage = settings.redis_url
        flush_redis(settings.redis_url, log)
    else:
        database = SqliteDatabase(work_dir, "mixed")
        storage = "memory://"
    cleanup.callback(database.drop)
    log(f"\n== {database.label}: seeding {settings.invoices:,} invoices ==")
    dataset = portal_dataset(database.create(), settings.invoices, secrets.token_hex(32))
    orgs, seeded_s = seed(dataset, settings)
    log(f"seeded in {seeded_s:.0f}s")
    data = work_dir / f"mixed-data-{kind}.lua"
    write_data(data, orgs)
    served = [Served("bare", "bare endpoint", "bare", 2), Served("portal-2", "portal", "portal", 2)]
    if kind == POSTGRESQL:
        served.append(Served("portal-1", "portal", "portal", 1))
    result = DatabaseRun(database, storage, served, seeded_s, database.version())
    dashboard = Request(
        "GET",
        "/api/v1/dashboard",
        headers={"Authorization": f"Bearer {dataset.token}", "Accept": "application/json"},
    )
    servers: dict[str, Server] = {}
    try:
        for s in served:
            if s.mode == "bare":
                server = Server(
                    f"{kind}-bare",
                    "bare_app:app",
                    {},
                    work_dir,
                    workers=s.workers,
                    threads=4,
                    pythonpath=BENCH_DIR,
                )
                ready = Request("GET", "/bare/products")
            else:
                server = Server(
                    f"{kind}-{s.name}",
                    "app:app",
                    portal_env(dataset, storage),
                    work_dir,
                    workers=s.workers,
                    threads=4,
                )
                ready = dashboard
            servers[s.name] = server
            cleanup.callback(server.stop)
            server.wait_ready(ready)
        for s in served:  # imports, connections and caches of every worker
            warm = measure_mix(servers[s.name], s.mode, data, settings, settings.warmup)
            s.warmup_samples = warm.samples
            log(f"  warm-up {s.name}: {warm.rps:.0f} req/s, {warm.errors} errors")
            for sample in warm.samples[:3]:
                log(f"    {describe_sample(sample)}")
        per_round = round_seconds(settings)
        for number in range(settings.rounds):
            shift = number % len(served)
            for s in served[shift:] + served[:shift]:  # no server always first
                s.runs.append(measure_mix(servers[s.name], s.mode, data, settings, per_round))
            log(
                f"  round {number + 1}/{settings.rounds}: "
                + ", ".join(
                    f"{s.name} {s.runs[-1].rps:.0f} req/s ({s.runs[-1].errors} errors)"
                    for s in served
                )
            )
        for s in served:
            s.rss_kib = servers[s.name].worker_rss_kib()
        if kind == POSTGRESQL:
            result.redis_keys = redis_keys(settings.redis_url)
    except BenchError:
        for server in servers.values():
            log(f"--- {server.name} log ---\n{server.log_tail()}")
        raise
    finally:
        for server in servers.values():
            server.stop()
    database.drop()
    return result


def flush_redis(url: str, log) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        keys = client.dbsize()
        if keys:
            log(f"Redis db {redis_db(url)} held {keys} keys: emptied")
        client.flushdb()
    finally:
        client.close()


def redis_keys(url: str) -> int:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=5)
    try:
        return int(client.dbsize())
    finally:
        client.close()


def describe_sample(sample: dict[str, Any]) -> str:
    body = f" {sample['request_body']}" if sample.get("request_body") else ""
    return (
        f"{sample['kind']}: {sample['method']} {sample['path']}{body} → {sample['status']} "
        f"{sample['body'][:300]}"
    )


# ---------------------------------------------------------------------------------------
# Report


def pooled(runs: list[Run]) -> dict[str, Any]:
    """The rounds of one server: requests over seconds, latencies the median of the rounds."""
    seconds = sum(r.seconds for r in runs)
    return {
        "rps": sum(r.requests for r in runs) / seconds if seconds else 0.0,
        "p50": statistics.median(r.p50_ms for r in runs),
        "p95": statistics.median(r.p95_ms for r in runs),
        "p99": statistics.median(r.p99_ms for r in runs),
        "errors": sum(r.errors for r in runs),
        "socket": sum(r.socket_errors for r in runs),
        "cpu": statistics.median(r.cpu_ms for r in runs if r.cpu_ms is not None),
    }


def ratios(mine: Served, bare: Served) -> list[float]:
    return [a.rps / b.rps for a, b in zip(mine.runs, bare.runs, strict=False) if b.rps]


def percentile(values: list[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def results_rows(result: DatabaseRun) -> list[str]:
    bare = result.served[0]
    bare_figures = pooled(bare.runs)
    rows = []
    for s in result.served:
        f = pooled(s.runs)
        if s is bare:
            ratio, cpu_ratio = "1×", "1×"
        else:
            r = ratios(s, bare)
            ratio = f"{statistics.median(r):.2f}× ({min(r):.2f}–{max(r):.2f})" if r else "—"
            cpu_ratio = f"{bare_figures['cpu'] / f['cpu']:.2f}×" if f["cpu"] else "—"
        rss = ", ".join(f"{k / 1024:.0f}" for k in s.rss_kib) or "—"
        errors = f"{f['errors']}" + (f" ({f['socket']} socket)" if f["socket"] else "")
        rows.append(
            f"| {result.database.label}: {s.label}, {s.workers} worker{'s' * (s.workers > 1)} "
            f"| {fmt_rps(f['rps'])} | {ratio} | {fmt_ms(f['p50'])} / {fmt_ms(f['p95'])} / "
            f"{fmt_ms(f['p99'])} | {errors} | {fmt_ms(f['cpu'])} | {cpu_ratio} | {rss} |"
        )
    return rows


def per_kind_rows(result: DatabaseRun) -> list[str]:
    rows = []
    weights = {kind: weight for kind, weight, _ in MIX}
    for s in result.served:
        if s.mode != "portal":
            continue
        counts: Counter[str] = Counter()
        failures: Counter[str] = Counter()
        latencies: dict[str, list[float]] = {}
        for run in s.runs:
            counts.update(run.counts)
            failures.update(run.failures)
            for kind, values in run.latencies_us.items():
                latencies.setdefault(kind, []).extend(values)
        total = sum(counts.values()) or 1
        for kind in [*weights, *(k for k in counts if k not in weights)]:
            own = latencies.get(kind, [])
            figures = " / ".join(fmt_ms(ms(percentile(own, p))) for p in (50, 95, 99))
            rows.append(
                f"| {result.database.label}, {s.workers} worker{'s' * (s.workers > 1)} "
                f"| `{kind}` | {weights.get(kind, 0)} % | {100 * counts[kind] / total:.1f} % "
                f"| {counts[kind]:,} | {failures[kind]} | {figures} |"
            )
    return rows


def ms(us: float | None) -> float | None:
    return us / 1000 if us is not None else None


def failures_lines(result: DatabaseRun) -> list[str]:
    out = []
    for s in result.served:
        statuses: Counter[str] = Counter()
        socket = 0
        found: list[dict[str, Any]] = []
        for run in s.runs:
            statuses.update(run.statuses)
            socket += run.socket_errors
            found.extend(run.samples)
        unmatched = sum(run.unmatched for run in s.runs)
        if not statuses and not socket and not unmatched:
            continue
        where = f"{result.database.label}, {s.name}"
        if statuses:
            listed = ", ".join(f"{key}: {n}" for key, n in statuses.most_common())
            out.append(f"- {where}: non-2xx answers by kind and status: {listed}.")
        if socket:
            out.append(f"- {where}: {socket} socket errors or timeouts (wrk).")
        if unmatched and s.mode == "portal":
            out.append(f"- {where}: {unmatched} answers without our `X-Request-ID` (kind unknown).")
        for sample in found[:5]:
            out.append(f"  - `{describe_sample(sample)}`")
    return out


def targets_lines(result: DatabaseRun) -> list[str]:
    bare, portal = result.served[0], result.served[1]
    f, b = pooled(portal.runs), pooled(bare.runs)
    r = ratios(portal, bare)
    ratio = statistics.median(r) if r else 0.0
    rss = max(portal.rss_kib, default=0) / 1024

    def word(ok: bool) -> str:
        return "met" if ok else "**not met**"

    out = [
        f"- errors: {f['errors']} (target 0: {word(f['errors'] == 0)})",
        f"- p99: {fmt_ms(f['p99'])} ms (target ≤ {TARGET_P99_MS} ms: "
        f"{word(f['p99'] <= TARGET_P99_MS)})",
        f"- throughput: {ratio:.2f}× bare by req/s, {b['cpu'] / f['cpu']:.2f}× by CPU per "
        f"request (target ≥ {TARGET_RATIO}×: {word(ratio >= TARGET_RATIO)})",
        f"- largest worker RSS after load: {rss:.0f} MiB (target < {TARGET_RSS_MIB} MiB: "
        f"{word(rss < TARGET_RSS_MIB)})",
    ]
    one = next((s for s in result.served if s.name == "portal-1"), None)
    if one is not None:
        g = pooled(one.runs)
        out.append(
            f"- capacity with processes: 1 worker {fmt_rps(g['rps'])} req/s, 2 workers "
            f"{fmt_rps(f['rps'])} req/s ({f['rps'] / g['rps']:.2f}×; at most ~2× on 2 cores "
            "that also run wrk and the database); CPU per request "
            f"{fmt_ms(g['cpu'])} and {fmt_ms(f['cpu'])} ms"
        )
    return out


def report(
    results: list[DatabaseRun], settings: Settings, argv: list[str], context: dict[str, str]
) -> str:
    import redis

    machine = machine_info(results[0].database, "wrk")
    machine["database"] = ", ".join(r.version for r in results)
    if any(r.database.kind == POSTGRESQL for r in results):
        info = redis.Redis.from_url(settings.redis_url).info("server")
        machine["Redis"] = f"Redis {info['redis_version']} (redis-py {redis.__version__})"
    machine.update(context)
    out = machine_section("Mixed load", machine)
    per_round = round_seconds(settings)
    command = " ".join(["bench/bench_mixed.py", *argv]).strip()
    storages = "; ".join(f"{r.database.label}: rate limits on `{r.storage}`" for r in results)
    out.append(
        f"\n**Method.** `.venv/bin/python {command}` (the last part of `make bench`). For each "
        f"database a fresh one migrated by `portal.migrate.upgrade`, then {settings.organizations} "
        "ENTERPRISE organisations (limits far above the load), each with its OWNER's JWT and a "
        f"{settings.organizations}th of {settings.invoices:,} invoices (bench_invoices' seed: "
        f"11 months, statuses by age, numbered series), {settings.customers:,} customers and "
        f"{settings.products:,} products (bench_catalog's), Core inserts, then "
        "`rebuild_totals` and `ANALYZE` (`VACUUM ANALYZE` on PostgreSQL); seeding took "
        + ", ".join(f"{r.seeded_s:.0f} s ({r.database.label})" for r in results)
        + ". The bare endpoint (`bench/bare_app.py`) and the portal (`PORTAL_ENV=production`; "
        f"{storages}) run under `gunicorn --worker-class gthread --threads 4` on 127.0.0.1. "
        f"Load: wrk with `bench/mixed.lua`, {settings.connections} keep-alive connections "
        f"over {settings.organizations} threads (each thread the users of one organisation), "
        f"every request drawn from the mix below; the bare endpoint gets the same connections "
        f"through the same script. After a {settings.warmup:g} s warm-up of each server, "
        f"{settings.rounds} rounds of {per_round:g} s per server, the order rotating. req/s is "
        "over all rounds; p50/p95/p99 are wrk's, the median of the rounds; `× bare` is the "
        "median of the per-round ratios (min–max); CPU is the gunicorn workers' user + system "
        "time per request (median of the rounds; on PostgreSQL the database's and Redis' own "
        "CPU is not in it); RSS is per worker after the load. Errors are any non-2xx answer "
        "plus wrk's socket errors and timeouts (10 s). The writes grow the tables during the "
        "run.\n"
    )
    for result in results:
        if result.redis_keys is not None:
            out.append(
                f"Redis db {redis_db(settings.redis_url)} held {result.redis_keys} keys after "
                f"the {result.database.label} load (the limiter's counters and slots): the "
                "limits were counted there.\n"
            )
    out.append("| kind | weight | request |")
    out.append("|---|---:|---|")
    out.extend(f"| `{kind}` | {weight} % | {what} |" for kind, weight, what in MIX)
    out.append(
        f"\n| scenario | req/s ({settings.connections} conn.) | × bare | p50 / p95 / p99 ms "
        "| errors | CPU ms / req | × bare (CPU) | worker RSS MiB |"
    )
    out.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    for result in results:
        out.extend(results_rows(result))
    out.append(
        "\n**Per kind of request** (counts and latencies from the Lua script, which times "
        "each request from its `request()` to its `response()` and knows it by the "
        "`X-Request-ID` the portal echoes; all rounds pooled):\n"
    )
    out.append("| server | kind | weight | share | requests | errors | p50 / p95 / p99 ms |")
    out.append("|---|---|---:|---:|---:|---:|---:|")
    for result in results:
        out.extend(per_kind_rows(result))
    failures = [line for r in results for line in failures_lines(r)]
    out.append("\n**Errors:** " + ("none." if not failures else "\n"))
    out.extend(failures)
    if wrk_crashes:
        out.append(
            f"\nwrk (the load generator) crashed {wrk_crashes} time(s) during this run; each of "
            "those runs was thrown away whole, CPU included, and run again."
        )
    for result in results:
        if result.database.kind == POSTGRESQL:
            out.append("\n**Against issue 16's targets** (PostgreSQL + Redis, 2 workers):\n")
            out.extend(targets_lines(result))
        else:
            out.append(f"\n**{result.database.label}, 2 workers, against the same targets:**\n")
            out.extend(targets_lines(result))
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--invoices", type=int, default=100_000, help="over all organisations")
    parser.add_argument("--customers", type=int, help="default: invoices / 5")
    parser.add_argument("--products", type=int, help="default: invoices / 10")
    parser.add_argument("--organizations", type=int, default=5)
    parser.add_argument("--duration", type=float, default=45, help="seconds per server, all rounds")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--warmup", type=float, default=3, help="seconds per server")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument(
        "--databases",
        help="comma-separated: postgresql,sqlite (default: both with --database-url, else sqlite)",
    )
    parser.add_argument(
        "--database-url",
        help="postgresql://…/bench_… : a database the benchmark creates and drops "
        "(its name must start with 'bench')",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/5",
        help="the PostgreSQL run's rate-limit storage; emptied (FLUSHDB) before and after",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite)")
    return parser.parse_args(argv)


def benchmark(
    args: argparse.Namespace, argv: list[str], context: dict[str, str] | None = None
) -> Outcome[DatabaseRun]:
    """Measure as ``args`` (parsed from ``argv``) say: one run per database and the report;
    ``context`` adds rows to the report's machine table.

    Raises UsageError, BenchError, or KeyboardInterrupt once the servers are stopped, the
    temp files removed and the Redis db emptied.
    """
    if not have_wrk():
        raise UsageError(
            f"wrk not found: this benchmark needs it. Install it with: {WRK_INSTALL_HINT}"
        )
    databases = (args.databases or ("postgresql,sqlite" if args.database_url else "sqlite")).split(
        ","
    )
    unknown = set(databases) - {POSTGRESQL, SQLITE}
    if unknown:
        raise UsageError(f"unknown databases: {', '.join(sorted(unknown))}")
    if POSTGRESQL in databases:
        if not args.database_url:
            raise UsageError("--databases postgresql needs --database-url postgresql://…/bench_…")
        redis_db(args.redis_url)  # refuse a forbidden Redis database before anything starts
    if args.connections % args.organizations:
        raise UsageError(
            f"--connections must be a multiple of --organizations ({args.organizations})"
        )
    settings = Settings(
        invoices=args.invoices,
        customers=args.customers or max(args.organizations, args.invoices // 5),
        products=args.products or max(args.organizations, args.invoices // 10),
        organizations=args.organizations,
        duration=args.duration,
        rounds=args.rounds,
        warmup=args.warmup,
        connections=args.connections,
        databases=databases,
        database_url=args.database_url,
        redis_url=args.redis_url,
        keep=args.keep,
    )
    with Cleanup() as cleanup:
        load_before = os.getloadavg()
        work_dir = make_temp_dir(cleanup, args.keep)
        if args.keep:
            print(f"keeping {work_dir}")
        if POSTGRESQL in databases:
            cleanup.callback(flush_redis, args.redis_url, lambda _line: None)
        results = [run_database(kind, settings, cleanup, work_dir) for kind in databases]
        load_after = os.getloadavg()
        machine_rows = {
            "load average (1, 5, 15 min)": (
                " ".join(f"{x:.2f}" for x in load_before)
                + " before, "
                + " ".join(f"{x:.2f}" for x in load_after)
                + " after"
            ),
            **(context or {}),
        }
        text = report(results, settings, argv, machine_rows)
    return Outcome(results, text, "mixed")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    return script_main(lambda: benchmark(args, argv), docs=not args.no_docs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
