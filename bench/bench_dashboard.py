"""Benchmark: the managers' dashboard and the four reports, at 1k, 10k and 100k invoices.

    .venv/bin/python bench/bench_dashboard.py [--rows 1000,10000,100000] [--duration 9]
                                              [--database-url postgresql://postgres@127.0.0.1:5432/bench_dashboard]

For every row count it seeds a fresh database: the measured organisation (ENTERPRISE, so the
PRO reports answer) with N invoices over the last 24 months in its own dates, their lines and
~2 payments per invoice, ``--customers`` customers, ``--products`` catalogue products and
N/5 quotes; a second organisation with a tenth of all that. Then the dashboard's running
totals are rebuilt (``portal.dashboard.totals.rebuild_totals``: the seed writes with Core
inserts, which do not keep them) and the statistics refreshed (``ANALYZE``; the harness runs
``VACUUM ANALYZE`` on PostgreSQL). It counts the SQL statements of each request in-process,
then serves the portal and the bare Flask endpoint (bench/bare_app.py) with the same
gunicorn settings and loads both with wrk (a Python client otherwise). It prints a Markdown
report and writes it into docs/benchmarks.md (``--no-docs`` to skip). The harness
(bench/harness.py) and the method are those of bench_invoices.py.

Every request is a read: the tables do not change during the run.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import secrets
import shutil
import sys
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from harness import (
    BARE,
    IN_PROCESS,
    PORTAL,
    WRK_INSTALL_HINT,
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
    growth,
    growth_section,
    have_wrk,
    items_check,
    machine_info,
    machine_section,
    method_paragraph,
    notes_list,
    plans_section,
    queries_section,
    results_table,
    rss_section,
    run,
    script_main,
    unique_scenarios,
)
from sqlalchemy import func, insert, select, text

from portal.accounts.models import Organization
from portal.catalog.models import Customer, Product
from portal.clock import today_in
from portal.dashboard.models import RUNNING_TOTALS
from portal.dashboard.totals import rebuild_totals
from portal.db import new_public_id
from portal.documents.calc import document_totals, line_amounts
from portal.documents.models import DocumentCounter
from portal.documents.numbering import format_number
from portal.extensions import db
from portal.invoices.document import PREFIX as INVOICE_PREFIX
from portal.invoices.models import Invoice, InvoiceLine, InvoiceStatus, Payment
from portal.money import quantize
from portal.periods import last_12_months, this_quarter, this_year
from portal.quotes.document import QUOTES
from portal.quotes.models import Quote

# Issue 10: the dashboard answers in ≤ 50 ms (median) at 100k invoices, ≤ 3× its 1k figure.
TARGET_P50_MS = 50.0
TARGET_GROWTH = 3.0

HISTORY_DAYS = 730  # 24 months: the default period (last 12 months) and the previous one
TERMS_DAYS = 30
QUOTE_VALIDITY_DAYS = 30
QUOTES_EVERY = 5  # N invoices come with N / 5 quotes
OTHER_SHARE = 10  # the other organisation holds a tenth of everything
BATCH = 5_000  # invoices per INSERT batch

QUOTE_PREFIX = QUOTES.prefix
PAYMENT_METHODS = ("TRANSFER", "TRANSFER", "TRANSFER", "CARD", "CASH", "CHECK")
COMPANY_KINDS = ("Ferretería", "Construcciones", "Talleres", "Distribuciones", "Comercial", "Grupo")
COMPANY_NAMES = ("del Norte", "Hermanos Ruiz", "La Esperanza", "Central", "Ibérica", "San José")
WALK_IN = ("Cliente de mostrador", "Particular", "Comunidad de vecinos Sol 4", "Obra menor")
# The catalogue: (name, unit, price range in cents, IVA rate); two sizes of each.
CATALOGUE = (
    ("Tubería de cobre", "m", (300, 2_500), 21),
    ("Pintura plástica blanca", "ud", (1_500, 9_000), 21),
    ("Cemento cola", "saco", (600, 2_000), 21),
    ("Tornillería surtida", "caja", (400, 3_000), 21),
    ("Cable eléctrico", "m", (80, 600), 21),
    ("Grifo monomando", "ud", (3_000, 18_000), 21),
    ("Azulejo", "m²", (1_200, 6_000), 21),
    ("Andamio (alquiler diario)", "día", (2_000, 8_000), 21),
    ("Mano de obra oficial", "h", (2_500, 4_500), 21),
    ("Mantenimiento preventivo", "ud", (6_000, 30_000), 21),
    ("Instalación de caldera", "ud", (25_000, 120_000), 21),
    ("Reforma de baño (vivienda)", "ud", (150_000, 600_000), 10),
    ("Rehabilitación de fachada", "m²", (3_000, 9_000), 10),
    ("Reparación de vivienda", "h", (2_500, 4_000), 10),
    ("Libro técnico de obra", "ud", (1_500, 6_000), 4),
    ("Silicona neutra", "ud", (300, 1_200), 21),
    ("Placa de yeso laminado", "ud", (500, 1_800), 21),
    ("Radiador de aluminio", "ud", (4_000, 16_000), 21),
    ("Termo eléctrico", "ud", (12_000, 45_000), 21),
    ("Porte y entrega", "ud", (1_000, 5_000), 21),
    ("Lijadora orbital", "ud", (4_000, 15_000), 21),
    ("Puerta de interior", "ud", (9_000, 35_000), 21),
    ("Ventana PVC", "ud", (18_000, 70_000), 21),
    ("Impermeabilización de cubierta", "m²", (1_800, 6_500), 10),
    ("Certificado energético", "ud", (9_000, 25_000), 21),
)
FREE_TEXT = ("Material diverso", "Desplazamiento", "Trabajos varios", "Ajuste de obra")
DISCOUNTS = (0, 0, 0, 0, 5, 10)


def org_today(dataset: Dataset) -> date:
    """The measured organisation's today (its own time zone, as the portal computes it)."""
    return dataset.info["today"]


# ---------------------------------------------------------------------------------------
# Data


def invoice_status(age_days: int, rng: random.Random) -> str:
    """Old invoices mostly paid (a few still open, hence overdue; some void, a forgotten
    draft); recent ones mostly open, some already paid, more drafts."""
    if age_days >= 2 * TERMS_DAYS:
        table = ((0.88, "PAID"), (0.91, "PARTIALLY_PAID"), (0.94, "ISSUED"), (0.98, "VOID"))
    elif age_days >= TERMS_DAYS:
        table = ((0.55, "PAID"), (0.67, "PARTIALLY_PAID"), (0.92, "ISSUED"), (0.96, "VOID"))
    else:
        table = ((0.25, "PAID"), (0.35, "PARTIALLY_PAID"), (0.85, "ISSUED"), (0.87, "VOID"))
    roll = rng.random()
    return next((status for limit, status in table if roll < limit), "DRAFT")


def quote_status(age_days: int, rng: random.Random) -> str:
    """Stored statuses (EXPIRED is derived: SENT past its validity). Old quotes have an
    answer or expired; recent ones are mostly awaiting one."""
    if age_days > QUOTE_VALIDITY_DAYS:
        table = ((0.05, "DRAFT"), (0.25, "SENT"), (0.40, "ACCEPTED"), (0.75, "CONVERTED"))
    else:
        table = ((0.20, "DRAFT"), (0.70, "SENT"), (0.80, "ACCEPTED"), (0.90, "CONVERTED"))
    roll = rng.random()
    return next((status for limit, status in table if roll < limit), "REJECTED")


@dataclass(frozen=True)
class CatalogueProduct:
    id: int
    name: str
    price_cents: tuple[int, int]
    tax_percent: int


def invoice_lines(products: list[CatalogueProduct], rng: random.Random) -> list[dict[str, Any]]:
    """1–3 lines; most name a catalogue product (its IVA rate), some are typed by hand."""
    lines = []
    for position in range(rng.choices((1, 2, 3), weights=(40, 35, 25))[0]):
        if products and rng.random() < 0.85:
            product = rng.choice(products)
            product_id, description = product.id, product.name
            unit_price = Decimal(rng.randint(*product.price_cents)).scaleb(-2)
            tax_percent = Decimal(product.tax_percent)
        else:
            product_id, description = None, rng.choice(FREE_TEXT)
            unit_price = Decimal(rng.randint(1_000, 40_000)).scaleb(-2)
            tax_percent = Decimal(21)
        quantity = Decimal(rng.randint(1, 40)) / 2
        discount_percent = Decimal(rng.choice(DISCOUNTS))
        amounts = line_amounts(quantity, unit_price, discount_percent, tax_percent)
        lines.append(
            {
                "position": position,
                "product_id": product_id,
                "description": description,
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


def split(amount: Decimal, parts: int, rng: random.Random) -> list[Decimal]:
    """``amount`` in ``parts`` positive payments (to the cent)."""
    cents = int(amount * 100)
    parts = max(1, min(parts, cents))
    cuts = sorted(rng.sample(range(1, cents), parts - 1)) if parts > 1 else []
    bounds = [0, *cuts, cents]
    return [Decimal(b - a).scaleb(-2) for a, b in itertools.pairwise(bounds)]


def payment_plan(
    status: str, total: Decimal, invoice_date: date, today: date, rng: random.Random
) -> list[tuple[date, Decimal]]:
    """(paid_on, amount) of an invoice's payments, oldest first: paid ones in 1–3 payments,
    the last one settling it (within ~3 months, mostly within the terms); partly paid ones
    in 1–2 payments of 20–80 % of the total."""
    age = (today - invoice_date).days
    if status == "PAID":
        count = rng.choices((1, 2, 3), weights=(15, 35, 50))[0]
        amounts = split(total, count, rng)
        settle = invoice_date + timedelta(days=min(age, int(rng.triangular(0, 95, 28))))
    elif status == "PARTIALLY_PAID":
        share = Decimal(rng.randint(20, 80)) / 100
        amounts = split(quantize(total * share), rng.choice((1, 2)), rng)
        settle = invoice_date + timedelta(days=min(age, int(rng.triangular(0, 60, 20))))
    else:
        return []
    span = (settle - invoice_date).days
    days = sorted(invoice_date + timedelta(days=rng.randint(0, span)) for _ in amounts[1:])
    return list(zip([*days, settle], amounts, strict=True))


def seed_catalogue(
    conn, organization_id: int, customers: int, products: int, rng: random.Random
) -> tuple[list[tuple[int, str]], list[CatalogueProduct]]:
    customer_table, product_table = Customer.__table__, Product.__table__
    customer_rows = [
        {
            "public_id": new_public_id("cus"),
            "organization_id": organization_id,
            "name": f"{rng.choice(COMPANY_KINDS)} {rng.choice(COMPANY_NAMES)} {n:04d} S.L.",
            "email": f"administracion{n}@cliente.example.com",
            "tax_id": f"B{rng.randint(10_000_000, 99_999_999)}",
            "created_at": datetime(2024, 1, 1, tzinfo=UTC),
        }
        for n in range(customers)
    ]
    customer_ids = conn.execute(
        insert(customer_table).returning(customer_table.c.id, sort_by_parameter_order=True),
        customer_rows,
    ).scalars()
    pairs = [(i, row["name"]) for i, row in zip(customer_ids, customer_rows, strict=True)]
    product_rows = []
    for n in range(products):
        name, unit, (_low, high), rate = CATALOGUE[n % len(CATALOGUE)]
        size = ("", " (pro)", " (eco)", " XL")[n // len(CATALOGUE) % 4]
        sku = f"REF-{n + 1:04d}"
        product_rows.append(
            {
                "public_id": new_public_id("prod"),
                "organization_id": organization_id,
                "name": name + size,
                "sku": sku,
                "sku_key": sku.lower(),
                "price": Decimal(high).scaleb(-2),
                "tax_rate": Decimal(rate),
                "unit": unit,
                "active": True,
                "created_at": datetime(2024, 1, 1, tzinfo=UTC),
            }
        )
    product_ids = conn.execute(
        insert(product_table).returning(product_table.c.id, sort_by_parameter_order=True),
        product_rows,
    ).scalars()
    catalogue = [
        CatalogueProduct(
            i, row["name"], CATALOGUE[n % len(CATALOGUE)][2], CATALOGUE[n % len(CATALOGUE)][3]
        )
        for n, (i, row) in enumerate(zip(product_ids, product_rows, strict=True))
    ]
    return pairs, catalogue


def customer_of(customers: list[tuple[int, str]], rng: random.Random) -> tuple[int | None, str]:
    """A catalogue customer nine times in ten, a name typed on the document otherwise."""
    if customers and rng.random() < 0.9:
        return rng.choice(customers)
    return None, rng.choice(WALK_IN)


def seed_invoices(
    conn,
    organization: dict[str, Any],
    count: int,
    customers: list[tuple[int, str]],
    products: list[CatalogueProduct],
    rng: random.Random,
) -> Counter[str]:
    """``count`` invoices spread evenly over the last HISTORY_DAYS, oldest first, numbered
    in the yearly series; their lines and payments. Counts what was made."""
    today, now = organization["today"], datetime.now(UTC)
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    invoice_table, line_table, payment_table = (
        Invoice.__table__,
        InvoiceLine.__table__,
        Payment.__table__,
    )
    per_year: Counter[int] = Counter()
    made: Counter[str] = Counter()
    for batch_start in range(0, count, BATCH):
        rows, lines, plans = [], [], []
        for index in range(batch_start, min(count, batch_start + BATCH)):
            invoice_date = first_day + timedelta(days=index * HISTORY_DAYS // count)
            created_at = min(now, datetime.combine(invoice_date, time(8, 30), tzinfo=UTC))
            per_year[invoice_date.year] += 1
            status = invoice_status((today - invoice_date).days, rng)
            own_lines = invoice_lines(products, rng)
            totals = document_totals(
                line_amounts(
                    line["quantity"],
                    line["unit_price"],
                    line["discount_percent"],
                    line["tax_percent"],
                )
                for line in own_lines
            )
            plan = payment_plan(status, totals.total, invoice_date, today, rng)
            customer_id, customer_name = customer_of(customers, rng)
            rows.append(
                {
                    "public_id": new_public_id("inv"),
                    "organization_id": organization["id"],
                    "number": format_number(
                        INVOICE_PREFIX, invoice_date.year, per_year[invoice_date.year]
                    ),
                    "status": status,
                    "currency": organization["currency"],
                    "notes": "",
                    "subtotal": totals.subtotal,
                    "discount_total": totals.discount_total,
                    "tax_total": totals.tax_total,
                    "total": totals.total,
                    "updated_at": created_at,
                    "customer_id": customer_id,
                    "created_by_id": organization["owner_id"],
                    "customer_name": customer_name,
                    "invoice_date": invoice_date,
                    "due_date": invoice_date + timedelta(days=TERMS_DAYS),
                    "amount_paid": sum((amount for _, amount in plan), Decimal("0.00")),
                    "issued_at": None if status == "DRAFT" else created_at + timedelta(minutes=5),
                    "settled_on": plan[-1][0] if status == "PAID" else None,
                    "voided_at": (
                        min(now, created_at + timedelta(days=2)) if status == "VOID" else None
                    ),
                    "created_at": created_at,
                }
            )
            lines.append(own_lines)
            plans.append(plan)
            made[status] += 1
        ids = conn.execute(
            insert(invoice_table).returning(invoice_table.c.id, sort_by_parameter_order=True),
            rows,
        ).scalars()
        line_rows, payment_rows = [], []
        for invoice_id, own_lines, plan in zip(ids, lines, plans, strict=True):
            line_rows.extend({"invoice_id": invoice_id, **line} for line in own_lines)
            for paid_on, amount in plan:
                payment_rows.append(
                    {
                        "public_id": new_public_id("pay"),
                        "organization_id": organization["id"],
                        "invoice_id": invoice_id,
                        "amount": amount,
                        "currency": organization["currency"],
                        "paid_on": paid_on,
                        "method": rng.choice(PAYMENT_METHODS),
                        "reference": "",
                        "recorded_by_id": organization["owner_id"],
                        "created_at": min(now, datetime.combine(paid_on, time(11), tzinfo=UTC)),
                    }
                )
        conn.execute(insert(line_table), line_rows)
        if payment_rows:
            conn.execute(insert(payment_table), payment_rows)
        made["lines"] += len(line_rows)
        made["payments"] += len(payment_rows)
    counters(conn, organization["id"], INVOICE_PREFIX, per_year)
    return made


def seed_quotes(
    conn,
    organization: dict[str, Any],
    count: int,
    customers: list[tuple[int, str]],
    rng: random.Random,
) -> Counter[str]:
    """``count`` quotes over the last HISTORY_DAYS in every state, with ``sent_at`` and
    ``decided_at`` (accepted within days to weeks of sending). Their lines are not seeded:
    neither the dashboard nor the quotes report reads them."""
    today, now = organization["today"], datetime.now(UTC)
    first_day = today - timedelta(days=HISTORY_DAYS - 1)
    table = Quote.__table__
    per_year: Counter[int] = Counter()
    made: Counter[str] = Counter()
    rows = []
    for index in range(count):
        issue_date = first_day + timedelta(days=index * HISTORY_DAYS // count)
        created_at = min(now, datetime.combine(issue_date, time(9), tzinfo=UTC))
        per_year[issue_date.year] += 1
        status = quote_status((today - issue_date).days, rng)
        sent_at = decided_at = None
        if status != "DRAFT":
            sent_at = min(now, created_at + timedelta(hours=rng.randint(1, 48)))
        if status in ("ACCEPTED", "CONVERTED", "REJECTED"):
            waited = timedelta(hours=rng.triangular(2, 24 * QUOTE_VALIDITY_DAYS, 24 * 6))
            decided_at = min(now, sent_at + waited) if sent_at else None
        subtotal = Decimal(rng.randint(5_000, 2_000_000)).scaleb(-2)
        discount = quantize(subtotal * rng.choice(DISCOUNTS) / 100)
        tax = quantize((subtotal - discount) * 21 / 100)
        customer_id, customer_name = customer_of(customers, rng)
        rows.append(
            {
                "public_id": new_public_id("quo"),
                "organization_id": organization["id"],
                "number": format_number(QUOTE_PREFIX, issue_date.year, per_year[issue_date.year]),
                "status": status,
                "currency": organization["currency"],
                "notes": "",
                "subtotal": subtotal,
                "discount_total": discount,
                "tax_total": tax,
                "total": subtotal - discount + tax,
                "updated_at": decided_at or sent_at or created_at,
                "customer_id": customer_id,
                "created_by_id": organization["owner_id"],
                "customer_name": customer_name,
                "issue_date": issue_date,
                "valid_until": issue_date + timedelta(days=QUOTE_VALIDITY_DAYS),
                "public_token": secrets.token_urlsafe(32) if sent_at else None,
                "decision_reason": "",
                "sent_at": sent_at,
                "decided_at": decided_at,
                "created_at": created_at,
            }
        )
        made[status] += 1
    for start in range(0, len(rows), BATCH):
        conn.execute(insert(table), rows[start : start + BATCH])
    counters(conn, organization["id"], QUOTE_PREFIX, per_year)
    return made


def counters(conn, organization_id: int, series: str, per_year: Counter[int]) -> None:
    """The series' next numbers, after the last one seeded."""
    if per_year:
        conn.execute(
            insert(DocumentCounter.__table__),
            [
                {
                    "organization_id": organization_id,
                    "series": series,
                    "year": year,
                    "next_value": taken + 1,
                }
                for year, taken in per_year.items()
            ],
        )


def seed_organization(
    conn,
    organization: dict[str, Any],
    invoices: int,
    customers: int,
    products: int,
    rng: random.Random,
) -> Counter[str]:
    pairs, catalogue = seed_catalogue(conn, organization["id"], customers, products, rng)
    made = seed_invoices(conn, organization, invoices, pairs, catalogue, rng)
    quotes = seed_quotes(conn, organization, invoices // QUOTES_EVERY, pairs, rng)
    made.update({f"quote {status}": n for status, n in quotes.items()})
    return made


def make_seed(customers: int, products: int, log: Callable[[str], None] = print):
    def seed(dataset: Dataset) -> None:
        rng = random.Random(20261130 + dataset.rows)
        engine = dataset.app.extensions["portal.db"]
        info = dataset.info
        with dataset.app.app_context():
            organizations = {
                org.id: {
                    "id": org.id,
                    "currency": org.currency,
                    "today": today_in(org.time_zone),
                    "owner_id": None,
                }
                for org in db.session.scalars(select(Organization))
            }
            db.session.remove()
        measured = organizations[info["organization_id"]]
        measured["owner_id"] = info["owner_id"]
        other = organizations[info["other_organization_id"]]
        with engine.begin() as conn:
            made = seed_organization(conn, measured, dataset.rows, customers, products, rng)
            other_made = seed_organization(
                conn,
                other,
                dataset.rows // OTHER_SHARE,
                max(1, customers // OTHER_SHARE),
                max(1, products // OTHER_SHARE),
                rng,
            )
            rebuild_totals(conn)
        if engine.dialect.name == "sqlite":
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
        info["today"] = measured["today"]
        info["made"] = made
        info["other_made"] = other_made
        info["customers"] = customers
        info["products"] = products
        log(
            f"  measured: {dataset.rows:,} invoices, {made['lines']:,} lines, "
            f"{made['payments']:,} payments, {dataset.rows // QUOTES_EVERY:,} quotes; "
            f"other: {dataset.rows // OTHER_SHARE:,} invoices, {other_made['payments']:,} payments"
        )

    return seed


# ---------------------------------------------------------------------------------------
# Scenarios: a name, a setup returning the request, who answers. Each answer is checked
# against a figure recomputed here from the documents themselves (not the running totals).

ISSUED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)


def _expected(dataset: Dataset, query: Callable[[int], Any]) -> Any:
    with dataset.app.app_context():
        try:
            return query(dataset.info["organization_id"])
        finally:
            db.session.remove()


def _sum(column: Any, *where: Any) -> Decimal:
    """Σ in Python of the matching rows' amounts (exact on both backends)."""
    return sum(db.session.scalars(select(column).where(*where)), Decimal("0.00"))


def invoiced_in(dataset: Dataset, start: date, end: date) -> Decimal:
    def query(organization_id: int) -> Decimal:
        return _sum(
            Invoice.total,
            Invoice.organization_id == organization_id,
            Invoice.status.in_(ISSUED),
            Invoice.invoice_date.between(start, end),
        )

    return _expected(dataset, query)


def collected_in(dataset: Dataset, start: date, end: date) -> Decimal:
    def query(organization_id: int) -> Decimal:
        return _sum(
            Payment.amount,
            Payment.organization_id == organization_id,
            Payment.paid_on.between(start, end),
        )

    return _expected(dataset, query)


def _compare(label: str, got: Any, expected: Decimal | int) -> str | None:
    if not expected:
        return f"{label}: the seed left nothing to count (expected a non-zero figure)"
    if str(got) != (f"{expected:.2f}" if isinstance(expected, Decimal) else str(expected)):
        return f"{label}: answered {got!r}, the documents say {expected}"
    return None


def bare_setup(_dataset: Dataset) -> Request:
    return Request("GET", "/bare/products", check=items_check(50))


def dashboard_request(dataset: Dataset, query: str, start: date, end: date) -> Request:
    """``GET /api/v1/dashboard`` for a period: checks ``invoiced`` and ``revenue`` of the
    period and of the previous one against the documents, and that the lists are full."""
    days = (end - start).days + 1
    before_end = start - timedelta(days=1)
    before_start = before_end - timedelta(days=days - 1)
    expected = {
        "invoiced": invoiced_in(dataset, start, end),
        "revenue": collected_in(dataset, start, end),
        "previous.invoiced": invoiced_in(dataset, before_start, before_end),
        "previous.revenue": collected_in(dataset, before_start, before_end),
    }

    def check(body: Any) -> str | None:
        data = body.get("data") or {}
        if (data.get("from"), data.get("to")) != (start.isoformat(), end.isoformat()):
            return f"expected {start}..{end}: {data.get('from')}..{data.get('to')}"
        for key, value in expected.items():
            got = data.get("previous", {}).get(key[9:]) if key[:9] == "previous." else data.get(key)
            complaint = _compare(key, got, value)
            if complaint:
                return complaint
        for key in ("topCustomers", "topProducts"):
            if len(data.get(key) or ()) != 5:
                return f"expected 5 {key}: {data.get(key)!r}"
        if not data.get("overdueCount") or not data.get("quotesOpen"):
            return f"expected overdue invoices and open quotes: {str(data)[:300]}"
        return None

    return dataset.get(f"/api/v1/dashboard{query}", check=check)


def dashboard_default(dataset: Dataset) -> Request:
    period = last_12_months(org_today(dataset))
    return dashboard_request(dataset, "", period.start, period.end)


def dashboard_this_year(dataset: Dataset) -> Request:
    period = this_year(org_today(dataset))
    return dashboard_request(dataset, "?period=this_year", period.start, period.end)


def mid_month_year(today: date) -> tuple[date, date]:
    """A year from a 16th to a 15th: half a month at each end is not a whole month, so the
    dashboard reads those days from the invoices and lines, not from the monthly totals."""
    end = today.replace(day=15) if today.day >= 15 else (today.replace(day=1) - timedelta(1))
    end = end.replace(day=15)
    return date(end.year - 1, end.month, 16), end


def dashboard_mid_month(dataset: Dataset) -> Request:
    start, end = mid_month_year(org_today(dataset))
    return dashboard_request(dataset, f"?from={start}&to={end}", start, end)


def report_aging(dataset: Dataset) -> Request:
    def query(organization_id: int) -> Decimal:
        open_ = (
            Invoice.organization_id == organization_id,
            Invoice.status.in_(InvoiceStatus.OPEN),
        )
        return _sum(Invoice.total, *open_) - _sum(Invoice.amount_paid, *open_)

    expected = _expected(dataset, query)

    def check(body: Any) -> str | None:
        data = body.get("data") or {}
        if len(data.get("customers") or ()) < 2:
            return f"expected open balances of several customers: {str(data)[:200]}"
        return _compare("totals.total", (data.get("totals") or {}).get("total"), expected)

    return dataset.get("/api/v1/reports/aging", check=check)


def report_quotes(dataset: Dataset) -> Request:
    period = last_12_months(org_today(dataset))

    def query(organization_id: int) -> int:
        return db.session.scalar(
            select(func.count())
            .select_from(Quote)
            .where(
                Quote.organization_id == organization_id,
                Quote.issue_date.between(period.start, period.end),
            )
        )

    expected = _expected(dataset, query)

    def check(body: Any) -> str | None:
        data = body.get("data") or {}
        if len(data.get("byMonth") or ()) != 12 or data.get("conversionRate") is None:
            return f"expected 12 months and a conversion rate: {str(data)[:200]}"
        return _compare("count", data.get("count"), expected)

    return dataset.get("/api/v1/reports/quotes", check=check)


def report_sales(dataset: Dataset) -> Request:
    period = this_year(org_today(dataset))

    def query(organization_id: int) -> Decimal:
        scope = (
            Invoice.organization_id == organization_id,
            Invoice.status.in_(ISSUED),
            Invoice.invoice_date.between(period.start, period.end),
        )
        return _sum(Invoice.subtotal, *scope) - _sum(Invoice.discount_total, *scope)

    expected = _expected(dataset, query)
    products = dataset.info["products"]

    def check(body: Any) -> str | None:
        data = body.get("data") or {}
        if (
            len(data.get("byProduct") or ()) < min(10, products)
            or len(data.get("byCustomer") or ()) < 2
        ):
            return f"expected products and customers: {str(data)[:200]}"
        return _compare("totals.net", (data.get("totals") or {}).get("net"), expected)

    return dataset.get("/api/v1/reports/sales", check=check)


def report_taxes(dataset: Dataset) -> Request:
    period = this_quarter(org_today(dataset))

    def query(organization_id: int) -> Decimal:
        return _sum(
            Invoice.tax_total,
            Invoice.organization_id == organization_id,
            Invoice.status.in_(ISSUED),
            Invoice.invoice_date.between(period.start, period.end),
        )

    expected = _expected(dataset, query)

    def check(body: Any) -> str | None:
        data = body.get("data") or {}
        if len(data.get("rates") or ()) < 2:
            return f"expected several IVA rates: {str(data)[:200]}"
        return _compare("totals.tax", (data.get("totals") or {}).get("tax"), expected)

    return dataset.get("/api/v1/reports/taxes", check=check)


def me(dataset: Dataset) -> Request:
    return dataset.get("/api/v1/me")


DASHBOARD_TABLES = tuple(model.__tablename__ for model in RUNNING_TOTALS)
SCENARIOS = [
    Scenario("bare", bare_setup, target=BARE, note="bench/bare_app.py: 50 items, no database"),
    Scenario(
        "dashboard",
        dashboard_default,
        explain=(*DASHBOARD_TABLES, "invoices", "quotes"),
        note="`GET /api/v1/dashboard`: the default period, the last 12 months (whole months "
        "up to today) and the 12 before",
    ),
    Scenario(
        "dashboard-this-year",
        dashboard_this_year,
        note="`?period=this_year`: 1 January to today, and the same number of days before",
    ),
    Scenario(
        "dashboard-mid-month",
        dashboard_mid_month,
        explain=("invoices", "invoice_lines"),
        note="`?from=…-16&to=…-15`: a year that starts and ends mid-month, so top customers "
        "and products read ~1 month of invoices and lines besides the monthly totals",
    ),
    Scenario(
        "report-aging",
        report_aging,
        explain=("invoices",),
        note="`GET /api/v1/reports/aging`: open balances by customer and due date, today",
    ),
    Scenario(
        "report-quotes",
        report_quotes,
        explain=("quotes",),
        note="`GET /api/v1/reports/quotes`: default period, the last 12 months",
    ),
    Scenario(
        "report-sales",
        report_sales,
        explain=("invoice_lines", "invoices"),
        note="`GET /api/v1/reports/sales`: default period, this year (by product: the lines)",
    ),
    Scenario(
        "report-taxes",
        report_taxes,
        explain=("invoice_lines",),
        note="`GET /api/v1/reports/taxes`: default period, this quarter (the lines by rate)",
    ),
    # In-process only: the fixed cost of an authenticated API request.
    Scenario("me", me, target=IN_PROCESS, note="`GET /api/v1/me`"),
]


# ---------------------------------------------------------------------------------------
# Report


def find(results: list[Measurement], name: str, rows: int | None) -> Measurement | None:
    return next((m for m in results if m.scenario.name == name and m.rows == rows), None)


def summary_table(results: list[Measurement], sizes: list[int]) -> list[str]:
    """The issue's figures: median latency of a lone caller at each size, the growth, and
    the ratio to the bare endpoint at the largest size."""
    if not sizes:
        return []
    largest = sizes[-1]
    out = [
        "\n**Summary** (median ms of a lone caller, served by gunicorn; `× bare`: req/s under "
        f"load and CPU per request against the bare endpoint's, at {fmt_rows(largest)}):\n",
        "| request | "
        + " | ".join(f"median ms, {fmt_rows(r)}" for r in sizes)
        + f" | growth {fmt_rows(sizes[0])}→{fmt_rows(largest)} | in-process ms, "
        f"{fmt_rows(largest)} | × bare (req/s) | × bare (CPU) | SQL / request |",
        "|---|" + "---:|" * len(sizes) + "---:|---:|---:|---:|---|",
    ]
    for scenario in unique_scenarios(results):
        if scenario.target != PORTAL:
            continue
        at = [find(results, scenario.name, r) for r in sizes]
        medians = [m.single.p50_ms if m and m.single else None for m in at]
        last = at[-1]
        out.append(
            f"| `{scenario.name}` | "
            + " | ".join(fmt_ms(v) for v in medians)
            + f" | {growth(medians[0], medians[-1])} "
            f"| {fmt_ms(last.in_process_ms) if last else '—'} "
            f"| {f'{last.ratio:.2f}×' if last and last.ratio is not None else '—'} "
            f"| {cpu_ratio(last) if last else '—'} "
            f"| {last.queries.describe() if last and last.queries else '—'} |"
        )
    return out


def in_process_table(results: list[Measurement], sizes: list[int]) -> list[str]:
    """In-process medians of every request at every size, the bare one first."""
    out = [
        "\n**In-process** (Flask test client, one thread, median of up to 300 requests; no "
        "gunicorn, no network; `me` is measured only here):\n",
        "| request | "
        + " | ".join(f"ms, {fmt_rows(r)}" for r in sizes)
        + f" | growth {fmt_rows(sizes[0]) if sizes else ''}→{fmt_rows(sizes[-1]) if sizes else ''}"
        " |",
        "|---|" + "---:|" * len(sizes) + "---:|",
    ]
    bare = [m for m in results if m.scenario.target == BARE]  # one per size, in order
    for scenario in unique_scenarios(results):
        values = []
        for index, rows in enumerate(sizes):
            if scenario.target == BARE:
                m = bare[index] if index < len(bare) else None
            else:
                m = find(results, scenario.name, rows)
            values.append(m.in_process_ms if m else None)
        label = f"`{scenario.name}`" + (
            f": {scenario.note}" if scenario.target == IN_PROCESS else ""
        )
        out.append(
            f"| {label} | "
            + " | ".join(fmt_ms(v) for v in values)
            + f" | {growth(values[0], values[-1]) if values else '—'} |"
        )
    return out


def targets(results: list[Measurement], sizes: list[int], database: Database) -> list[str]:
    """Issue 10: the dashboard's median at the largest size, and its growth from the
    smallest (1 connection, served; the in-process figure beside it)."""
    if not sizes:
        return []
    small, largest = sizes[0], sizes[-1]
    out = [
        f"\n**Against the issue's target** (dashboard p50 ≤ {TARGET_P50_MS:g} ms at "
        f"{fmt_rows(largest)} invoices and ≤ {TARGET_GROWTH:g}× its {fmt_rows(small)} figure; "
        f"{database.label}, lone caller):\n"
    ]
    for name in ("dashboard", "dashboard-this-year", "dashboard-mid-month"):
        a, b = find(results, name, small), find(results, name, largest)
        if not a or not b or not a.single or not b.single:
            continue
        p50, before = b.single.p50_ms, a.single.p50_ms
        if p50 is None or before is None:
            continue
        fast = p50 <= TARGET_P50_MS
        flat = p50 <= TARGET_GROWTH * before
        word = "met" if fast and flat else "not met"
        out.append(
            f"- `{name}`: {fmt_ms(p50)} ms at {fmt_rows(largest)} "
            f"({'≤' if fast else '>'} {TARGET_P50_MS:g}), {growth(before, p50)} its "
            f"{fmt_ms(before)} ms at {fmt_rows(small)} ({'≤' if flat else '>'} "
            f"{TARGET_GROWTH:g}×): **{word}** (in-process {fmt_ms(b.in_process_ms)} ms; "
            f"{fmt_ms(b.load.p50_ms) if b.load else '—'} ms median with "
            f"{b.load.connections if b.load else '?'} connections)."
        )
    return out


def report(
    results: list[Measurement],
    database: Database,
    options: Options,
    argv: list[str],
    customers: int,
    products: int,
    context: dict[str, str],
) -> str:
    machine = {**machine_info(database, options.client), **context}
    portal = [m for m in results if m.scenario.target == PORTAL]
    measured = [m for m in results if m.scenario.target != BARE]
    sizes = sorted({m.rows for m in portal if m.rows is not None})
    largest = sizes[-1] if sizes else None
    out = machine_section(f"Dashboard and reports on {database.label}", machine)
    command = " ".join(["bench/bench_dashboard.py", *argv]).strip()
    seeded = (
        "one ENTERPRISE organisation (limits far above the load; the reports are PRO) with "
        f"that many invoices spread evenly over the last {HISTORY_DAYS} days of its own "
        "dates, numbered in the yearly series, statuses by age (old ones mostly paid, some "
        "still open hence overdue, some void, a few drafts; recent ones mostly open), 1–3 "
        f"lines each (85 % naming one of {products} catalogue products with their IVA rate "
        f"of 21, 10 or 4 %), {customers} customers (90 % of the documents name one), paid "
        "invoices in 1–3 payments (the last one on `settled_on`) and partly paid ones in 1–2, "
        f"~2 payments per invoice; N/{QUOTES_EVERY} quotes in every state with `sent_at` and "
        "`decided_at` (no quote lines: nothing measured reads them); all in the "
        f"organisation's currency; a second organisation with a tenth of all that, so every "
        "query really filters by tenant; then `rebuild_totals` (the running totals the "
        "dashboard reads) and fresh statistics for the planner (`ANALYZE` on SQLite, the "
        "harness's `VACUUM ANALYZE` on PostgreSQL)"
    )
    out.append(method_paragraph(command, database, options, seeded))
    out.append(
        "Every answer is checked on the way in against figures recomputed from the documents "
        "(invoiced and collected in the period and the previous one, the open balance, the "
        "quotes counted, net sales, IVA), so a fast wrong answer fails the run."
    )
    out.extend(seed_counts(results))
    out.extend(summary_table(results, sizes))
    out.append("\n**Every measurement:**\n")
    out.append(results_table(results, options.connections))
    out.append("")
    out.extend(notes_list(results))
    out.extend(in_process_table(results, sizes))
    out.extend(failures_section(results, database))
    out.extend(growth_section(portal, sizes))
    out.extend(queries_section(measured, sizes, show=("dashboard", "dashboard-mid-month")))
    out.extend(plans_section(measured, largest))
    out.extend(rss_section(results))
    out.extend(targets(results, sizes, database))
    return "\n".join(out) + "\n"


SEEDED: dict[int, tuple[Counter[str], Counter[str]]] = {}  # rows → (measured, other)


def seed_counts(_results: list[Measurement]) -> list[str]:
    if not SEEDED:
        return []
    out = [
        "\n**Seeded** (measured organisation; the other one in brackets):\n",
        "| invoices | paid | partly paid | open | void | draft | lines | payments | quotes |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for rows, (mine, other) in sorted(SEEDED.items()):

        def cell(key: str, mine=mine, other=other) -> str:
            return f"{mine[key]:,} ({other[key]:,})"

        quotes = sum(n for k, n in mine.items() if k.startswith("quote "))
        other_quotes = sum(n for k, n in other.items() if k.startswith("quote "))
        out.append(
            f"| {rows:,} | {cell('PAID')} | {cell('PARTIALLY_PAID')} | {cell('ISSUED')} "
            f"| {cell('VOID')} | {cell('DRAFT')} | {cell('lines')} | {cell('payments')} "
            f"| {quotes:,} ({other_quotes:,}) |"
        )
    return out


# ---------------------------------------------------------------------------------------


def parse_args(argv: list[str]) -> argparse.Namespace:
    cores = os.cpu_count() or 2
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--rows", default="1000,10000,100000", help="invoices per run, comma-separated"
    )
    parser.add_argument("--customers", type=int, default=500, help="the measured one's customers")
    parser.add_argument("--products", type=int, default=50, help="the measured one's products")
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


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    client = args.client
    if client == "auto":
        client = "wrk" if have_wrk() else "python"
        if client == "python":
            print(f"wrk not found: using the Python client. Install wrk with: {WRK_INSTALL_HINT}")
    elif client == "wrk" and not shutil.which("wrk"):
        print(f"wrk not found. Install it with: {WRK_INSTALL_HINT}")
        return 2
    scenarios = SCENARIOS
    if args.only:
        wanted = set(args.only.split(","))
        unknown = wanted - {s.name for s in SCENARIOS}
        if unknown:
            print(f"unknown scenarios: {', '.join(sorted(unknown))}")
            return 2
        scenarios = [s for s in SCENARIOS if s.name in wanted or s.target == BARE]
    options = Options(
        rows=[int(r.replace("_", "")) for r in args.rows.split(",")],
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
        profile=args.profile,
    )
    seed_one = make_seed(args.customers, args.products)

    def seed(dataset: Dataset) -> None:
        seed_one(dataset)
        SEEDED[dataset.rows] = (dataset.info["made"], dataset.info["other_made"])

    def benchmark() -> Outcome[Measurement]:
        with Cleanup() as cleanup:
            load_before = os.getloadavg()[0]
            results, database = run(scenarios, seed, options, cleanup)
            context = {
                "load average (1 min)": f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
            }
            text_ = report(results, database, options, argv, args.customers, args.products, context)
        return Outcome(results, text_, f"dashboard-{database.kind}")

    return script_main(benchmark, docs=not args.no_docs)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
