"""Benchmark: listing the catalog, ``GET /api/v1/products?limit=50``, at 1k and 100k products.

    .venv/bin/python bench/bench_catalog.py [--rows 1000,100000] [--duration 12]
                                            [--database-url postgresql://postgres@127.0.0.1:5432/bench_portal]

For every row count it seeds a fresh database (one measured organisation with N products,
another with ``--other-rows``), counts the SQL statements of each request in-process, then
serves the portal and the bare Flask endpoint (bench/bare_app.py) with the same gunicorn
settings and loads both with wrk (``apt-get install -y wrk``; a Python client otherwise).
It prints a Markdown report and writes it into docs/benchmarks.md (``--no-docs`` to skip).

To add a scenario: write a setup function ``(Dataset) -> Request`` (seed what it needs,
return the request to send) and append a ``Scenario`` to ``SCENARIOS``. See bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from datetime import timedelta
from decimal import Decimal

from harness import (
    BARE,
    IN_PROCESS,
    PORTAL,
    Cleanup,
    Database,
    Dataset,
    Measurement,
    Options,
    Outcome,
    Request,
    Scenario,
    cpu_ratio,
    failures_section,
    fmt_ms,
    fmt_rows,
    growth_section,
    items_check,
    machine_info,
    machine_section,
    method_paragraph,
    notes_list,
    pick_client,
    pick_scenarios,
    plans_section,
    queries_section,
    results_table,
    rss_section,
    run,
    script_main,
    unique_scenarios,
)
from sqlalchemy import insert, select

from portal.catalog.kinds import PRODUCTS
from portal.catalog.models import Product, sku_key
from portal.db import new_public_id, utcnow
from portal.extensions import db
from portal.pagination import keyset_page

# Team targets, for context (they are the bar of later issues, not asserted here).
TARGET_RATIO = 0.35
TARGET_RSS_MB = 150

NOUNS = (
    *("Tornillo", "Tuerca", "Arandela", "Clavo", "Taquete", "Bisagra", "Cable", "Tubo"),
    *("Codo", "Válvula", "Llave", "Cinta", "Pintura", "Brocha", "Broca", "Lija", "Foco"),
    *("Enchufe", "Manguera", "Candado"),
)
QUALITIES = ("acero", "latón", "cobre", "PVC", "aluminio", "galvanizado", "inoxidable", "negro")
SIZES = ['1/4"', '3/8"', '1/2"', '3/4"', '1"', "2 mm", "5 mm", "10 m", "25 m", "1 L", "4 L"]
UNITS = ("pza", "caja", "m", "kg", "L")
# One quality in 8: about 12 % of the products match, spread over the name order. (A noun
# such as "tuerca" matches 5 % too, but all its rows sort late, so the scan reads ~95 %.)
COMMON_WORD = "acero"


# ---------------------------------------------------------------------------------------
# Data


def product_rows(organization_id: int, count: int, rng: random.Random, batch: int = 10_000):
    """Batches of product rows; names in random order (so the name index is really used)."""
    now = utcnow()
    for start in range(0, count, batch):
        rows = []
        for index in range(start, min(count, start + batch)):
            sku = f"SKU-{index:06d}"
            rows.append(
                {
                    "public_id": new_public_id("prod"),
                    "organization_id": organization_id,
                    "name": (
                        f"{rng.choice(NOUNS)} {rng.choice(QUALITIES)} {rng.choice(SIZES)} "
                        f"M{rng.randint(1000, 9999)}"
                    ),
                    "sku": sku,
                    "sku_key": sku_key(sku),
                    "price": Decimal(rng.randint(100, 500_000)).scaleb(-2),
                    "tax_rate": Decimal("16.00"),
                    "unit": rng.choice(UNITS),
                    "active": rng.random() > 0.05,
                    "created_at": now - timedelta(seconds=count - index),
                }
            )
        yield rows


def make_seed(other_rows: int):
    def seed(dataset: Dataset) -> None:
        rng = random.Random(20260101 + dataset.rows)
        engine = dataset.app.extensions["portal.db"]
        table = Product.__table__
        with engine.begin() as conn:
            for org_key, count in (
                ("organization_id", dataset.rows),
                ("other_organization_id", other_rows),
            ):
                for batch in product_rows(dataset.info[org_key], count, rng):
                    conn.execute(insert(table), batch)
        dataset.info["products"] = dataset.rows
        dataset.info["other_products"] = other_rows

    return seed


# ---------------------------------------------------------------------------------------
# Scenarios: a name, a setup returning the request, who answers


def bare_setup(_dataset: Dataset) -> Request:
    return Request("GET", "/bare/products", check=items_check(50))


def list_first_page(dataset: Dataset) -> Request:
    return dataset.get("/api/v1/products?limit=50", check=items_check(50, more=True))


def list_deep_page(dataset: Dataset) -> Request:
    """The page that starts 90 % of the way down, by its real cursor."""
    count = dataset.info["products"]
    deep = max(0, min(int(count * 0.9), count - 51))  # a full page of 50 after the cursor
    with dataset.app.app_context():
        stmt = (
            select(Product)
            .where(Product.organization_id == dataset.info["organization_id"])
            .offset(deep)
        )
        _, cursor = keyset_page(stmt, PRODUCTS.order_columns, 1, None)
        db.session.remove()
    expected = min(50, count - deep - 1)
    return dataset.get(f"/api/v1/products?limit=50&cursor={cursor}", check=items_check(expected))


def search_common(dataset: Dataset) -> Request:
    return dataset.get(f"/api/v1/products?limit=50&q={COMMON_WORD}", check=items_check(50))


def search_one_sku(dataset: Dataset) -> Request:
    """A SKU typed in the search box: one match, so every row of the tenant is looked at."""
    index = int(dataset.info["products"] * 0.777)
    return dataset.get(
        f"/api/v1/products?limit=50&q=SKU-{index:06d}", check=items_check(1, more=False)
    )


def unknown_api_path(dataset: Dataset) -> Request:
    return dataset.get("/api/v1/no-such-thing", expect_status=404)


def me(dataset: Dataset) -> Request:
    return dataset.get("/api/v1/me")


def list_one(dataset: Dataset) -> Request:
    return dataset.get("/api/v1/products?limit=1", check=items_check(1, more=True))


def list_hundred(dataset: Dataset) -> Request:
    return dataset.get("/api/v1/products?limit=100", check=items_check(100, more=True))


# In-process only: a ladder from "authenticated request that does nothing" to 100 items.
LADDER = [
    Scenario("bearer-404", unknown_api_path, target=IN_PROCESS, note="Bearer, unknown path"),
    Scenario("me", me, target=IN_PROCESS, note="`GET /api/v1/me`"),
    Scenario("list-1", list_one, target=IN_PROCESS, note="`?limit=1`"),
    Scenario("list-100", list_hundred, target=IN_PROCESS, note="`?limit=100`"),
]

SCENARIOS = [
    Scenario("bare", bare_setup, target=BARE, note="bench/bare_app.py: 50 items, no database"),
    Scenario(
        "list",
        list_first_page,
        explain=("products",),
        note="`GET /api/v1/products?limit=50`: first page",
    ),
    Scenario(
        "list-deep-cursor",
        list_deep_page,
        explain=("products",),
        note="`&cursor=` of the page 90 % of the way down",
    ),
    Scenario(
        "search-common",
        search_common,
        explain=("products",),
        note=f"`&q={COMMON_WORD}`: ~12 % of the rows match, spread over the name order",
    ),
    Scenario(
        "search-sku",
        search_one_sku,
        explain=("products",),
        note="`&q=SKU-0xxxxx`: one match, every row of the tenant is read",
    ),
    *LADDER,
]


# ---------------------------------------------------------------------------------------
# Report


def report(
    results: list[Measurement],
    database: Database,
    options: Options,
    argv: list[str],
    other_rows: int,
    context: dict[str, str],
) -> str:
    machine = {**machine_info(database, options.client), **context}
    portal = [m for m in results if m.scenario.target == PORTAL]
    sizes = sorted({m.rows for m in portal if m.rows is not None})
    largest = sizes[-1] if sizes else None
    out = machine_section(f"Catalog listing on {database.label}", machine)
    command = " ".join(["bench/bench_catalog.py", *argv]).strip()
    seeded = (
        "one ENTERPRISE organisation with that many products (limits far above the load) "
        f"and a second one with {other_rows:,} products, so every query really filters by "
        "tenant"
    )
    out.append(method_paragraph(command, database, options, seeded))
    out.append(results_table(results, options.connections))
    out.append("")
    out.extend(notes_list(results))
    out.extend(ladder_table(results, sizes))
    out.extend(failures_section(results, database))
    out.extend(growth_section(portal, sizes))
    out.extend(queries_section(portal, sizes))
    out.extend(plans_section(portal, largest))
    out.extend(rss_section(results))

    lists = [m for m in portal if m.scenario.name == "list" and m.rows == largest]
    max_rss = max((k for m in portal for k in m.rss_kib), default=0) / 1024
    if lists and lists[0].ratio is not None:
        m = lists[0]
        out.append(
            f"\n**Against the team's targets** (context for later issues): listing 50 of "
            f"{fmt_rows(largest)} products runs at {m.ratio:.2f}× the bare endpoint's req/s "
            f"({cpu_ratio(m)} by CPU per request; the target for listing invoices is "
            f"≥ {TARGET_RATIO}×), median {fmt_ms(m.load.p50_ms)} ms under load and "
            f"{fmt_ms(m.single.p50_ms)} ms alone; largest portal worker {max_rss:.0f} MiB "
            f"(target < {TARGET_RSS_MB} MB)."
        )
    return "\n".join(out) + "\n"


def ladder_table(results: list[Measurement], sizes: list[int]) -> list[str]:
    """In-process medians, from the bare endpoint to 100 items: where the time goes."""
    names = ["bare", "bearer-404", "me", "list-1", "list", "list-100"]
    chosen = [s for s in unique_scenarios(results) if s.name in names]
    if not any(s.target == IN_PROCESS for s in chosen):
        return []
    chosen.sort(key=lambda s: names.index(s.name))
    out = [
        "\n**Where the time goes** (in-process: Flask test client, one thread, median of up to "
        "300 requests; no gunicorn, no network):\n",
        "| request | " + " | ".join(f"ms, {fmt_rows(r)}" for r in sizes) + " | SQL / request |",
        "|---|" + "---:|" * len(sizes) + "---|",
    ]
    for scenario in chosen:
        cells = []
        queries = "—"
        for rows in sizes:
            m = next(
                (
                    m
                    for m in results
                    if m.scenario is scenario and (m.rows == rows or scenario.target == BARE)
                ),
                None,
            )
            cells.append(fmt_ms(m.in_process_ms) if m else "—")
            if m and m.queries:
                queries = m.queries.describe()
        label = f"`{scenario.name}`" + (
            f": {scenario.note}" if scenario.target == IN_PROCESS else ""
        )
        out.append(f"| {label} | " + " | ".join(cells) + f" | {queries} |")
    return out


# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    cores = os.cpu_count() or 2
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1000,100000", help="products per run, comma-separated")
    parser.add_argument("--other-rows", type=int, default=1000, help="the other tenant's products")
    parser.add_argument(
        "--duration", type=float, default=12, help="seconds of load per scenario (all rounds)"
    )
    parser.add_argument(
        "--single-duration", type=float, default=6, help="seconds at 1 connection (all rounds)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="bare and portal alternate this many times"
    )
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per scenario")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=cores, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="gunicorn threads per worker")
    parser.add_argument(
        "--database-url",
        help="postgresql://…/bench_… : a database the benchmark creates and drops "
        "(its name must start with 'bench'); default: SQLite in a temp dir",
    )
    parser.add_argument("--client", choices=("auto", "wrk", "python"), default="auto")
    parser.add_argument("--only", help="comma-separated scenario names (bare is always run)")
    parser.add_argument("--profile", metavar="SCENARIO", help="print a cProfile of it, in-process")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs, SQLite)")
    return parser.parse_args(argv)


def benchmark(
    args: argparse.Namespace, argv: list[str], context: dict[str, str] | None = None
) -> Outcome[Measurement]:
    """Measure as ``args`` (parsed from ``argv``) say: the measurements and the report;
    ``context`` adds rows to the report's machine table.

    Raises UsageError, BenchError, or KeyboardInterrupt once the servers are stopped and the
    temp files removed.
    """
    options = Options(
        rows=[int(r.replace("_", "")) for r in args.rows.split(",")],
        duration=args.duration,
        single_duration=args.single_duration,
        rounds=args.rounds,
        warmup=args.warmup,
        connections=args.connections,
        workers=args.workers,
        threads=args.threads,
        client=pick_client(args.client),
        keep=args.keep,
        database_url=args.database_url,
        profile=args.profile,
    )
    scenarios = pick_scenarios(SCENARIOS, args.only)
    with Cleanup() as cleanup:
        load_before = os.getloadavg()[0]
        results, database = run(scenarios, make_seed(args.other_rows), options, cleanup)
        machine_rows = {
            "load average (1 min)": f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after",
            **(context or {}),
        }
        text = report(results, database, options, argv, args.other_rows, machine_rows)
    return Outcome(results, text, f"catalog-{database.kind}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    return script_main(lambda: benchmark(args, argv), docs=not args.no_docs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
