"""Benchmark: cost growth of every listing, search, dashboard and report, 1k → 100k rows.

    .venv/bin/python bench/bench_growth.py [--rows 1000,100000] [--only invoices,page-]
                                           [--database-url postgresql://postgres@127.0.0.1:5432/bench_growth]

Issue 16, scope 5: for each listing, search, dashboard and report, the number of SQL
statements per request is the same at 1k and at 100k rows, and the latency grows by less
than 2×. Everything is measured in-process (Flask test client, one thread; no gunicorn, no
wrk): the statements of one request (``harness.count_queries``, after a warm-up request) and
the median wall time of many (``harness.time_in_process``, the endpoints taking turns so that
whatever else runs on the machine slows them alike).

Every GET that lists or aggregates is measured twice: the JSON API with the OWNER's Bearer
token, and the HTML page people use with a browser session (logged in through ``/login``
with its CSRF token, the session cookie then sent on every request).

The seed, per row count N (the organisation's "rows"): ``bench_dashboard``'s (N invoices
over 24 months with their lines and ~2 payments per paid invoice, N/5 quotes, N/5
customers, N/10 products; the dashboard's running totals rebuilt), plus, with Core
``executemany``/``INSERT … SELECT``: two history events per invoice and per quote, N/10
recurring profiles (copies of one made through the API), 3 webhook endpoints with N events
and N deliveries (one endpoint's log holds most of them), and a team of 25 people. A second
organisation holds a tenth of the documents, so that every query filters by tenant. The
"normal size" documents (one invoice's payments and history, one customer's statement, one
endpoint's delivery log page) are the same size at every N: only the tables around them grow.

A request fails the target when its statement count differs between the smallest and the
largest N, or its median grows by 2× or more; the plans of the statements of failing
requests at the largest N are printed (``harness.explain``), so that the cause is visible.
"""

from __future__ import annotations

import argparse
import os
import re
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import bench_dashboard
from harness import (
    BenchError,
    Cleanup,
    Database,
    Dataset,
    Measurement,
    PostgresDatabase,
    Request,
    Scenario,
    SqliteDatabase,
    count_queries,
    explain,
    fmt_ms,
    fmt_rows,
    git_commit,
    make_temp_dir,
    now_utc,
    portal_dataset,
    time_in_process,
    write_docs_section,
)
from sqlalchemy import insert, make_url, select, text

from portal.accounts.models import User
from portal.dashboard.models import RUNNING_TOTALS
from portal.extensions import db
from portal.recurring.models import RecurringInvoice
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent

TARGET_GROWTH = 2.0
TEAM = 25  # people in the measured organisation, at every N
ENDPOINTS = 3  # webhook endpoints
RECURRING_EVERY = 10  # N / 10 recurring profiles
CUSTOMERS_EVERY = 5  # N / 5 customers (20k at 100k)
PRODUCTS_EVERY = 10  # N / 10 products (10k at 100k)
BIG_TABLES = (
    "invoices",
    "invoice_lines",
    "payments",
    "quotes",
    "customers",
    "products",
    "document_events",
    "recurring_invoices",
    "webhook_deliveries",
    "webhook_events",
    "users",
    *(model.__tablename__ for model in RUNNING_TOTALS),
)


# ---------------------------------------------------------------------------------------
# The seed: bench_dashboard's, plus what its tables lack for the other listings


def seed(dataset: Dataset, log: Callable[[str], None] = print) -> None:
    rows = dataset.rows
    bench_dashboard.make_seed(
        max(10, rows // CUSTOMERS_EVERY), max(10, rows // PRODUCTS_EVERY), log=log
    )(dataset)
    app, info = dataset.app, dataset.info
    engine = app.extensions["portal.db"]
    org, other = info["organization_id"], info["other_organization_id"]
    now = datetime.now(UTC)
    with app.app_context():
        password_hash = db.session.scalar(
            select(User.password_hash).where(User.id == info["owner_id"])
        )
        roles = ("ADMIN", "ACCOUNTANT", "OPERATOR", "VIEWER")
        db.session.add_all(
            User(
                organization_id=org,
                name=f"Persona {n:02d}",
                email=f"persona{n}@bench.example.com",
                password_hash=password_hash,
                role=roles[n % len(roles)],
                locale="es",
            )
            for n in range(TEAM - 1)
        )
        db.session.commit()
        db.session.remove()
    # One recurring profile through the API (so that its row and lines are what the portal
    # writes), then copies of it.
    client = app.test_client()
    with engine.connect() as conn:
        customer_id = _scalar(
            conn,
            "SELECT public_id FROM customers WHERE organization_id = :o ORDER BY id LIMIT 1",
            o=org,
        )
    line = {
        "description": "Cuota de mantenimiento",
        "quantity": "1",
        "unitPrice": "120.00",
        "taxPercent": "21",
    }
    answer = client.post(
        "/api/v1/recurring-invoices",
        json={
            "customerId": customer_id,
            "frequency": "MONTHLY",
            "startDate": info["today"].isoformat(),
            "lines": [line],
        },
        headers=dataset.bearer(),
    )
    if answer.status_code != 201:
        raise BenchError(
            f"creating a recurring profile: {answer.status_code} {answer.get_data()[:300]!r}"
        )
    table = RecurringInvoice.__table__
    with engine.begin() as conn:
        template = dict(
            conn.execute(select(table).where(table.c.organization_id == org)).one()._mapping
        )
        template.pop("id")
        copies = []
        for n in range(1, max(10, rows // RECURRING_EVERY)):
            for owner, share in ((org, 1), (other, 10)):
                if n % share:
                    continue
                copies.append(
                    {
                        **template,
                        "organization_id": owner,
                        "customer_id": template["customer_id"] if owner == org else None,
                        "public_id": f"rec_{secrets.token_hex(10)}",
                        "number": f"{template['number']}-{n:06d}",
                        "customer_name": f"Cliente recurrente {n}",
                    }
                )
        for start in range(0, len(copies), 5000):
            conn.execute(insert(table), copies[start : start + 5000])
        # History: two events per invoice and per quote (created, then issued or sent).
        for kind, source, when, action in (
            ("invoice", "invoices", "issued_at", "issued"),
            ("quote", "quotes", "sent_at", "sent"),
        ):
            conn.execute(
                text(
                    "INSERT INTO document_events (organization_id, document_type, document_id, "
                    "action, actor_id, actor_label, at, changes) "
                    f"SELECT organization_id, '{kind}', id, 'created', created_by_id, '', "
                    f"created_at, '{{}}' FROM {source}"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO document_events (organization_id, document_type, document_id, "
                    "action, actor_id, actor_label, at, changes) "
                    f"SELECT organization_id, '{kind}', id, '{action}', created_by_id, '', "
                    f"{when}, '{{}}' FROM {source} WHERE {when} IS NOT NULL"
                )
            )
        # Webhooks: 3 endpoints; N events, each delivered to the first endpoint, a tenth also
        # to the second; the other organisation a tenth of that.
        endpoint_ids = {}
        for owner in (org, other):
            ids = (
                conn.execute(
                    insert(WebhookEndpoint.__table__).returning(
                        WebhookEndpoint.__table__.c.id, sort_by_parameter_order=True
                    ),
                    [
                        {
                            "public_id": f"whk_{secrets.token_hex(10)}",
                            "organization_id": owner,
                            "url": f"https://hooks.example.com/portal/{n}",
                            "description": f"Receptor {n}",
                            "events": [],
                            "active": True,
                            "secret": "whsec_" + secrets.token_urlsafe(24),
                            "disabled_reason": "",
                            "created_at": now,
                        }
                        for n in range(ENDPOINTS)
                    ],
                )
                .scalars()
                .all()
            )
            endpoint_ids[owner] = ids
            count = rows if owner == org else rows // 10
            for start in range(0, count, 5000):
                chunk = range(start, min(count, start + 5000))
                event_ids = (
                    conn.execute(
                        insert(WebhookEvent.__table__).returning(
                            WebhookEvent.__table__.c.id, sort_by_parameter_order=True
                        ),
                        [
                            {
                                "public_id": f"evt_{secrets.token_hex(10)}",
                                "organization_id": owner,
                                "type": "invoice.issued",
                                "data": {"object": "invoice", "n": n},
                                "created_at": now,
                            }
                            for n in chunk
                        ],
                    )
                    .scalars()
                    .all()
                )
                deliveries = []
                for n, event_id in zip(chunk, event_ids, strict=True):
                    targets = ids[:2] if n % 10 == 0 else ids[:1]
                    for endpoint_id in targets:
                        deliveries.append(
                            {
                                "public_id": f"dlv_{secrets.token_hex(10)}",
                                "organization_id": owner,
                                "endpoint_id": endpoint_id,
                                "event_id": event_id,
                                "status": "DONE",
                                "attempts": 1,
                                "next_attempt_at": now,
                                "last_error": "",
                                "finished_at": now,
                                "last_status_code": 200,
                                "last_duration_ms": 40,
                                "created_at": now,
                            }
                        )
                conn.execute(insert(WebhookDelivery.__table__), deliveries)
        # The documents of normal size the detail listings read.
        info["invoice_with_payments"] = _scalar(
            conn,
            "SELECT i.public_id FROM invoices i JOIN payments p ON p.invoice_id = i.id "
            "WHERE i.organization_id = :o GROUP BY i.id, i.public_id HAVING count(*) = 3 "
            "ORDER BY i.id LIMIT 1",
            o=org,
        )
        info["quote"] = _scalar(
            conn,
            # A converted one where there is one, at every size: its page links the
            # invoice it became (one statement more than another quote's).
            "SELECT public_id FROM quotes WHERE organization_id = :o AND sent_at IS NOT NULL "
            "ORDER BY CASE WHEN status = 'CONVERTED' THEN 0 ELSE 1 END, id LIMIT 1",
            o=org,
        )
        info["recurring"] = template["public_id"]
        # A customer with a typical number of invoices (N/5 customers for N invoices).
        info["customer"] = _scalar(
            conn,
            "SELECT c.public_id FROM customers c JOIN invoices i ON i.customer_id = c.id "
            "WHERE c.organization_id = :o GROUP BY c.id, c.public_id "
            "HAVING count(*) BETWEEN 4 AND 6 ORDER BY c.id LIMIT 1",
            o=org,
        )
        info["customer_name_word"] = "Hermanos"
        info["endpoint"] = _scalar(
            conn, "SELECT public_id FROM webhook_endpoints WHERE id = :i", i=endpoint_ids[org][0]
        )
        info["endpoint_small"] = _scalar(
            conn, "SELECT public_id FROM webhook_endpoints WHERE id = :i", i=endpoint_ids[org][2]
        )
        info["user"] = _scalar(
            conn,
            "SELECT public_id FROM users WHERE organization_id = :o AND role = 'OPERATOR' LIMIT 1",
            o=org,
        )
        info["invoice_number"] = _scalar(
            conn,
            "SELECT number FROM invoices WHERE organization_id = :o ORDER BY id DESC LIMIT 1",
            o=org,
        )
        info["table_rows"] = {
            name: conn.execute(text(f"SELECT count(*) FROM {name}")).scalar() for name in BIG_TABLES
        }
    if engine.dialect.name == "sqlite":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    log("  tables: " + ", ".join(f"{name} {n:,}" for name, n in info["table_rows"].items()))


def _scalar(conn: Any, sql: str, **params: Any) -> Any:
    value = conn.execute(text(sql), params).scalar()
    if value is None:
        raise BenchError(f"the seed lacks what this finds: {sql}")
    return value


# ---------------------------------------------------------------------------------------
# The browser session: the login form, as a person does it


_CSRF = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def page_cookie(dataset: Dataset) -> str:
    """``Cookie`` header of the OWNER's logged-in session (over https, the cookie is Secure)."""
    from harness import BENCH_PASSWORD

    client = dataset.app.test_client()
    base = "https://127.0.0.1"
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    page = client.get("/login", base_url=base, environ_base=environ)
    match = _CSRF.search(page.get_data(as_text=True))
    if not match:
        raise BenchError("no CSRF token on /login")
    answer = client.post(
        "/login",
        base_url=base,
        environ_base=environ,
        headers={"Referer": f"{base}/login"},
        data={
            "email": "owner@bench.example.com",
            "password": BENCH_PASSWORD,
            "csrf_token": match.group(1) or match.group(2),
        },
    )
    if answer.status_code != 302:
        raise BenchError(f"login answered {answer.status_code}: {answer.get_data()[:300]!r}")
    cookies = [c for c in client._cookies.values()] if hasattr(client, "_cookies") else []
    pairs = [f"{c.key}={c.value}" for c in cookies]
    if not pairs:
        raise BenchError("no session cookie after the login")
    return "; ".join(pairs)


# ---------------------------------------------------------------------------------------
# What is measured


class CookieApp:
    """The app, whose test clients send the ``Cookie`` header we give them: Werkzeug's client
    replaces that header with its own (empty) cookie jar unless ``use_cookies=False``."""

    def __init__(self, app: Any) -> None:
        self._app = app

    def test_client(self) -> Any:
        return self._app.test_client(use_cookies=False)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._app, name)


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: Callable[[dict[str, Any]], str] | str
    page: bool = False  # an HTML page with the browser session; else the API with the token
    check: Callable[[Dataset], Callable[[Any], str | None] | None] | None = None
    note: str = ""

    def request(self, dataset: Dataset, cookie: str) -> Request:
        path = self.path(dataset.info) if callable(self.path) else self.path
        if self.page:
            return Request("GET", path, headers={"Cookie": cookie, "Accept": "text/html"})
        if self.check is not None:
            setup = self.check(dataset)
            if isinstance(setup, Request):
                return Request(setup.method, path, headers=setup.headers, check=setup.check)
            return dataset.get(path, check=setup)
        return dataset.get(path, check=nonempty)


def nonempty(body: Any) -> str | None:
    data = body.get("data") if isinstance(body, dict) else None
    if data is None or data == [] or data == {}:
        return f"an empty answer: {str(body)[:200]}"
    return None


def i(key: str, template: str) -> Callable[[dict[str, Any]], str]:
    return lambda info: template.format(info[key])


API = "/api/v1"
ENDPOINT_LIST: list[Endpoint] = [
    # catalogue
    Endpoint("api products", f"{API}/products?limit=50"),
    Endpoint("api products q=SKU", f"{API}/products?q=REF-0042"),
    Endpoint("api products q=word", f"{API}/products?q=caldera&limit=50"),
    Endpoint("api customers", f"{API}/customers?limit=50"),
    Endpoint("api customers q=name", f"{API}/customers?q=Hermanos&limit=50"),
    Endpoint("api customers q=tax id prefix", f"{API}/customers?q=B1234"),
    # documents
    Endpoint("api quotes", f"{API}/quotes?limit=50"),
    Endpoint("api quotes status=SENT", f"{API}/quotes?status=SENT&limit=50"),
    Endpoint("api quotes q=name", f"{API}/quotes?q=Hermanos&limit=50"),
    Endpoint("api invoices", f"{API}/invoices?limit=50"),
    Endpoint("api invoices status=ISSUED", f"{API}/invoices?status=ISSUED&limit=50"),
    Endpoint("api invoices overdue", f"{API}/invoices?overdue=true&limit=50"),
    Endpoint("api invoices customerId", i("customer", API + "/invoices?customerId={}&limit=50")),
    Endpoint("api invoices q=number", i("invoice_number", API + "/invoices?q={}")),
    Endpoint("api invoices q=name", f"{API}/invoices?q=Hermanos&limit=50"),
    Endpoint("api recurring", f"{API}/recurring-invoices?limit=50"),
    Endpoint("api invoice payments", i("invoice_with_payments", API + "/invoices/{}/payments")),
    Endpoint("api invoice history", i("invoice_with_payments", API + "/invoices/{}/history")),
    Endpoint("api quote history", i("quote", API + "/quotes/{}/history")),
    Endpoint("api statement", i("customer", API + "/customers/{}/statement")),
    # team, webhooks
    Endpoint("api users", f"{API}/users?limit=50"),
    Endpoint("api webhooks", f"{API}/webhooks"),
    Endpoint("api webhook deliveries", i("endpoint", API + "/webhooks/{}/deliveries?limit=50")),
    Endpoint(
        "api webhook deliveries (small log)",
        i("endpoint_small", API + "/webhooks/{}/deliveries?limit=50"),
        check=lambda _d: None,
    ),
    # dashboard and reports: bench_dashboard's checks (figures recomputed from the documents)
    Endpoint(
        "api dashboard", f"{API}/dashboard", check=lambda d: bench_dashboard.dashboard_default(d)
    ),
    Endpoint(
        "api dashboard this_year",
        f"{API}/dashboard?period=this_year",
        check=lambda d: bench_dashboard.dashboard_this_year(d),
    ),
    Endpoint(
        "api report aging", f"{API}/reports/aging", check=lambda d: bench_dashboard.report_aging(d)
    ),
    Endpoint(
        "api report quotes",
        f"{API}/reports/quotes",
        check=lambda d: bench_dashboard.report_quotes(d),
    ),
    Endpoint(
        "api report sales", f"{API}/reports/sales", check=lambda d: bench_dashboard.report_sales(d)
    ),
    Endpoint(
        "api report taxes", f"{API}/reports/taxes", check=lambda d: bench_dashboard.report_taxes(d)
    ),
    # the pages
    Endpoint("page /products", "/products/", page=True),
    Endpoint("page /products q=SKU", "/products/?q=REF-0042", page=True),
    Endpoint("page /products q=word", "/products/?q=caldera", page=True),
    Endpoint("page /customers", "/customers/", page=True),
    Endpoint("page /customers q=name", "/customers/?q=Hermanos", page=True),
    Endpoint("page /customers/<id> (statement)", i("customer", "/customers/{}"), page=True),
    Endpoint("page /quotes", "/quotes/", page=True),
    Endpoint("page /quotes status=SENT", "/quotes/?status=SENT", page=True),
    Endpoint("page /quotes q=name", "/quotes/?q=Hermanos", page=True),
    Endpoint("page /quotes/<id>", i("quote", "/quotes/{}"), page=True),
    Endpoint("page /invoices", "/invoices/", page=True),
    Endpoint("page /invoices status=ISSUED", "/invoices/?status=ISSUED", page=True),
    Endpoint("page /invoices overdue", "/invoices/?overdue=1", page=True),
    Endpoint("page /invoices customer", i("customer", "/invoices/?customer={}"), page=True),
    Endpoint("page /invoices q=name", "/invoices/?q=Hermanos", page=True),
    Endpoint("page /invoices/<id>", i("invoice_with_payments", "/invoices/{}"), page=True),
    Endpoint("page /recurring-invoices", "/recurring-invoices/", page=True),
    Endpoint("page /team", "/team/", page=True),
    Endpoint("page /webhooks", "/webhooks/", page=True),
    Endpoint("page /webhooks/<id>", i("endpoint", "/webhooks/{}"), page=True),
    Endpoint("page / (dashboard)", "/", page=True),
    Endpoint("page / this_year", "/?period=this_year", page=True),
    Endpoint("page /reports", "/reports/", page=True),
    Endpoint("page /reports/aging", "/reports/aging", page=True),
    Endpoint("page /reports/quotes", "/reports/quotes", page=True),
    Endpoint("page /reports/sales", "/reports/sales", page=True),
    Endpoint("page /reports/taxes", "/reports/taxes", page=True),
]


@dataclass
class Result:
    endpoint: Endpoint
    app: CookieApp
    request: Request
    measurement: Measurement
    seen: list[tuple[str, Any]]
    answer_bytes: int = 0  # the size of the answer: a list that fills up shows here

    @property
    def queries(self) -> int:
        return self.measurement.queries.total if self.measurement.queries else 0

    @property
    def ms(self) -> float | None:
        return self.measurement.in_process_ms


def count_size(
    dataset: Dataset, endpoints: list[Endpoint], log: Callable[[str], None]
) -> list[Result]:
    """The statements of one request of each endpoint on one seeded database."""
    cookie = page_cookie(dataset)
    app = CookieApp(dataset.app)
    results = []
    for endpoint in endpoints:
        request = endpoint.request(dataset, cookie)
        scenario = Scenario(endpoint.name, lambda _d, r=request: r)
        m = Measurement(scenario, dataset.rows, request)
        # Twice, keeping the fewer: the identity cache forgets a token once a second
        # (portal.security.identity_cache.TTL), and the request that happens to come then
        # reads the user again; that is not the endpoint's cost.
        m.queries, seen = min(
            (count_queries(app, request) for _ in range(2)), key=lambda pair: pair[0].total
        )
        answer = app.test_client().open(
            request.path, headers=request.headers, environ_base={"REMOTE_ADDR": "127.0.0.1"}
        )
        results.append(Result(endpoint, app, request, m, seen, len(answer.get_data())))
        log(f"  {endpoint.name}: {m.queries.describe()}")
    return results


@dataclass
class StatementCost:
    statement: str
    ms: float  # median of a few executions, straight on the engine
    rows: int  # rows it returned
    plan: str  # harness.explain's, for the SELECTs that read a big table


def statement_costs(app: Any, seen: list[tuple[str, Any]], runs: int = 5) -> list[StatementCost]:
    """Each SELECT of one request, run again alone: where the request's time goes in SQL."""
    engine = app.extensions["portal.db"]
    costs = []
    for statement, parameters in seen:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        times, count = [], 0
        with engine.connect() as conn:
            for _ in range(runs):
                began = time.perf_counter()
                count = len(conn.exec_driver_sql(statement, parameters).fetchall())
                times.append(time.perf_counter() - began)
        plans = explain(app, [(statement, parameters)], BIG_TABLES)
        costs.append(
            StatementCost(
                " ".join(statement.split()),
                statistics.median(times) * 1000,
                count,
                plans[0][1] if plans else "",
            )
        )
    return costs


def time_all(by_size: dict[int, list[Result]], count: int, budget: float) -> None:
    """Medians of every endpoint at every size in one round robin: the small and the large
    database answer in turns, so that the load of the machine weighs on both alike."""
    pairs = [(r.app, r.measurement) for results in by_size.values() for r in results]
    time_in_process(pairs, count=count, budget=budget)


# ---------------------------------------------------------------------------------------
# The report


IDENTITY_LOOKUP = re.compile(r"^SELECT users\..*\brevoked_tokens\b", re.DOTALL)


def own_statements(result: Result) -> int:
    """Statements of the request, less the identity cache's miss: it forgets a token a second
    after reading it (``identity_cache.TTL``), so a request that takes over ~0.5 s (two of
    them are sent to count) finds it gone and reads the user again; the endpoint does not
    read more as its tables grow."""
    statements = result.measurement.queries.statements if result.measurement.queries else []
    return sum(1 for s in statements if not IDENTITY_LOOKUP.match(s.lstrip()))


def verdict(small: Result, large: Result) -> tuple[bool, bool, float | None]:
    constant = own_statements(small) == own_statements(large)
    ratio = large.ms / small.ms if small.ms and large.ms else None
    return constant, ratio is not None and ratio < TARGET_GROWTH, ratio


def report(
    by_size: dict[int, list[Result]],
    database: Database,
    argv: list[str],
    load: tuple[float, float],
    plans: dict[str, list[StatementCost]],
    tables: dict[int, dict[str, int]],
    version: str,
) -> str:
    sizes = sorted(by_size)
    small, large = sizes[0], sizes[-1]
    s_rows, l_rows = fmt_rows(small), fmt_rows(large)
    out = [
        f"## Cost growth, {s_rows} → {l_rows} rows ({database.label})\n",
        f"Issue 16, scope 5: every listing, search, dashboard and report keeps the same number "
        f"of SQL statements from {s_rows} to {l_rows} rows and its latency grows by less than "
        f"{TARGET_GROWTH:g}×. In-process (Flask test client, one thread; no HTTP server): "
        "statements of one request after a warm-up one, and the median of up to "
        "`--count` requests per endpoint (the endpoints taking turns). `api` rows use the "
        "OWNER's Bearer token, `page` rows the HTML page with a browser session from `/login`.\n",
        f"- {now_utc()}, commit `{git_commit()}`, {version}, "
        f"{os.cpu_count()} cores, load average (1 min) {load[0]:.2f} before, {load[1]:.2f} after "
        "(the machine is shared: medians wobble by ±20 %)",
        "- command: `" + " ".join([".venv/bin/python bench/bench_growth.py", *argv]) + "`",
    ]
    if tables:
        out.append(
            "- seeded rows (both organisations; the measured one holds ~10/11): "
            + "; ".join(
                f"{fmt_rows(size)}: "
                + ", ".join(f"{name} {n:,}" for name, n in tables[size].items())
                for size in sizes
                if size in tables
            )
        )
    out.append("")
    out.append(
        f"| endpoint | queries {s_rows} | queries {l_rows} | constant? | ms {s_rows} | ms {l_rows} "
        f"| growth × | answer KB {s_rows} → {l_rows} | verdict |"
    )
    out.append("|---|---:|---:|---|---:|---:|---:|---:|---|")
    failing = []
    small_by_name = {r.endpoint.name: r for r in by_size[small]}
    for r in by_size[large]:
        s = small_by_name.get(r.endpoint.name)
        if s is None:
            continue
        constant, fast, ratio = verdict(s, r)
        ok = constant and fast
        if not ok:
            failing.append(r.endpoint.name)
        why = []
        if not constant:
            why.append("queries grow")
        if not fast:
            why.append(f"≥ {TARGET_GROWTH:g}×")
        cells = [
            f"`{r.endpoint.name}`",
            str(s.queries),
            str(r.queries),
            ("yes" if constant else "**no**")
            + (" (+1 identity lookup)" if constant and s.queries != r.queries else ""),
            fmt_ms(s.ms),
            fmt_ms(r.ms),
            f"{ratio:.2f}" if ratio is not None else "–",
            f"{s.answer_bytes / 1024:.1f} → {r.answer_bytes / 1024:.1f}",
            "ok" if ok else "**FAIL** (" + ", ".join(why) + ")",
        ]
        out.append("| " + " | ".join(cells) + " |")
    out.append(
        f"\n{len(by_size[large]) - len(failing)} of {len(by_size[large])} endpoints meet the target"
        + (f"; failing: {', '.join(f'`{n}`' for n in failing)}." if failing else ".")
    )
    if failing:
        out.append(
            "\n<details><summary>Statements and plans of the failing endpoints at "
            f"{l_rows} rows</summary>\n"
        )
        large_by_name = {r.endpoint.name: r for r in by_size[large]}
        for name in failing:
            costs = plans.get(name, [])
            sql_ms = sum(c.ms for c in costs)
            out.append(
                f"#### `{name}`: {fmt_ms(large_by_name[name].ms)} ms a request, "
                f"{fmt_ms(sql_ms)} ms of it in its SELECTs run alone\n"
            )
            # The statements that matter: a tenth of the SQL time or 0.5 ms, at least one.
            ranked = sorted(costs, key=lambda c: -c.ms)
            shown = [c for c in ranked if c.ms >= min(0.5, sql_ms / 10)] or ranked[:1]
            if len(shown) < len(ranked):
                rest = ranked[len(shown) :]
                out.append(
                    f"({len(rest)} more SELECTs, {fmt_ms(sum(c.ms for c in rest))} ms together, "
                    "not shown)\n"
                )
            for cost in shown:
                out.append(f"{fmt_ms(cost.ms)} ms, {cost.rows} rows:\n")
                out.append("```sql\n" + cost.statement[:1500] + "\n```")
                if cost.plan:
                    out.append("```\n" + cost.plan + "\n```")
                out.append("")
        out.append("</details>")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------


def size_database(url: str | None, work_dir: Any, rows: int) -> Database:
    """One database per size, all alive during the timing: ``<name>_<rows>`` on PostgreSQL
    (the name still starts with ``bench``), a file per size on SQLite."""
    if url is None:
        return SqliteDatabase(work_dir, f"growth_{rows}")
    parsed = make_url(url)
    return PostgresDatabase(
        parsed.set(database=f"{parsed.database}_{rows}").render_as_string(hide_password=False)
    )


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", default="1000,100000", help="row counts, comma-separated")
    parser.add_argument(
        "--database-url",
        help="postgresql://…/bench_… : a database the benchmark creates and drops "
        "(its name must start with 'bench'); default: SQLite in a temp dir",
    )
    parser.add_argument("--only", help="comma-separated substrings of endpoint names")
    parser.add_argument("--count", type=int, default=200, help="requests per endpoint at most")
    parser.add_argument("--budget", type=float, default=2.0, help="seconds per endpoint at most")
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (SQLite)")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    sizes = sorted(int(r.replace("_", "")) for r in args.rows.split(","))
    endpoints = ENDPOINT_LIST
    if args.only:
        wanted = args.only.split(",")
        endpoints = [e for e in ENDPOINT_LIST if any(w in e.name for w in wanted)]
    by_size: dict[int, list[Result]] = {}
    tables: dict[int, dict[str, int]] = {}
    plans: dict[str, list[StatementCost]] = {}
    load_before = os.getloadavg()[0]
    try:
        with Cleanup() as cleanup:
            work_dir = make_temp_dir(cleanup, args.keep)
            databases: dict[int, Database] = {}
            datasets: dict[int, Dataset] = {}
            for rows in sizes:
                database = size_database(args.database_url, work_dir, rows)
                databases[rows] = database
                if isinstance(database, PostgresDatabase):
                    cleanup.callback(database.dispose)
                cleanup.callback(database.drop)
                print(f"\n== {rows:,} rows ({database.kind}) ==", flush=True)
                dataset = portal_dataset(database.create(), rows, secrets.token_hex(32))
                datasets[rows] = dataset
                engine = dataset.app.extensions["portal.db"]
                cleanup.callback(engine.dispose)
                seed(dataset)
                if engine.dialect.name == "postgresql":
                    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                        conn.execute(text("VACUUM ANALYZE"))
                tables[rows] = dataset.info["table_rows"]
                by_size[rows] = count_size(dataset, endpoints, print)
            version = databases[sizes[0]].version()
            print(f"\ntiming {len(endpoints)} endpoints × {len(sizes)} sizes, in turns", flush=True)
            time_all(by_size, args.count, args.budget)
            for rows in sizes:
                print(
                    f"  {fmt_rows(rows)} ms: "
                    + ", ".join(f"{r.endpoint.name} {fmt_ms(r.ms)}" for r in by_size[rows])
                )
            if len(sizes) > 1:
                small = {r.endpoint.name: r for r in by_size[sizes[0]]}
                for r in by_size[sizes[-1]]:
                    constant, fast, _ratio = verdict(small[r.endpoint.name], r)
                    if not (constant and fast):
                        plans[r.endpoint.name] = statement_costs(datasets[sizes[-1]].app, r.seen)
            load_after = os.getloadavg()[0]
            database = databases[sizes[0]]
            if len(sizes) < 2:
                print("one row count: nothing to compare")
                return 0
            text_ = report(
                by_size, database, argv, (load_before, load_after), plans, tables, version
            )
    except KeyboardInterrupt:
        print("\ninterrupted: temp files removed")
        return 130
    except BenchError as exc:
        print(f"\nbenchmark aborted: {exc}")
        return 1
    print()
    print(text_)
    if not args.no_docs:
        write_docs_section(f"growth-{database.kind}", text_)
        print("docs/benchmarks.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
