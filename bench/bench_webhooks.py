"""Benchmark: webhooks — what the outbox adds to creating an invoice, and how many deliveries
per second one worker sends.

    .venv/bin/python bench/bench_webhooks.py [--creates 150] [--rounds 4] [--deliveries 2000]
                                             [--database-url postgresql://postgres@127.0.0.1:5432/bench_webhooks]

1. **The outbox's cost.** ``POST /api/v1/invoices`` with 10 lines (the request of
   bench_invoices.py), in-process through the test client, for an organisation with 0, 1 and 3
   active endpoints subscribed to every event: each subscribed endpoint makes the change write
   the event (once) and a delivery row (per endpoint) in its transaction. The three take turns,
   ``--creates`` requests each per round, for ``--rounds`` rounds; medians, the ratio to 0
   endpoints, and the SQL statements of one request.
2. **Deliveries per second.** ``--deliveries`` events queued for one endpoint, then
   ``portal worker``'s loop (``run_once`` until nothing is due) in a process of its own
   against a receiver in another process on 127.0.0.1 answering 204 at once: the wall time
   from the first claim to the last delivery recorded, the mean HTTP exchange per delivery
   (from the attempts), and the SQL statements per delivery. On PostgreSQL also two worker
   processes (``FOR UPDATE SKIP LOCKED``), checking that each delivery was sent exactly once.

The report is printed and written into docs/benchmarks.md (``--no-docs`` to skip).
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import statistics
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

from bench_invoices import create as create_invoice_request
from harness import (
    BenchError,
    Cleanup,
    Database,
    Dataset,
    PostgresDatabase,
    Request,
    SqliteDatabase,
    check_answer,
    count_queries,
    fmt_ms,
    machine_info,
    machine_section,
    make_temp_dir,
    now_utc,
    portal_dataset,
    recording,
    write_docs_section,
)
from sqlalchemy import delete, func, select, update

SECRET_KEY = "bench-webhooks-" + "k" * 40
ENDPOINT_COUNTS = (0, 1, 3)


# ---------------------------------------------------------------------------------------
# The receiver: another process, answering 204 at once, counting what it got


def _serve(port_out: Any, count: Any, ids: Any, ready: Any) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"  # one connection per delivery, as the worker opens

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with count.get_lock():
                count.value += 1
            ids.put(self.headers.get("webhook-id", ""))
            self.send_response(204)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    # One request at a time: each is answered at once, and a thread per connection would
    # cost the receiver more than the worker spends.
    server = HTTPServer(("127.0.0.1", 0), Handler)
    server.request_queue_size = 128
    port_out.value = server.server_address[1]
    ready.set()
    server.serve_forever()


class Receiver:
    def __init__(self, cleanup: Cleanup, keep_ids: bool) -> None:
        context = multiprocessing.get_context("fork")
        self.count = context.Value("i", 0)
        self.ids = context.Queue() if keep_ids else _Discard()
        port = context.Value("i", 0)
        ready = context.Event()
        self.process = context.Process(
            target=_serve, args=(port, self.count, self.ids, ready), daemon=True
        )
        self.process.start()
        cleanup.callback(self.stop)
        if not ready.wait(10):
            raise BenchError("the receiver did not start")
        self.url = f"http://127.0.0.1:{port.value}/hooks"

    def received(self) -> int:
        return int(self.count.value)

    def drain_ids(self, expected: int) -> list[str]:
        return [self.ids.get(timeout=10) for _ in range(expected)]

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)


class _Discard:
    def put(self, _value: Any) -> None:
        pass


# ---------------------------------------------------------------------------------------
# 1. What the outbox adds to creating an invoice


def setup_endpoints(dataset: Dataset, url: str) -> list[int]:
    from portal.extensions import db
    from portal.webhooks.models import WebhookEndpoint
    from portal.webhooks.signing import new_secret

    with dataset.app.app_context():
        endpoints = [
            WebhookEndpoint(
                organization_id=dataset.info["organization_id"],
                url=url,
                secret=new_secret(),
                events=[],  # every event
                active=False,
            )
            for _ in range(max(ENDPOINT_COUNTS))
        ]
        db.session.add_all(endpoints)
        db.session.commit()
        return [endpoint.id for endpoint in endpoints]


def activate(dataset: Dataset, endpoint_ids: list[int], count: int) -> None:
    from portal.extensions import db
    from portal.webhooks.models import WebhookEndpoint

    with dataset.app.app_context():
        for index, endpoint_id in enumerate(endpoint_ids):
            db.session.execute(
                update(WebhookEndpoint)
                .where(WebhookEndpoint.id == endpoint_id)
                .values(active=index < count)
            )
        db.session.commit()


def send(app: Any, request: Request) -> Any:
    return app.test_client().open(
        request.path,
        method=request.method,
        headers=request.headers,
        data=request.body,
        environ_base={"REMOTE_ADDR": "127.0.0.1"},
    )


def outbox_cost(dataset: Dataset, url: str, creates: int, rounds: int) -> dict[str, Any]:
    from portal.extensions import db
    from portal.webhooks.models import WebhookDelivery, WebhookEvent

    endpoint_ids = setup_endpoints(dataset, url)
    request = create_invoice_request(dataset)
    times: dict[int, list[float]] = {n: [] for n in ENDPOINT_COUNTS}
    statements: dict[int, str] = {}
    for n in ENDPOINT_COUNTS:  # warm-up and SQL per request
        activate(dataset, endpoint_ids, n)
        for _ in range(5):
            response = send(dataset.app, request)
        check_answer(request, response.status_code, response.get_data())
        counted, _seen = count_queries(dataset.app, request)
        statements[n] = counted.describe()
    for round_number in range(rounds):
        order = ENDPOINT_COUNTS if round_number % 2 == 0 else tuple(reversed(ENDPOINT_COUNTS))
        for n in order:
            activate(dataset, endpoint_ids, n)
            for _ in range(creates):
                began = time.perf_counter()
                response = send(dataset.app, request)
                times[n].append(time.perf_counter() - began)
                if response.status_code != 201:
                    check_answer(request, response.status_code, response.get_data())
    with dataset.app.app_context():
        events = db.session.scalar(select(func.count(WebhookEvent.id)))
        deliveries = db.session.scalar(select(func.count(WebhookDelivery.id)))
    expected_events = (5 + 2 + creates * rounds) * (len(ENDPOINT_COUNTS) - 1)
    expected_deliveries = (5 + 2 + creates * rounds) * sum(ENDPOINT_COUNTS)
    if (events, deliveries) != (expected_events, expected_deliveries):
        raise BenchError(
            f"expected {expected_events} events and {expected_deliveries} deliveries in the "
            f"outbox, found {events} and {deliveries}: is invoice.created emitted?"
        )
    activate(dataset, endpoint_ids, 0)
    return {"times": times, "statements": statements, "events": events}


# ---------------------------------------------------------------------------------------
# 2. Deliveries per second


def queue_deliveries(dataset: Dataset, url: str, count: int) -> None:
    """Empty the webhook tables, then queue ``count`` events for one fresh endpoint."""
    from portal.extensions import db
    from portal.webhooks.events import emit
    from portal.webhooks.models import (
        WebhookAttempt,
        WebhookDelivery,
        WebhookEndpoint,
        WebhookEvent,
    )
    from portal.webhooks.signing import new_secret

    with dataset.app.app_context():
        for model in (WebhookAttempt, WebhookDelivery, WebhookEvent, WebhookEndpoint):
            db.session.execute(delete(model))
        organization_id = dataset.info["organization_id"]
        db.session.add(
            WebhookEndpoint(organization_id=organization_id, url=url, secret=new_secret())
        )
        db.session.flush()
        data = {"id": "inv_bench", "invoiceNumber": "INV-2026-0001", "total": "1234.50"}
        for _ in range(count):
            emit(organization_id, "invoice.created", data)
        db.session.commit()


def worker_app(database_url: str) -> Any:
    from portal import create_app

    return create_app(
        {
            "ENV_NAME": "production",
            "BASE_URL": "http://127.0.0.1",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": database_url,
            "LOG_LEVEL": "WARNING",
            "WEBHOOK_ALLOW_PRIVATE_NETWORKS": True,
        }
    )


def _work(database_url: str, start: Any, statements: Any) -> None:
    from portal.jobs.worker import run_once

    app = worker_app(database_url)
    engine = app.extensions["portal.db"]
    start.wait()
    with recording(engine) as seen:
        while run_once(app):
            pass
    with statements.get_lock():
        statements.value += len(seen)


def deliver_all(database_url: str, workers: int) -> tuple[float, int]:
    """Seconds for ``workers`` worker processes to empty the queue; SQL statements run."""
    context = multiprocessing.get_context("fork")
    start = context.Barrier(workers + 1)
    statements = context.Value("i", 0)
    processes = [
        context.Process(target=_work, args=(database_url, start, statements))
        for _ in range(workers)
    ]
    for process in processes:
        process.start()
    start.wait(timeout=60)
    began = time.perf_counter()
    for process in processes:
        process.join()
    elapsed = time.perf_counter() - began
    if any(process.exitcode for process in processes):
        raise BenchError("a worker process failed")
    return elapsed, int(statements.value)


def delivery_rate(
    dataset: Dataset, cleanup: Cleanup, count: int, workers: int, rounds: int
) -> dict[str, Any]:
    from portal.extensions import db
    from portal.jobs.models import JobStatus
    from portal.webhooks.models import WebhookAttempt, WebhookDelivery

    seconds, statements, http_ms = [], [], []
    duplicates = 0
    for _ in range(rounds):
        receiver = Receiver(cleanup, keep_ids=workers > 1)
        queue_deliveries(dataset, receiver.url, count)
        dataset.app.extensions["portal.db"].dispose()  # no pooled connection into the fork
        elapsed, run = deliver_all(dataset.database_url, workers)
        with dataset.app.app_context():
            done = db.session.scalar(
                select(func.count(WebhookDelivery.id)).where(
                    WebhookDelivery.status == JobStatus.DONE
                )
            )
            mean_ms = db.session.scalar(select(func.avg(WebhookAttempt.duration_ms)))
            attempts = db.session.scalar(select(func.count(WebhookAttempt.id)))
        if done != count or attempts != count or receiver.received() != count:
            raise BenchError(
                f"{count} queued: {done} done, {attempts} attempts, {receiver.received()} received"
            )
        if workers > 1:
            ids = receiver.drain_ids(count)
            duplicates += len(ids) - len(set(ids))
        receiver.stop()
        seconds.append(elapsed)
        statements.append(run / count)
        http_ms.append(float(mean_ms or 0))
    median = statistics.median(seconds)
    return {
        "workers": workers,
        "seconds": median,
        "rate": count / median,
        "rates": [count / s for s in seconds],
        "statements": statistics.median(statements),
        "http_ms": statistics.median(http_ms),
        "duplicates": duplicates,
    }


# ---------------------------------------------------------------------------------------
# Report


def report(
    database: Database,
    cost: dict[str, Any],
    rates: list[dict[str, Any]],
    args: argparse.Namespace,
    argv: list[str],
    context: dict[str, str],
) -> str:
    times = cost["times"]
    medians = {n: statistics.median(times[n]) * 1000 for n in ENDPOINT_COUNTS}
    p90 = {n: statistics.quantiles(times[n], n=10)[-1] * 1000 for n in ENDPOINT_COUNTS}
    machine = machine_info(database, "python")
    machine.pop("load generator", None)
    machine.update(context)
    command = "bench/bench_webhooks.py " + " ".join(argv)
    lines = [
        f"### Webhooks on {database.label} — {now_utc()}",
        "",
        *machine_section("", machine)[1:],
        "",
        f"`{command.strip()}`. In-process (Flask test client, one thread); the worker and the "
        f"receiver are processes of their own on 127.0.0.1.",
        "",
        f"**Creating an invoice (10 lines, `POST /api/v1/invoices`)** — {args.rounds} rounds of "
        f"{args.creates} requests per endpoint count, taking turns:",
        "",
        "| active endpoints | median | p90 | × 0 endpoints | SQL statements per request |",
        "|---:|---:|---:|---:|---|",
    ]
    for n in ENDPOINT_COUNTS:
        lines.append(
            f"| {n} | {fmt_ms(medians[n])} | {fmt_ms(p90[n])} | "
            f"{medians[n] / medians[0]:.2f}× | {cost['statements'][n]} |"
        )
    lines += [
        "",
        f"**Delivering** {args.deliveries:,} queued events to one endpoint (a receiver answering "
        f"204 at once), median of {args.delivery_rounds} runs:",
        "",
        "| workers | wall time | deliveries / s (runs) | mean HTTP exchange | SQL per delivery "
        "| sent twice |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for rate in rates:
        runs = ", ".join(f"{r:,.0f}" for r in rate["rates"])
        lines.append(
            f"| {rate['workers']} | {rate['seconds']:.2f} s | **{rate['rate']:,.0f}** ({runs}) | "
            f"{rate['http_ms']:.1f} ms | {rate['statements']:.1f} | {rate['duplicates']} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--creates", type=int, default=150, help="invoices per count per round")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--delivery-rounds", type=int, default=3)
    parser.add_argument("--database-url", help="postgresql://…/bench_… (dropped and recreated)")
    parser.add_argument("--keep", action="store_true", help="keep the SQLite temp dir")
    parser.add_argument("--no-docs", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    try:
        with Cleanup() as cleanup:
            load_before = os.getloadavg()[0]
            database: Database
            if args.database_url:
                database = PostgresDatabase(args.database_url)
                cleanup.callback(database.dispose)
            else:
                database = SqliteDatabase(make_temp_dir(cleanup, args.keep), "bench_webhooks")
            url = database.create()
            cleanup.callback(database.drop)
            dataset = portal_dataset(url, 0, SECRET_KEY)
            cleanup.callback(dataset.app.extensions["portal.db"].dispose)
            placeholder = "http://127.0.0.1:9/hooks"  # never called: nothing is sent here
            step("outbox cost")
            cost = outbox_cost(dataset, placeholder, args.creates, args.rounds)
            rates = []
            worker_counts = (1, 2) if database.kind == "postgresql" else (1,)
            for workers in worker_counts:
                step(f"deliveries, {workers} worker(s)")
                rates.append(
                    delivery_rate(dataset, cleanup, args.deliveries, workers, args.delivery_rounds)
                )
            context = {
                "load average (1 min)": f"{load_before:.2f} before, {os.getloadavg()[0]:.2f} after"
            }
            text = report(database, cost, rates, args, argv, context)
    except KeyboardInterrupt:
        print("\ninterrupted: processes stopped, temp files removed")
        return 130
    except BenchError as exc:
        print(f"\nbenchmark aborted: {exc}")
        return 1
    print()
    print(text)
    if not args.no_docs:
        write_docs_section(f"webhooks-{database.kind}", text)
        print("docs/benchmarks.md updated")
    return 0


def step(name: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {name}…", flush=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
