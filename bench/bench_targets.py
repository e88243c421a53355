"""Issue 16's targets table from one run (``make bench``): invoices, product search, mixed load.

    .venv/bin/python bench/bench_targets.py [--rows 100000] [--mixed-invoices 100000]
        [--database-url postgresql://postgres@127.0.0.1:5432/bench_mixed]
        [--redis-url redis://127.0.0.1:6379/5] [--skip-postgresql] [--quick] [--no-docs]

One process runs, in order, each part with its own script's measuring and report:
bench_invoices (``list``, ``list-issued``, ``create``, and the bare endpoint) at ``--rows``
invoices on SQLite, then on PostgreSQL; bench_catalog (``search-sku``, ``search-common``) at
``--rows`` products, the same; bench_mixed (PostgreSQL + Redis with 1 and 2 workers, then
SQLite). It prints each part's report when the part ends, then the targets table. Once every
part has ended it writes the table's own section at the end of "Issue 16 (performance) — where
it stands", with the invoices' and the catalog's reports under it (their own sections keep those
scripts' full runs), and the mixed load's section (``--no-docs`` to skip).

The PostgreSQL parts use the server of ``--database-url``: the mixed load its database, the
invoices ``bench_invoices`` and the catalog ``bench_portal`` (those scripts' usual names); each
is dropped and recreated. The Redis db of ``--redis-url`` is emptied before and after.
``--quick`` is a smoke test of the whole run (2,000 rows, 5,000 invoices in the mixed load,
runs of 1–3 s): its figures measure nothing.
"""

from __future__ import annotations

import argparse
import os
import shlex
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import bench_catalog
import bench_invoices
import bench_mixed
from bench_limiter import redis_db
from harness import (
    BARE,
    PORTAL,
    ROOT,
    WRK_INSTALL_HINT,
    BenchError,
    Measurement,
    Outcome,
    PostgresDatabase,
    SqliteDatabase,
    UsageError,
    fmt_ms,
    fmt_rows,
    fmt_rps,
    have_wrk,
    machine_info,
    machine_section,
    now_utc,
    write_docs_section,
)
from sqlalchemy import make_url
from sqlalchemy.exc import OperationalError

SQLITE, POSTGRESQL = "sqlite", "postgresql"
SQLITE_VERSION_ONLY = SqliteDatabase(ROOT, "never-created")  # for machine_info's version
LABELS = {SQLITE: "SQLite", POSTGRESQL: "PostgreSQL"}
DOCS_KEY = "targets"
WHERE_IT_STANDS = "## Issue 16 (performance) — where it stands"
WHY_AND_PLAN = (
    "why and plan: see [Issue 16 (performance) — where it stands]"
    "(#issue-16-performance--where-it-stands)"
)

# Issue 16's targets; the others are the parts' own (bench_invoices, bench_mixed).
TARGET_SEARCH_MS = 10  # product search, lone caller, median
TARGET_WRITERS_P99_MS = 100  # SQLite, `create` under bench_invoices' 8 connections

INVOICES_DATABASE = "bench_invoices"
CATALOG_DATABASE = "bench_portal"
INVOICE_SCENARIOS = "list,list-issued,create"
CATALOG_SCENARIOS = "search-sku,search-common"
QUICK_ROWS = 2000
QUICK_MIXED_INVOICES = 5000
QUICK_SCENARIO_ARGS = ["--duration", "2", "--single-duration", "1", "--rounds", "1"]
QUICK_MIXED_ARGS = ["--duration", "3", "--rounds", "1", "--warmup", "1"]


# ---------------------------------------------------------------------------------------
# The parts


@dataclass
class Part:
    """One script's run: its command line, when it ran, what it gave back."""

    label: str
    script: str
    argv: list[str]
    benchmark: Callable[[list[str], dict[str, str]], Outcome[Any]]
    kind: str | None = None  # the database of a one-database part
    started: str = ""
    load_before: float = 0.0
    minutes: float = 0.0
    outcome: Outcome[Any] | None = None

    @property
    def command(self) -> str:
        return shlex.join([self.script, *self.argv])

    def run(self, context: dict[str, str]) -> None:
        self.started = now_utc()
        self.load_before = os.getloadavg()[0]
        print(f"\n===== {self.label}: {self.command} =====", flush=True)
        print(f"load average (1 min) before: {self.load_before:.2f}", flush=True)
        began = time.monotonic()
        self.outcome = self.benchmark(self.argv, context)
        self.minutes = (time.monotonic() - began) / 60
        print()
        print(self.outcome.text, flush=True)


def with_database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


def plan_parts(args: argparse.Namespace) -> list[Part]:
    """The parts of the run, in order, each with the command line its script would take."""
    kinds = [SQLITE] if args.skip_postgresql else [SQLITE, POSTGRESQL]
    parts = []
    for script, module, scenarios, database in (
        ("bench/bench_invoices.py", bench_invoices, INVOICE_SCENARIOS, INVOICES_DATABASE),
        ("bench/bench_catalog.py", bench_catalog, CATALOG_SCENARIOS, CATALOG_DATABASE),
    ):
        for kind in kinds:
            argv = ["--rows", str(args.rows), "--only", scenarios, "--client", "wrk"]
            if kind == POSTGRESQL:
                argv += ["--database-url", with_database(args.database_url, database)]
            if args.quick:
                argv += QUICK_SCENARIO_ARGS
            name = script.removeprefix("bench/bench_").removesuffix(".py")
            parts.append(Part(f"{name}, {LABELS[kind]}", script, argv, runner(module), kind))
    mixed = ["--invoices", str(args.mixed_invoices), "--databases", ",".join(reversed(kinds))]
    if not args.skip_postgresql:
        mixed += ["--database-url", args.database_url, "--redis-url", args.redis_url]
    if args.quick:
        mixed += QUICK_MIXED_ARGS
    parts.append(Part("mixed load", "bench/bench_mixed.py", mixed, runner(bench_mixed)))
    return parts


def runner(module: Any) -> Callable[[list[str], dict[str, str]], Outcome[Any]]:
    def benchmark(argv: list[str], context: dict[str, str]) -> Outcome[Any]:
        return module.benchmark(module.parse_args(argv), argv, context)

    return benchmark


def preflight(args: argparse.Namespace) -> dict[str, str]:
    """Refuse to start without wrk, PostgreSQL or Redis; the machine table's rows."""
    if not have_wrk():
        raise UsageError(f"wrk not found: make bench needs it. Install it with: {WRK_INSTALL_HINT}")
    if args.skip_postgresql:
        return machine_info(SQLITE_VERSION_ONLY, "wrk")
    for name in (INVOICES_DATABASE, CATALOG_DATABASE):
        PostgresDatabase(with_database(args.database_url, name)).dispose()  # names checked
    database = PostgresDatabase(args.database_url)
    try:
        machine = machine_info(database, "wrk")
    except OperationalError as exc:
        raise UsageError(
            f"PostgreSQL not reachable at {args.database_url}: {exc.orig}\n"
            "Start it, or run without it: --skip-postgresql"
        ) from exc
    finally:
        database.dispose()
    machine["database"] = f"{SQLITE_VERSION_ONLY.version()}, {machine['database']}"
    redis_db(args.redis_url)  # refuses the portal's and the test suites' databases
    import redis

    client = redis.Redis.from_url(args.redis_url, socket_timeout=5)
    try:
        version = client.info("server")["redis_version"]
    except redis.RedisError as exc:
        raise UsageError(
            f"Redis not reachable at {args.redis_url}: {exc}\n"
            "Start it, or run without PostgreSQL and Redis: --skip-postgresql"
        ) from exc
    finally:
        client.close()
    machine["Redis"] = f"Redis {version} (redis-py {redis.__version__})"
    return machine


# ---------------------------------------------------------------------------------------
# The table


@dataclass
class Row:
    scenario: str
    target: str
    short: str = ""  # the scenario in a "not met" line
    figures: dict[str, str] = field(default_factory=dict)  # database kind → figure
    met: dict[str, bool | None] = field(default_factory=dict)  # None: no figure to judge
    judged: tuple[str, ...] = (SQLITE, POSTGRESQL)

    def verdict(self) -> str:
        if not self.judged:
            return "—"
        verdicts = [(kind, self.met[kind]) for kind in self.judged if kind in self.met]
        if not verdicts:
            return "not run"
        words = {True: "met", False: "**not met**", None: "no figure"}
        if len({ok for _, ok in verdicts}) == 1:
            return words[verdicts[0][1]]
        return ", ".join(f"{LABELS[kind]} {words[ok]}" for kind, ok in verdicts)

    def cells(self) -> list[str]:
        return [
            self.scenario,
            self.figures.get(SQLITE, "—"),
            self.figures.get(POSTGRESQL, "—"),
            self.target,
            self.verdict(),
        ]


def at_least(value: float | None, target: float) -> bool | None:
    return None if value is None else value >= target


def at_most(value: float | None, target: float) -> bool | None:
    return None if value is None else value <= target


def shown(value: float | None, text: Callable[[float], str], ok: Callable[[float], bool]) -> str:
    """``text(value)``, or three decimals when that rounding lands on the target's other side."""
    if value is None:
        return "—"
    short = text(value)
    return short if ok(float(short)) == ok(value) else f"{value:.3f}"


def cpu_ratio(m: Measurement) -> float | None:
    """The bare endpoint's server CPU per request over the scenario's."""
    mine, bare = m.load, m.bare.load if m.bare else None
    if not mine or not bare or not mine.server_cpu_ms or not bare.server_cpu_ms:
        return None
    return bare.server_cpu_ms / mine.server_cpu_ms


def ratio(value: float | None, goal: float) -> str:
    return shown(value, lambda v: f"{v:.2f}", lambda v: v >= goal) + "×" * (value is not None)


def ms(value: float | None, goal: float) -> str:
    return shown(value, fmt_ms, lambda v: v <= goal) + " ms" * (value is not None)


def measured(parts: list[Part], script: str) -> dict[str, dict[str, Measurement]]:
    """Database kind → scenario name → its measurement at the part's largest row count."""
    found: dict[str, dict[str, Measurement]] = {}
    for part in parts:
        if part.script != script or part.outcome is None or part.kind is None:
            continue
        portal = [m for m in part.outcome.results if m.scenario.target == PORTAL]
        largest = max((m.rows for m in portal if m.rows is not None), default=None)
        found[part.kind] = {m.scenario.name: m for m in portal if m.rows == largest}
    return found


def scenario_rows(parts: list[Part], rows: int) -> list[Row]:
    n = fmt_rows(rows)
    invoices = measured(parts, "bench/bench_invoices.py")
    catalog = measured(parts, "bench/bench_catalog.py")
    out = []
    for name, what, goal in (
        ("list", f"list 50 of {n} invoices, first page", bench_invoices.TARGET_LIST_RATIO),
        (
            "list-issued",
            f"list 50 of {n} invoices, `&status=ISSUED`",
            bench_invoices.TARGET_LIST_RATIO,
        ),
        (
            "create",
            f"create a {bench_invoices.CREATE_LINES}-line invoice, {n} invoices",
            bench_invoices.TARGET_CREATE_RATIO,
        ),
    ):
        row = Row(
            f"{what} (`{name}`): × bare by CPU per request (by req/s)",
            f"≥ {goal}×",
            short=f"`{name}`, × bare by CPU per request (by req/s)",
        )
        for kind, scenarios in invoices.items():
            if name in scenarios:
                m = scenarios[name]
                cpu = cpu_ratio(m)
                row.figures[kind] = f"{ratio(cpu, goal)} ({ratio(m.ratio, goal)} by req/s)"
                row.met[kind] = at_least(cpu, goal)
        out.append(row)
    for name, what in (("search-sku", "by SKU"), ("search-common", "by a word")):
        row = Row(
            f"product search {what}, {n} products (`{name}`): median, 1 connection",
            f"≤ {TARGET_SEARCH_MS} ms",
            short=f"`{name}`, median with 1 connection",
        )
        for kind, scenarios in catalog.items():
            if name in scenarios:
                single = scenarios[name].single
                p50 = single.p50_ms if single else None
                row.figures[kind] = ms(p50, TARGET_SEARCH_MS)
                row.met[kind] = at_most(p50, TARGET_SEARCH_MS)
        out.append(row)
    create = invoices.get(SQLITE, {}).get("create")
    load = create.load if create else None
    connections = load.connections if load else 8
    row = Row(
        f"SQLite, {connections} concurrent writers (`create` under {connections} connections): p99",
        f"≤ {TARGET_WRITERS_P99_MS} ms",
        short=f"`create` under {connections} connections, p99",
        judged=(SQLITE,),
    )
    if load:
        row.figures[SQLITE] = ms(load.p99_ms, TARGET_WRITERS_P99_MS)
        row.met[SQLITE] = at_most(load.p99_ms, TARGET_WRITERS_P99_MS)
    out.append(row)
    return out


def mixed_rows(part: Part) -> list[Row]:
    results: list[bench_mixed.DatabaseRun] = part.outcome.results if part.outcome else []
    settings = bench_mixed.parse_args(part.argv)
    who = f"mixed load, {settings.connections} users of {settings.organizations} organisations"
    errors = Row(
        f"{who}, 2 workers: errors",
        "0 (PostgreSQL + Redis)",
        short="mixed load, 2 workers, errors",
        judged=(POSTGRESQL,),
    )
    p99 = Row(
        f"{who}, 2 workers: p99",
        f"≤ {bench_mixed.TARGET_P99_MS} ms (PostgreSQL + Redis)",
        short="mixed load, 2 workers, p99",
        judged=(POSTGRESQL,),
    )
    throughput = Row(
        f"{who}, 2 workers: throughput, × bare by req/s (by CPU per request)",
        f"≥ {bench_mixed.TARGET_RATIO}× (PostgreSQL + Redis)",
        short="mixed load, 2 workers, × bare by req/s (by CPU per request)",
        judged=(POSTGRESQL,),
    )
    capacity = Row(
        "mixed load, PostgreSQL + Redis: req/s with 1 worker, with 2 workers", "—", judged=()
    )
    for result in results:
        kind = result.database.kind
        bare, portal = result.served[0], result.served[1]
        f, b = bench_mixed.pooled(portal.runs), bench_mixed.pooled(bare.runs)
        ratios = bench_mixed.ratios(portal, bare)
        by_rps = statistics.median(ratios) if ratios else None
        by_cpu = b["cpu"] / f["cpu"] if f["cpu"] else None
        errors.figures[kind] = str(f["errors"])
        errors.met[kind] = f["errors"] == 0
        p99.figures[kind] = ms(f["p99"], bench_mixed.TARGET_P99_MS)
        p99.met[kind] = at_most(f["p99"], bench_mixed.TARGET_P99_MS)
        goal = bench_mixed.TARGET_RATIO
        throughput.figures[kind] = f"{ratio(by_rps, goal)} ({ratio(by_cpu, goal)} by CPU)"
        throughput.met[kind] = at_least(by_rps, goal)
        one = next((s for s in result.served if s.name == "portal-1"), None)
        if one is not None:
            g = bench_mixed.pooled(one.runs)
            growth = f" ({f['rps'] / g['rps']:.2f}×)" if g["rps"] else ""
            capacity.figures[kind] = f"{fmt_rps(g['rps'])} → {fmt_rps(f['rps'])} req/s{growth}"
    return [errors, p99, throughput, capacity]


def rss_row(parts: list[Part]) -> Row:
    largest: dict[str, int] = {}
    for part in parts:
        if part.outcome is None:
            continue
        for kind, sizes in worker_rss(part):
            largest[kind] = max([largest.get(kind, 0), *sizes])
    row = Row(
        "largest portal worker RSS after load (every part)",
        f"< {bench_mixed.TARGET_RSS_MIB} MiB",
        short="largest portal worker RSS",
    )
    goal = bench_mixed.TARGET_RSS_MIB
    for kind, kib in largest.items():
        row.figures[kind] = shown(kib / 1024, lambda v: f"{v:.0f}", lambda v: v < goal) + " MiB"
        row.met[kind] = kib / 1024 < goal
    return row


def worker_rss(part: Part) -> list[tuple[str, list[int]]]:
    """(database kind, RSS of each portal worker in KiB) of a part's servers."""
    assert part.outcome is not None
    if part.kind is not None:
        return [(part.kind, m.rss_kib) for m in part.outcome.results if m.scenario.target == PORTAL]
    return [
        (result.database.kind, s.rss_kib)
        for result in part.outcome.results
        for s in result.served
        if s.mode == "portal"
    ]


def failed_requests(part: Part) -> int:
    assert part.outcome is not None
    if part.kind is not None:
        return sum(
            (m.load.errors if m.load else 0) + (m.single.errors if m.single else 0)
            for m in part.outcome.results
            if m.scenario.target != BARE
        )
    return sum(r.errors for result in part.outcome.results for s in result.served for r in s.runs)


# ---------------------------------------------------------------------------------------
# The section


def report(
    parts: list[Part], args: argparse.Namespace, machine: dict[str, str], command: str
) -> str:
    rows = [*scenario_rows(parts, args.rows), *mixed_rows(parts[-1]), rss_row(parts)]
    out = [
        "## Issue 16 targets — `make bench`\n",
        "Every figure of the table comes from the one run described here "
        "(`bench/bench_targets.py`); the invoices' and the catalog's reports of the same run "
        "follow the table (folded), the mixed load's is its own section below.\n",
    ]
    if args.quick:
        out.append(
            f"**`--quick`**: {args.rows:,} rows, {args.mixed_invoices:,} invoices in the mixed "
            "load, runs of 1–3 s. A smoke test of the run, not a measurement of the targets.\n"
        )
    out.extend(machine_section("The run", machine))
    out.append(f"| command | `{command}` |")
    out.append(
        "\n| part | command | started | load average (1 min) before | minutes |"
        "\n|---|---|---|---:|---:|"
    )
    out.extend(
        f"| {p.label} | `{p.command}` | {p.started} | {p.load_before:.2f} | {p.minutes:.1f} |"
        for p in parts
    )
    out.append("\n| scenario | SQLite | PostgreSQL | target | met? |\n|---|---|---|---|---|")
    out.extend("| " + " | ".join(row.cells()) + " |" for row in rows)
    out.append(
        "\nList and create: `× bare` is the bare endpoint's server CPU per request over the "
        "scenario's, req/s ratio in brackets; `list-issued` is held to the list's target. "
        "The mixed load's targets are for PostgreSQL + Redis; its SQLite column (limits on "
        "`memory://`) is not judged. RSS: the largest gunicorn portal worker of every part "
        "on that database."
    )
    failed = [(p.label, n) for p in parts if (n := failed_requests(p))]
    if failed:
        listed = ", ".join(f"{label} {n}" for label, n in failed)
        out.append(f"\nFailed requests (non-2xx, socket errors, timeouts): {listed}.")
    not_met = [row for row in rows if False in row.met.values()]
    if not_met:
        out.append("")
    for row in not_met:
        figures = ", ".join(
            f"{LABELS[kind]} {row.figures[kind]}"
            for kind in row.judged
            if row.met.get(kind) is False
        )
        out.append(f"- not met: {row.short}: {figures}; {WHY_AND_PLAN}.")
    return "\n".join(out) + "\n"


def parts_details(parts: list[Part]) -> str:
    """The parts' own reports, their headings one level down, in a folded block each."""
    out = []
    for part in parts:
        assert part.outcome is not None
        body = part.outcome.text.replace("\n### ", "\n#### ")
        body = body[4:] if body.startswith("### ") else body
        out.append(f"\n<details><summary>{part.label}</summary>\n\n#### {body}\n</details>\n")
    return "".join(out)


# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows",
        type=int,
        help="invoices, and products, of the invoices and catalog parts (default 100000)",
    )
    parser.add_argument(
        "--mixed-invoices", type=int, help="the mixed load's invoices (default 100000)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke test: {QUICK_ROWS} rows, {QUICK_MIXED_INVOICES} mixed invoices, 1–3 s runs",
    )
    parser.add_argument(
        "--database-url",
        default="postgresql://postgres@127.0.0.1:5432/bench_mixed",
        help="postgresql://…/bench_… : the mixed load's database (dropped and recreated); the "
        f"invoices and catalog parts use {INVOICES_DATABASE} and {CATALOG_DATABASE} on the "
        "same server",
    )
    parser.add_argument(
        "--redis-url",
        default="redis://127.0.0.1:6379/5",
        help="the mixed load's rate-limit storage on PostgreSQL; emptied before and after",
    )
    parser.add_argument(
        "--skip-postgresql",
        action="store_true",
        help="SQLite only: no PostgreSQL column, no Redis",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    args = parser.parse_args(argv)
    if args.rows is None:
        args.rows = QUICK_ROWS if args.quick else 100_000
    if args.mixed_invoices is None:
        args.mixed_invoices = QUICK_MIXED_INVOICES if args.quick else 100_000
    return args


def relative(path: str) -> str:
    absolute = Path(path).absolute()
    return str(absolute.relative_to(ROOT)) if absolute.is_relative_to(ROOT) else path


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    command = shlex.join([relative(sys.executable), relative(sys.argv[0]), *argv])
    parts = plan_parts(args)
    current: Part | None = None
    try:
        machine = preflight(args)
        load_before = os.getloadavg()[0]
        started = now_utc()
        context = {"part of": f"`{command}`, started {started}"}
        for current in parts:
            current.run(context)
        current = None
        machine.update(
            {
                "started": started,
                "ended": now_utc(),
                "load average (1 min)": f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after",
            }
        )
        text = report(parts, args, machine, command)
    except UsageError as exc:
        print(exc)
        return 2
    except KeyboardInterrupt:
        print("\ninterrupted: servers stopped, temp files removed; docs/benchmarks.md unchanged")
        return 130
    except BenchError as exc:
        where = f" in {current.label}" if current else ""
        print(f"\nbenchmark aborted{where}: {exc}\ndocs/benchmarks.md unchanged")
        return 1
    print()
    print(text)
    if not args.no_docs:
        # The mixed load's section is this run's; the invoices' and the catalog's hold
        # their scripts' full runs (1k and 100k, every scenario), so these parts' reports
        # go under the table instead of replacing them.
        mixed = parts[-1].outcome
        assert mixed is not None
        write_docs_section(mixed.docs_key, mixed.text)
        write_docs_section(DOCS_KEY, text + parts_details(parts[:-1]), after=WHERE_IT_STANDS)
        print(f"docs/benchmarks.md updated: {mixed.docs_key}, {DOCS_KEY}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
