"""Racing quotes, invoices and payments against a running server: gap-free numbers, one winner.

Every test releases its requests together (a barrier) against ``live_server``: threads of a
real werkzeug server, each request its own transaction, on SQLite (``BEGIN IMMEDIATE``) or
PostgreSQL (row locks) when ``PORTAL_TEST_DATABASE_URL`` is set.
"""

from __future__ import annotations

import os
import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
import requests
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.dashboard.models import RUNNING_TOTALS
from portal.documents import services as document_services
from portal.documents.models import DocumentCounter
from portal.errors import InvalidState, ValidationError
from portal.extensions import db
from portal.invoices.models import Invoice, Payment
from portal.quotes.models import Quote
from tests.conftest import bearer, csrf_from, org_today
from tests.test_dashboard_totals import recomputed, snapshot

ON_POSTGRES = bool(os.environ.get("PORTAL_TEST_DATABASE_URL"))
TIMEOUT = 60  # seconds: per request and for the barrier; a deadlock fails, never hangs


# --- helpers ------------------------------------------------------------------------------


def call(method: str, url: str, member, **kwargs) -> tuple[int, dict | str]:
    with requests.Session() as http:
        response = http.request(method, url, headers=bearer(member), timeout=TIMEOUT, **kwargs)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def race(worker, count: int) -> list[tuple[int, dict | str]]:
    """Run ``worker(n)`` for n in 0..count-1 in threads released together."""
    barrier = threading.Barrier(count)

    def start(n):
        barrier.wait(timeout=TIMEOUT)
        return worker(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


def year() -> int:
    return org_today().year


def invoice_body(n: int, **extra) -> dict:
    return {
        "customerName": f"Cliente {n}",
        "invoiceDate": org_today().isoformat(),
        "lines": [{"description": f"Servicio {n}", "quantity": "1", "unitPrice": "10.00"}],
        **extra,
    }


def numbers_of(app, model, organization_id: str) -> list[str]:
    with app.app_context():
        rows = db.session.scalars(
            select(model.number)
            .join(Organization, Organization.id == model.organization_id)
            .where(Organization.public_id == organization_id)
        )
        return sorted(rows)


def counter_of(app, organization_id: str, series: str) -> int | None:
    with app.app_context():
        return db.session.scalar(
            select(DocumentCounter.next_value)
            .join(Organization, Organization.id == DocumentCounter.organization_id)
            .where(
                Organization.public_id == organization_id,
                DocumentCounter.series == series,
                DocumentCounter.year == year(),
            )
        )


def series(prefix: str, count: int, start: int = 1) -> list[str]:
    return [f"{prefix}-{year()}-{n:04d}" for n in range(start, start + count)]


def post(live_server, member, path: str, **kwargs) -> dict:
    status, body = call("POST", f"{live_server.url}/api/v1{path}", member, **kwargs)
    assert status in (200, 201), body
    return body["data"]


def make_customer(live_server, member, name: str = "Cliente Carrera") -> str:
    return post(
        live_server, member, "/customers", json={"name": name, "email": "cliente@example.com"}
    )["id"]


def accepted_quote(live_server, operator, customer_id: str) -> str:
    body = {
        "customerId": customer_id,
        "lines": [{"description": "Instalación", "quantity": "2", "unitPrice": "50.00"}],
    }
    quote_id = post(live_server, operator, "/quotes", json=body)["id"]
    post(live_server, operator, f"/quotes/{quote_id}/send")
    assert post(live_server, operator, f"/quotes/{quote_id}/accept")["status"] == "ACCEPTED"
    return quote_id


def issued_invoice(live_server, accountant, total: str) -> str:
    body = invoice_body(0, lines=[{"description": "Obra", "quantity": "1", "unitPrice": total}])
    invoice_id = post(live_server, accountant, "/invoices", json=body)["id"]
    issued = post(live_server, accountant, f"/invoices/{invoice_id}/issue")
    assert issued["status"] == "ISSUED" and issued["total"] == total
    return invoice_id


def assert_no_500(results) -> None:
    assert all(status < 500 for status, _ in results), results
    assert all(isinstance(body, dict) for _, body in results), results


# --- invoice numbers ----------------------------------------------------------------------

# Requests refused with a 400 before (or instead of) taking a number, raced among the valid
# ones: none may burn a number.
INVALID_INVOICES = [
    {"customerName": "", "invoiceDate": "", "lines": []},  # form: every field
    invoice_body(90, lines=[{"description": "x", "quantity": "abc", "unitPrice": "1"}]),
    invoice_body(
        91,
        lines=[{"description": "Enorme", "quantity": "999999999", "unitPrice": "9999999999.99"}],
    ),  # service: "The amounts are too large"
    invoice_body(92, customerId="cus_000000000000000000000000"),  # service: unknown customer
    invoice_body(93, invoiceNumber=f"INV-{org_today().year}-0031"),  # our series is reserved
]


def test_thirty_invoices_at_once_are_numbered_without_gap_or_duplicate(app, live_server, make_user):
    accountants = [make_user(role="ACCOUNTANT")]
    organization = accountants[0].organization_id
    accountants += [make_user(role="ACCOUNTANT", organization_id=organization) for _ in range(2)]
    rival = make_user(role="ACCOUNTANT")  # another organisation racing at the same time
    rival_mate = make_user(role="ACCOUNTANT", organization_id=rival.organization_id)
    valid, rivals = 30, 10
    url = f"{live_server.url}/api/v1/invoices"
    # Interleave: the invalid requests sit in the middle of the valid ones.
    jobs = [("ours", accountants[n % 3], invoice_body(n)) for n in range(valid)]
    for offset, body in enumerate(INVALID_INVOICES):
        jobs.insert(12 + 3 * offset, ("invalid", accountants[offset % 3], body))
    jobs += [("rival", (rival, rival_mate)[n % 2], invoice_body(100 + n)) for n in range(rivals)]

    def create(n):
        kind, member, body = jobs[n]
        return kind, *call("POST", url, member, json=body)

    results = race(create, len(jobs))
    assert_no_500([(status, body) for _, status, body in results])
    by_kind: dict[str, Counter] = {}
    for kind, status, _body in results:
        by_kind.setdefault(kind, Counter())[status] += 1
    assert by_kind == {
        "ours": Counter({201: valid}),
        "invalid": Counter({400: len(INVALID_INVOICES)}),
        "rival": Counter({201: rivals}),
    }, results
    for kind, _status, body in results:
        if kind == "invalid":
            assert body["code"] == "VALIDATION_ERROR" and body["data"] is None, body
    messages = {body["error"] for kind, _, body in results if kind == "invalid"}
    assert "Los importes son demasiado grandes" in messages
    assert "Debe ser un número" in messages

    ours = [body["data"]["invoiceNumber"] for kind, _, body in results if kind == "ours"]
    theirs = [body["data"]["invoiceNumber"] for kind, _, body in results if kind == "rival"]
    assert sorted(ours) == series("INV", valid)  # consecutive, no gap, no duplicate
    assert sorted(theirs) == series("INV", rivals)  # each organisation its own series
    assert numbers_of(app, Invoice, organization) == series("INV", valid)
    assert numbers_of(app, Invoice, rival.organization_id) == series("INV", rivals)
    assert counter_of(app, organization, "INV") == valid + 1
    # Each answer describes the invoice stored under its number (no crossed wires).
    with app.app_context():
        stored = dict(
            db.session.execute(
                select(Invoice.number, Invoice.customer_name)
                .join(Organization, Organization.id == Invoice.organization_id)
                .where(Organization.public_id == organization)
            ).all()
        )
    for kind, _status, body in results:
        if kind == "ours":
            assert stored[body["data"]["invoiceNumber"]] == body["data"]["customerName"]

    # The next invoice, made alone afterwards, continues the series.
    status, body = call("POST", url, accountants[0], json=invoice_body(999))
    assert status == 201 and body["data"]["invoiceNumber"] == series("INV", 1, valid + 1)[0]


def test_twenty_quotes_at_once_are_numbered_without_gap_or_duplicate(app, live_server, make_user):
    operator = make_user(role="OPERATOR")
    mate = make_user(role="OPERATOR", organization_id=operator.organization_id)
    customer = make_customer(live_server, operator)
    count = 20
    url = f"{live_server.url}/api/v1/quotes"

    def create(n):
        body = {
            "customerId": customer,
            "lines": [{"description": f"Trabajo {n}", "quantity": "1", "unitPrice": "5"}],
        }
        if n in (7, 13):  # refused: no line / a bad quantity, in the middle of the race
            body["lines"] = [] if n == 7 else [{"description": "x", "quantity": "-1"}]
        return call("POST", url, (operator, mate)[n % 2], json=body)

    results = race(create, count)
    assert_no_500(results)
    statuses = Counter(status for status, _ in results)
    assert statuses == Counter({201: count - 2, 400: 2}), results
    numbers = [body["data"]["quoteNumber"] for status, body in results if status == 201]
    assert sorted(numbers) == series("COT", count - 2)
    assert numbers_of(app, Quote, operator.organization_id) == series("COT", count - 2)


# --- converting a quote -------------------------------------------------------------------


def test_converting_one_quote_ten_times_at_once_makes_one_invoice(app, live_server, make_user):
    first = make_user(role="ACCOUNTANT")
    second = make_user(role="ACCOUNTANT", organization_id=first.organization_id)
    customer = make_customer(live_server, first)
    quote_id = accepted_quote(live_server, first, customer)
    url = f"{live_server.url}/api/v1/quotes/{quote_id}/convert"

    results = race(lambda n: call("POST", url, (first, second)[n % 2]), 10)
    assert_no_500(results)
    assert sorted(status for status, _ in results) == [201] + [409] * 9, results
    for status, body in results:
        if status == 409:
            assert body["code"] == "INVALID_STATE", body
            assert body["error"] == "Esta cotización ya fue convertida en factura", body
    (invoice,) = [body["data"] for status, body in results if status == 201]
    assert invoice["invoiceNumber"] == series("INV", 1)[0]
    assert invoice["total"] == "100.00" and invoice["status"] == "DRAFT"
    assert numbers_of(app, Invoice, first.organization_id) == series("INV", 1)
    assert counter_of(app, first.organization_id, "INV") == 2  # losers gave their number back
    status, body = call("GET", f"{live_server.url}/api/v1/quotes/{quote_id}", first)
    assert status == 200 and body["data"]["status"] == "CONVERTED"
    assert body["data"]["invoiceId"] == invoice["id"]


# --- payments -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "accepted", "final_status"),
    [("25.00", 4, "PAID"), ("15.00", 6, "PARTIALLY_PAID")],
)
def test_concurrent_payments_never_overpay_an_invoice(
    app, live_server, make_user, amount, accepted, final_status
):
    accountant = make_user(role="ACCOUNTANT")
    mate = make_user(role="ACCOUNTANT", organization_id=accountant.organization_id)
    invoice_id = issued_invoice(live_server, accountant, "100.00")
    url = f"{live_server.url}/api/v1/invoices/{invoice_id}/payments"
    payment = {"amount": amount, "paidOn": org_today().isoformat(), "method": "TRANSFER"}

    results = race(lambda n: call("POST", url, (accountant, mate)[n % 2], json=payment), 10)
    assert_no_500(results)
    statuses = Counter(status for status, _ in results)
    assert statuses[201] == accepted, results
    for status, body in results:
        if status == 400:  # more than the balance left
            assert body["code"] == "VALIDATION_ERROR", body
            assert body["errors"]["amount"].startswith("El pago no puede superar el saldo de")
        elif status == 409:  # already paid in full
            assert body["code"] == "INVALID_STATE", body
            assert body["error"] == "La factura ya está pagada", body
        else:
            assert status == 201, body
    # Every accepted payment saw the balance the one before it left.
    balances = sorted(
        Decimal(body["data"]["invoice"]["balance"]) for status, body in results if status == 201
    )
    expected = [Decimal("100.00") - Decimal(amount) * k for k in range(1, accepted + 1)]
    assert balances == sorted(expected), results

    status, body = call("GET", f"{live_server.url}/api/v1/invoices/{invoice_id}", accountant)
    invoice = body["data"]
    paid = Decimal(amount) * accepted
    assert invoice["status"] == final_status
    assert Decimal(invoice["amountPaid"]) == paid <= Decimal(invoice["total"])
    assert Decimal(invoice["balance"]) == Decimal("100.00") - paid
    with app.app_context():
        rows = db.session.scalars(
            select(Payment.amount).join(Invoice).where(Invoice.public_id == invoice_id)
        ).all()
    assert len(rows) == accepted and sum(rows) == paid


def browser_session(live_server, member) -> requests.Session:
    """A logged-in cookie session, as a browser would hold it."""
    http = requests.Session()
    page = http.get(f"{live_server.url}/login", timeout=TIMEOUT)
    response = http.post(
        f"{live_server.url}/login",
        data={
            "email": member.email,
            "password": member.password,
            "csrf_token": csrf_from(page.text),
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302, response.text
    return http


def test_concurrent_payments_through_the_page_never_overpay(app, live_server, make_user):
    accountant = make_user(role="ACCOUNTANT")
    mate = make_user(role="ACCOUNTANT", organization_id=accountant.organization_id)
    invoice_id = issued_invoice(live_server, accountant, "100.00")
    page_url = f"{live_server.url}/invoices/{invoice_id}"
    sessions = [browser_session(live_server, m) for m in (accountant, mate) for _ in range(4)]
    tokens = [csrf_from(http.get(page_url, timeout=TIMEOUT).text) for http in sessions]
    form = {"amount": "30.00", "paid_on": org_today().isoformat(), "method": "CASH"}

    def pay(n):
        response = sessions[n].post(
            f"{page_url}/payments",
            data={**form, "csrf_token": tokens[n]},
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        return response.status_code, {"text": response.text}

    try:
        results = race(pay, len(sessions))
    finally:
        for http in sessions:
            http.close()
    statuses = Counter(status for status, _ in results)
    assert statuses == Counter({302: 3, 400: len(sessions) - 3}), statuses
    _status, body = call("GET", f"{live_server.url}/api/v1/invoices/{invoice_id}", accountant)
    assert body["data"]["amountPaid"] == "90.00" and body["data"]["status"] == "PARTIALLY_PAID"
    with app.app_context():
        rows = db.session.scalars(
            select(Payment.amount).join(Invoice).where(Invoice.public_id == invoice_id)
        ).all()
    assert sum(rows) == Decimal("90.00")


# --- a rollback gives the number back -----------------------------------------------------


def test_an_invoice_refused_for_too_large_amounts_leaves_no_gap(app, live_server, make_user):
    accountant = make_user(role="ACCOUNTANT")
    url = f"{live_server.url}/api/v1/invoices"
    first = post(live_server, accountant, "/invoices", json=invoice_body(1))
    huge = [{"description": "Enorme", "quantity": "999999999", "unitPrice": "9999999999.99"}]
    status, body = call("POST", url, accountant, json=invoice_body(2, lines=huge))
    assert status == 400 and body["error"] == "Los importes son demasiado grandes", body
    assert body["errors"] == {"lines": "Los importes son demasiado grandes"}
    second = post(live_server, accountant, "/invoices", json=invoice_body(3))
    assert [first["invoiceNumber"], second["invoiceNumber"]] == series("INV", 2)


LATE = "Falla tardía"


def test_a_creation_refused_after_taking_its_number_gives_the_number_back(
    app, live_server, make_user, monkeypatch
):
    """Nothing in create_invoice refuses after numbering today, so a refusal is injected
    where a later rule (or a webhook outbox write) would sit: after the number is taken
    and the invoice row is flushed. The request's rollback must return the number."""
    real_record = document_services.record

    def record(document, *args, **kwargs):
        if getattr(document, "customer_name", "") == LATE:
            assert re.fullmatch(r"INV-\d{4}-\d{4}", document.number)  # the number was taken
            raise ValidationError({"customer_name": "rechazada después de numerar"})
        return real_record(document, *args, **kwargs)

    monkeypatch.setattr(document_services, "record", record)
    accountant = make_user(role="ACCOUNTANT")
    url = f"{live_server.url}/api/v1/invoices"

    # Alone: 0001, then a late refusal, then 0002.
    first = post(live_server, accountant, "/invoices", json=invoice_body(1))
    status, body = call("POST", url, accountant, json=invoice_body(2, customerName=LATE))
    assert status == 400 and body["errors"] == {"customerName": "rechazada después de numerar"}
    second = post(live_server, accountant, "/invoices", json=invoice_body(3))
    assert [first["invoiceNumber"], second["invoiceNumber"]] == series("INV", 2)

    # Raced: late refusals in the middle of 12 good creations still leave no gap.
    def create(n):
        body = invoice_body(n, customerName=LATE) if n % 4 == 1 else invoice_body(n)
        return call("POST", url, accountant, json=body)

    results = race(create, 16)
    assert_no_500(results)
    assert Counter(status for status, _ in results) == Counter({201: 12, 400: 4}), results
    assert numbers_of(app, Invoice, accountant.organization_id) == series("INV", 14)
    assert counter_of(app, accountant.organization_id, "INV") == 15


def test_a_conversion_refused_after_taking_its_number_gives_the_number_back(
    app, live_server, make_user, monkeypatch
):
    """The same through /convert: the quote's 'converted' event is written after the
    invoice took its number; a refusal there keeps the quote ACCEPTED and burns nothing."""
    real_record = document_services.record
    refuse = threading.Event()
    refuse.set()

    def record(document, document_type, action, *args, **kwargs):
        if action == "converted" and refuse.is_set():
            raise InvalidState("rechazada después de numerar")
        return real_record(document, document_type, action, *args, **kwargs)

    monkeypatch.setattr(document_services, "record", record)
    accountant = make_user(role="ACCOUNTANT")
    customer = make_customer(live_server, accountant)
    quote_id = accepted_quote(live_server, accountant, customer)
    first = post(live_server, accountant, "/invoices", json=invoice_body(1))

    url = f"{live_server.url}/api/v1/quotes/{quote_id}/convert"
    status, body = call("POST", url, accountant)
    assert status == 409 and body["error"] == "rechazada después de numerar", body
    status, body = call("GET", f"{live_server.url}/api/v1/quotes/{quote_id}", accountant)
    assert body["data"]["status"] == "ACCEPTED" and body["data"]["invoiceId"] is None

    refuse.clear()
    converted = post(live_server, accountant, f"/quotes/{quote_id}/convert")
    assert [first["invoiceNumber"], converted["invoiceNumber"]] == series("INV", 2)
    assert numbers_of(app, Invoice, accountant.organization_id) == series("INV", 2)


# --- running totals -----------------------------------------------------------------------


def test_racing_issues_payments_voids_and_answers_keep_the_running_totals(
    app, live_server, make_user
):
    """Twenty invoices of one day issued at once, then paid, part paid and voided at once,
    and twelve quotes of one day answered at once: every request adds to the same rows of
    the running totals (the day's, the month's, the rate's, the customer's, the status's).
    Afterwards they equal a recomputation from the documents: no lost update, no deadlock."""
    owner = make_user(role="OWNER", plan="PRO")
    mate = make_user(role="ACCOUNTANT", organization_id=owner.organization_id)
    members = (owner, mate)
    customer = post(live_server, owner, "/customers", json={"name": "Cliente Carrera"})["id"]
    product = post(
        live_server,
        owner,
        "/products",
        json={"name": "Tornillo", "sku": "T-1", "price": "2.50", "taxRate": "21"},
    )["id"]
    today = org_today().isoformat()
    lines = [
        {"productId": product, "quantity": "4"},
        {"description": "Montaje", "quantity": "1", "unitPrice": "30.00", "taxPercent": "10"},
    ]
    body = {"customerId": customer, "invoiceDate": today, "dueDate": today, "lines": lines}
    invoices = [post(live_server, owner, "/invoices", json=body)["id"] for _ in range(20)]
    quote = {"customerId": customer, "issueDate": today, "lines": lines}
    quotes = [post(live_server, owner, "/quotes", json=quote)["id"] for _ in range(12)]
    for quote_id in quotes:
        post(live_server, owner, f"/quotes/{quote_id}/send", json={"to": "c@example.com"})
    url = f"{live_server.url}/api/v1"

    issued = race(lambda n: call("POST", f"{url}/invoices/{invoices[n]}/issue", members[n % 2]), 20)
    assert_no_500(issued)
    assert all(status == 200 for status, _ in issued), issued

    def settle(n: int) -> tuple[int, dict | str]:
        invoice = f"{url}/invoices/{invoices[n]}"
        if n % 4 == 3:
            return call("POST", f"{invoice}/void", members[n % 2])
        amount = "10.00" if n % 2 else "45.10"  # part, or all: 4 × 2.50 + 21 %, 30 + 10 %
        payment = {"amount": amount, "paidOn": today, "method": "CASH"}
        return call("POST", f"{invoice}/payments", members[n % 2], json=payment)

    settled = race(settle, 20)
    assert_no_500(settled)
    assert all(status in (200, 201) for status, _ in settled), settled

    answers = ("accept", "reject", "accept")
    decided = race(lambda n: call("POST", f"{url}/quotes/{quotes[n]}/{answers[n % 3]}", owner), 12)
    assert_no_500(decided)
    assert all(status == 200 for status, _ in decided), decided

    running = snapshot(app)
    assert {key[0] for key in running} >= {model.__tablename__ for model in RUNNING_TOTALS}
    assert running == recomputed(app)
