"""Benchmark: invoices — listing 50 of 1k and 100k, one invoice's detail, creating one of 10 lines.

    .venv/bin/python bench/bench_invoices.py [--rows 1000,100000] [--duration 9]
                                             [--database-url postgresql://postgres@127.0.0.1:5432/bench_invoices]

For every row count it seeds a fresh database (one measured organisation with N invoices and
``--customers`` customers, another with ``--other-rows`` invoices), counts the SQL statements
of each request in-process, then serves the portal and the bare Flask endpoint
(bench/bare_app.py) with the same gunicorn settings and loads both with wrk (a Python client
otherwise). It prints a Markdown report and writes it into docs/benchmarks.md (``--no-docs``
to skip). The harness (bench/harness.py) and the method are those of bench_catalog.py.

Creating an invoice writes: every ``POST`` takes the next gap-free number of the series
under a lock (SQLite: the ``BEGIN IMMEDIATE`` write lock, so writers queue one at a time;
PostgreSQL: the counter row's lock until commit), and the tables grow during the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

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
from sqlalchemy import func, insert, select

from portal.catalog.models import Customer
from portal.clock import DEFAULT_TIME_ZONE, today_in
from portal.db import new_public_id
from portal.documents.calc import document_totals, line_amounts
from portal.documents.models import DocumentCounter
from portal.documents.numbering import format_number
from portal.extensions import db
from portal.invoices.document import PREFIX
from portal.invoices.models import Invoice, InvoiceLine, InvoiceStatus
from portal.money import quantize
from portal.pagination import keyset_page

# Team targets (issue 4): listing 50 of 100k invoices ≥ 0.35× the bare endpoint's req/s,
# creating a 10-line invoice ≥ 0.15×, a gunicorn worker < 150 MB RSS.
TARGET_LIST_RATIO = 0.35
TARGET_CREATE_RATIO = 0.15
TARGET_RSS_MB = 150

HISTORY_DAYS = 330  # the seeded invoices span the last 11 months (two yearly series, usually)
TERMS_DAYS = 30
LINES_EVERY = 20  # one invoice in 20 gets 3 lines (the list does not read lines)
CREATE_LINES = 10

FIRST_NAMES = ("Ferretería", "Constructora", "Taller", "Distribuidora", "Comercial", "Grupo")
LAST_NAMES = ("del Norte", "Hermanos Ruiz", "La Esperanza", "Central", "Azteca", "San José")
SERVICES = (
    *(
        "Mantenimiento preventivo",
        "Instalación eléctrica",
        'Tubería de cobre 1/2"',
    ),
    *("Pintura vinílica 4 L", "Mano de obra", "Tornillería surtida", "Renta de andamio"),
)


# ---------------------------------------------------------------------------------------
# Data


def today() -> date:
    """The measured organisations' today: they keep the default zone (harness.portal_dataset)."""
    return today_in(DEFAULT_TIME_ZONE)


def status_for(age_days: int, rng: random.Random) -> str:
    """Old invoices are mostly paid (a few still open: overdue); recent ones mostly open."""
    roll = rng.random()
    if age_days >= 2 * TERMS_DAYS:
        table = ((0.90, "PAID"), (0.93, "VOID"), (0.97, "ISSUED"), (1.0, "PARTIALLY_PAID"))
    elif age_days >= TERMS_DAYS:
        table = (
            (0.50, "PAID"),
            (0.85, "ISSUED"),
            (0.93, "PARTIALLY_PAID"),
            (0.95, "VOID"),
            (1.0, "DRAFT"),
        )
    else:
        table = ((0.60, "ISSUED"), (0.75, "DRAFT"), (0.95, "PAID"), (1.0, "PARTIALLY_PAID"))
    return next(status for limit, status in table if roll < limit)


def seeded_lines(rng: random.Random) -> list[dict[str, Any]]:
    lines = []
    for position in range(3):
        quantity = Decimal(rng.randint(1, 40)) / 2
        unit_price = Decimal(rng.randint(1_000, 500_000)).scaleb(-2)
        discount_percent = Decimal(rng.choice((0, 0, 5, 10)))
        tax_percent = Decimal(16)
        amounts = line_amounts(quantity, unit_price, discount_percent, tax_percent)
        lines.append(
            {
                "position": position,
                "description": rng.choice(SERVICES),
                "quantity": quantity,
                "unit_price": unit_price,
                "discount_percent": discount_percent,
                "tax_percent": tax_percent,
                "gross": amounts.gross,
                "discount": amounts.discount,
                "net": amounts.net,
                "tax": amounts.tax,
                "total": amounts.total,
            }
        )
    return lines


def invoice_rows(
    organization_id: int,
    owner_id: int | None,
    customers: list[tuple[int, str]],
    count: int,
    rng: random.Random,
    per_year: Counter[int],
    batch: int = 10_000,
):
    """Batches of (invoice rows, {index in batch: its lines}), oldest first; ``per_year``
    counts the numbers taken in each year's series.

    Numbers follow the portal's own series (``INV-2026-0001``…, one per year), in the order
    of ``created_at``, as the portal would have handed them out.
    """
    on = today()
    first_day = on - timedelta(days=HISTORY_DAYS)
    start = datetime.combine(first_day, time(8, 0), tzinfo=UTC)
    span = timedelta(days=HISTORY_DAYS)
    for batch_start in range(0, count, batch):
        rows, lines = [], {}
        for index in range(batch_start, min(count, batch_start + batch)):
            created_at = start + span * index / count
            invoice_date = created_at.date()
            per_year[invoice_date.year] += 1
            status = status_for((on - invoice_date).days, rng)
            if index % LINES_EVERY == LINES_EVERY // 2:
                own = seeded_lines(rng)
                lines[len(rows)] = own
                totals = document_totals(
                    line_amounts(
                        line["quantity"],
                        line["unit_price"],
                        line["discount_percent"],
                        line["tax_percent"],
                    )
                    for line in own
                )
                subtotal, discount, tax, total = (
                    totals.subtotal,
                    totals.discount_total,
                    totals.tax_total,
                    totals.total,
                )
            else:
                subtotal = Decimal(rng.randint(10_000, 5_000_000)).scaleb(-2)
                discount = quantize(subtotal * rng.choice((0, 0, 0, 5)) / 100)
                tax = quantize((subtotal - discount) * 16 / 100)
                total = subtotal - discount + tax
            paid = {
                "PAID": total,
                "PARTIALLY_PAID": quantize(total * Decimal(rng.randint(20, 80)) / 100),
            }.get(status, Decimal("0"))
            customer_id, customer_name = (
                rng.choice(customers) if rng.random() < 0.9 else (None, "Cliente mostrador")
            )
            rows.append(
                {
                    "public_id": new_public_id("inv"),
                    "organization_id": organization_id,
                    "number": format_number(PREFIX, invoice_date.year, per_year[invoice_date.year]),
                    "status": status,
                    "currency": "USD",
                    "notes": "",
                    "subtotal": subtotal,
                    "discount_total": discount,
                    "tax_total": tax,
                    "total": total,
                    "updated_at": created_at,
                    "customer_id": customer_id,
                    "created_by_id": owner_id,
                    "customer_name": customer_name,
                    "invoice_date": invoice_date,
                    "due_date": invoice_date + timedelta(days=TERMS_DAYS),
                    "amount_paid": paid,
                    "issued_at": None if status == "DRAFT" else created_at + timedelta(hours=1),
                    "voided_at": created_at + timedelta(days=2) if status == "VOID" else None,
                    "created_at": created_at,
                }
            )
        yield rows, lines


def seed_organization(
    conn, organization_id: int, owner_id: int | None, count: int, customers: int, rng
) -> dict[str, Any]:
    """Customers, invoices (some with lines) and the series counters of one organisation."""
    customer_rows = [
        {
            "public_id": new_public_id("cus"),
            "organization_id": organization_id,
            "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)} {n:04d}",
            "email": f"compras{n}@cliente.example.com",
        }
        for n in range(customers)
    ]
    customer_table = Customer.__table__
    returned = conn.execute(
        insert(customer_table).returning(
            customer_table.c.id, customer_table.c.public_id, sort_by_parameter_order=True
        ),
        customer_rows,
    ).all()
    pairs = [(row.id, data["name"]) for row, data in zip(returned, customer_rows, strict=True)]
    table, line_table = Invoice.__table__, InvoiceLine.__table__
    with_lines: list[str] = []
    per_year: Counter[int] = Counter()  # invoices per year, filled as the rows are made
    statuses: Counter[str] = Counter()
    for rows, lines in invoice_rows(organization_id, owner_id, pairs, count, rng, per_year):
        ids = conn.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
        ).scalars()
        line_rows = []
        for position, invoice_id in enumerate(ids):
            for line in lines.get(position, ()):
                line_rows.append({"invoice_id": invoice_id, "product_id": None, **line})
            if position in lines:
                with_lines.append(rows[position]["public_id"])
        if line_rows:
            conn.execute(insert(line_table), line_rows)
        statuses.update(row["status"] for row in rows)
    if per_year:
        conn.execute(
            insert(DocumentCounter.__table__),
            [
                {
                    "organization_id": organization_id,
                    "series": PREFIX,
                    "year": year,
                    "next_value": taken + 1,
                }
                for year, taken in per_year.items()
            ],
        )
    return {
        "customer_public_ids": [row.public_id for row in returned],
        "with_lines": with_lines,
        "statuses": statuses,
    }


def make_seed(other_rows: int, customers: int):
    def seed(dataset: Dataset) -> None:
        rng = random.Random(20260404 + dataset.rows)
        engine = dataset.app.extensions["portal.db"]
        info = dataset.info
        with engine.begin() as conn:
            mine = seed_organization(
                conn, info["organization_id"], info["owner_id"], dataset.rows, customers, rng
            )
            seed_organization(
                conn, info["other_organization_id"], None, other_rows, max(1, customers // 10), rng
            )
        info["invoices"] = dataset.rows
        info["other_invoices"] = other_rows
        info["customers"] = customers
        info["customer_public_ids"] = mine["customer_public_ids"]
        info["with_lines"] = mine["with_lines"]
        info["statuses"] = mine["statuses"]
        with dataset.app.app_context():
            info["overdue"] = db.session.scalar(
                select(func.count())
                .select_from(Invoice)
                .where(
                    Invoice.organization_id == info["organization_id"],
                    Invoice.status.in_(InvoiceStatus.OPEN),
                    Invoice.due_date < today(),
                )
            )
            db.session.remove()

    return seed


# ---------------------------------------------------------------------------------------
# Scenarios: a name, a setup returning the request, who answers


def bare_setup(_dataset: Dataset) -> Request:
    return Request("GET", "/bare/products", check=items_check(50))


def list_first_page(dataset: Dataset) -> Request:
    return dataset.get("/api/v1/invoices?limit=50", check=items_check(50, more=True))


def list_deep_page(dataset: Dataset) -> Request:
    """The page that starts 90 % of the way down, by its real cursor."""
    count = dataset.info["invoices"]
    deep = max(0, min(int(count * 0.9), count - 51))  # a full page of 50 after the cursor
    with dataset.app.app_context():
        stmt = (
            select(Invoice)
            .where(Invoice.organization_id == dataset.info["organization_id"])
            .offset(deep)
        )
        _, cursor = keyset_page(stmt, (Invoice.created_at, Invoice.public_id), 1, None)
        db.session.remove()
    expected = min(50, count - deep - 1)
    return dataset.get(f"/api/v1/invoices?limit=50&cursor={cursor}", check=items_check(expected))


def list_issued(dataset: Dataset) -> Request:
    expected = min(50, dataset.info["statuses"]["ISSUED"])
    return dataset.get("/api/v1/invoices?limit=50&status=ISSUED", check=items_check(expected))


def list_overdue(dataset: Dataset) -> Request:
    expected = min(50, dataset.info["overdue"])
    return dataset.get("/api/v1/invoices?limit=50&overdue=true", check=items_check(expected))


def list_customer(dataset: Dataset) -> Request:
    """One customer's invoices (in-process only: ``invoices.customer_id`` has no index)."""
    customer = dataset.info["customer_public_ids"][len(dataset.info["customer_public_ids"]) // 2]
    return dataset.get(f"/api/v1/invoices?limit=50&customerId={customer}")


def detail(dataset: Dataset) -> Request:
    """An invoice with 3 lines, from the middle of the history."""
    chosen = dataset.info["with_lines"][len(dataset.info["with_lines"]) // 2]

    def check(body: Any) -> str | None:
        data = body.get("data") or {}
        if data.get("id") != chosen or len(data.get("lines") or ()) != 3:
            return f"expected {chosen} with 3 lines: {str(data)[:200]}"
        return None

    return dataset.get(f"/api/v1/invoices/{chosen}", check=check)


def create_body() -> tuple[dict[str, Any], Decimal]:
    """A 10-line invoice, as a client sends it, and the total the server must compute."""
    lines = []
    for n in range(CREATE_LINES):
        lines.append(
            {
                "description": f"{SERVICES[n % len(SERVICES)]} — partida {n + 1}",
                "quantity": str(Decimal(n + 1) / 2),
                "unitPrice": f"{149.9 + 37.25 * n:.2f}",
                "discountPercent": ("0", "5", "10")[n % 3],
                "taxPercent": "16",
            }
        )
    total = document_totals(
        line_amounts(
            Decimal(line["quantity"]),
            Decimal(line["unitPrice"]),
            Decimal(line["discountPercent"]),
            Decimal(line["taxPercent"]),
        )
        for line in lines
    ).total
    body = {
        "customerName": "Constructora Bench S.A. de C.V.",
        "invoiceDate": today().isoformat(),
        "notes": "Pago a 30 días.",
        "lines": lines,
    }
    return body, total


def create(dataset: Dataset) -> Request:
    body, total = create_body()
    year = today().year

    def check(answer: Any) -> str | None:
        data = answer.get("data") or {}
        number = str(data.get("invoiceNumber"))
        if not number.startswith(f"{PREFIX}-{year}-") or len(data.get("lines") or ()) != 10:
            return f"expected a 10-line {PREFIX}-{year}-… invoice: {str(data)[:200]}"
        if data.get("total") != f"{total:.2f}":
            return f"expected total {total:.2f}, got {data.get('total')}"
        return None

    return Request(
        "POST",
        "/api/v1/invoices",
        headers={
            **dataset.bearer(),
            "Accept": "application/json",
            "Content-Type": "application/json",
        },
        body=json.dumps(body).encode(),
        expect_status=201,
        check=check,
    )


def me(dataset: Dataset) -> Request:
    return dataset.get("/api/v1/me")


SCENARIOS = [
    Scenario("bare", bare_setup, target=BARE, note="bench/bare_app.py: 50 items, no database"),
    Scenario(
        "list",
        list_first_page,
        explain=("invoices",),
        note="`GET /api/v1/invoices?limit=50`: first page (oldest first)",
    ),
    Scenario(
        "list-deep-cursor",
        list_deep_page,
        explain=("invoices",),
        note="`&cursor=` of the page 90 % of the way down",
    ),
    Scenario(
        "list-issued",
        list_issued,
        explain=("invoices",),
        note="`&status=ISSUED`: ~12 % of the invoices, denser among the recent ones",
    ),
    Scenario(
        "list-overdue",
        list_overdue,
        explain=("invoices",),
        note="`&overdue=true`: open and past due, ~5 % of the invoices",
    ),
    Scenario(
        "detail",
        detail,
        explain=("invoices", "invoice_lines"),
        note="`GET /api/v1/invoices/<id>`: one invoice with its 3 lines",
    ),
    Scenario(
        "create",
        create,
        note=(
            f"`POST /api/v1/invoices` with {CREATE_LINES} lines: validates, computes the "
            "amounts, takes the next number under the counter lock, inserts invoice, lines "
            "and a history event. **Writes**: every request adds an invoice"
        ),
    ),
    # In-process only: the fixed cost of an API request, and a filter without an index.
    Scenario("me", me, target=IN_PROCESS, note="`GET /api/v1/me`"),
    Scenario(
        "list-customer",
        list_customer,
        target=IN_PROCESS,
        explain=("invoices",),
        note="`&customerId=`: one customer's invoices (~1 in 500)",
    ),
]


# ---------------------------------------------------------------------------------------
# Report


def report(
    results: list[Measurement],
    database: Database,
    options: Options,
    argv: list[str],
    other_rows: int,
    customers: int,
    context: dict[str, str],
) -> str:
    machine = {**machine_info(database, options.client), **context}
    portal = [m for m in results if m.scenario.target == PORTAL]
    measured = [m for m in results if m.scenario.target != BARE]
    sizes = sorted({m.rows for m in portal if m.rows is not None})
    largest = sizes[-1] if sizes else None
    out = machine_section(f"Invoices on {database.label}", machine)
    command = " ".join(["bench/bench_invoices.py", *argv]).strip()
    seeded = (
        "one ENTERPRISE organisation (limits far above the load) with that many invoices "
        f"over the last {HISTORY_DAYS} days, numbered in the portal's yearly series "
        f"(`{PREFIX}-YYYY-NNNN`, with the `document_counters` row after the last one), "
        f"{customers:,} customers (90 % of the invoices name one), statuses by age (old ones "
        "mostly paid, recent ones mostly issued; some open ones past due), one invoice in "
        f"{LINES_EVERY} with 3 lines; and a second organisation with {other_rows:,} invoices, "
        "so every query really filters by tenant"
    )
    out.append(method_paragraph(command, database, options, seeded))
    out.append(results_table(results, options.connections))
    out.append("")
    out.extend(notes_list(results))
    out.extend(in_process_table(results, sizes))
    out.extend(failures_section(results, database))
    creates = [m for m in portal if m.scenario.name == "create" and m.load and m.single]
    if creates:
        made = ", ".join(
            f"{m.load.requests + m.single.requests:,} at {fmt_rows(m.rows)}" for m in creates
        )
        out.append(
            f"\n`create` added invoices during its load runs ({made}, plus warm-ups and the "
            "in-process requests); the list scenarios ran before it in each round, on "
            "tables that had grown by the earlier rounds' writes."
        )
    out.extend(growth_section(portal, sizes))
    out.extend(queries_section(measured, sizes, show=("list", "detail", "create")))
    out.extend(plans_section(measured, largest))
    out.extend(rss_section(results))
    out.extend(targets(portal, largest))
    return "\n".join(out) + "\n"


def in_process_table(results: list[Measurement], sizes: list[int]) -> list[str]:
    """In-process medians of every portal request, the bare one first."""
    chosen = unique_scenarios(results)
    out = [
        "\n**In-process** (Flask test client, one thread, median of up to 300 requests; no "
        "gunicorn, no network; `me` and `list-customer` are measured only here):\n",
        "| request | " + " | ".join(f"ms, {fmt_rows(r)}" for r in sizes) + " | SQL / request |",
        "|---|" + "---:|" * len(sizes) + "---|",
    ]
    for scenario in chosen:
        cells, queries = [], "—"
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


def targets(portal: list[Measurement], largest: int | None) -> list[str]:
    def find(name: str) -> Measurement | None:
        return next((m for m in portal if m.scenario.name == name and m.rows == largest), None)

    def verdict(m: Measurement, target: float) -> str:
        cpu = m.bare.load.server_cpu_ms / m.load.server_cpu_ms if m.bare else None
        by_rps = m.ratio is not None and m.ratio >= target
        by_cpu = cpu is not None and cpu >= target
        word = "met" if by_rps and by_cpu else "not met" if not (by_rps or by_cpu) else "mixed"
        return (
            f"{m.ratio:.2f}× by req/s, {cpu_ratio(m)} by CPU per request "
            f"(target ≥ {target}×: **{word}**)"
        )

    out = ["\n**Against the team's targets:**\n"]
    listing, creating = find("list"), find("create")
    if listing and listing.ratio is not None and listing.load and listing.single:
        out.append(
            f"- listing 50 of {fmt_rows(largest)} invoices: {verdict(listing, TARGET_LIST_RATIO)}"
            f"; median {fmt_ms(listing.load.p50_ms)} ms under load, "
            f"{fmt_ms(listing.single.p50_ms)} ms alone."
        )
    if creating and creating.ratio is not None and creating.load and creating.single:
        out.append(
            f"- creating a {CREATE_LINES}-line invoice with {fmt_rows(largest)} invoices: "
            f"{verdict(creating, TARGET_CREATE_RATIO)}; median {fmt_ms(creating.load.p50_ms)} ms "
            f"under load (p99 {fmt_ms(creating.load.p99_ms)} ms), "
            f"{fmt_ms(creating.single.p50_ms)} ms alone."
        )
    max_rss = max((k for m in portal for k in m.rss_kib), default=0) / 1024
    word = "met" if max_rss < TARGET_RSS_MB * 1e6 / 2**20 else "not met"
    out.append(
        f"- largest portal worker {max_rss:.0f} MiB ({max_rss * 2**20 / 1e6:.0f} MB; target "
        f"< {TARGET_RSS_MB} MB: **{word}**)."
    )
    return out


# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    cores = os.cpu_count() or 2
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1000,100000", help="invoices per run, comma-separated")
    parser.add_argument("--other-rows", type=int, default=1000, help="the other tenant's invoices")
    parser.add_argument("--customers", type=int, default=500, help="the measured one's customers")
    parser.add_argument(
        "--duration", type=float, default=9, help="seconds of load per scenario (all rounds)"
    )
    parser.add_argument(
        "--single-duration", type=float, default=4.5, help="seconds at 1 connection (all rounds)"
    )
    parser.add_argument(
        "--rounds", type=int, default=3, help="bare and portal alternate this many times"
    )
    parser.add_argument("--warmup", type=float, default=1, help="seconds of warm-up per scenario")
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
        seed = make_seed(args.other_rows, args.customers)
        results, database = run(scenarios, seed, options, cleanup)
        machine_rows = {
            "load average (1 min)": f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after",
            **(context or {}),
        }
        text = report(
            results, database, options, argv, args.other_rows, args.customers, machine_rows
        )
    return Outcome(results, text, f"invoices-{database.kind}")


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    return script_main(lambda: benchmark(args, argv), docs=not args.no_docs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
