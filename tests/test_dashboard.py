"""The dashboard's figures agree to the cent with a known set of invoices, payments and quotes.

One organisation (Madrid, EUR) gets the book below; a second one gets activity of its own
that must never show. The clock is moved to each moment that matters (quotes are sent and
accepted at known instants) and finally to 10 July 2026, "today" for open balances.

| invoice | customer | date | due | total | what happens | counts as |
| I1 | Sol | 2026-01-15 | 02-14 | 242.00 | paid 242 on 02-10 | invoiced, revenue, 26 days to pay |
| I2 | Sol | 2026-03-10 | 04-09 | 121.00 | 21 paid on 04-01 | 100.00 over 90 days |
| I3 | Luna | 2026-05-20 | 06-19 | 121.00 | unpaid | 121.00 1–30 days |
| I4 | Luna | 2026-06-25 | 07-25 | 60.50 | unpaid | 60.50 current |
| I5 | Luna | 2026-02-01 | | 50.00 | voided | nothing |
| I6 | Sol | 2026-04-01 | | 80.00 | draft | nothing |
| I7 | Sol | 2025-12-20 | 01-19 | 100.00 | paid on 2026-01-05 | invoiced before, paid now; 16 days |
| I8 | Luna | 2025-09-01 | 10-01 | 50.00 | paid on 2025-09-30 | invoiced and paid before; 29 days |
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
import time_machine
from sqlalchemy import event

from portal.clock import zone
from portal.extensions import db
from tests.conftest import PASSWORD, assert_envelope, login
from tests.test_fiscal_profile import switch_currency_as_before_the_lock

MADRID = zone("Europe/Madrid")
TODAY = datetime(2026, 7, 10, 12, 0, tzinfo=MADRID)
RANGE = "from=2026-01-01&to=2026-06-30"


@pytest.fixture
def app(make_app):
    """No rate limits: these tests jump across months and mint a token at each moment."""
    return make_app(RATELIMIT_ENABLED=False)


def at(year, month, day, hour=12) -> time_machine.travel:
    return time_machine.travel(datetime(year, month, day, hour, tzinfo=MADRID), tick=False)


class Book:
    """Writes through the API as one member, minting a token on the clock of the moment."""

    def __init__(self, client, member) -> None:
        self.client, self.member = client, member

    def headers(self) -> dict:
        answer = self.client.post(
            "/api/v1/auth/token", json={"email": self.member.email, "password": PASSWORD}
        )
        return {"Authorization": f"Bearer {assert_envelope(answer, 200)['data']['token']}"}

    def post(self, path: str, body: dict | None = None, status: int = 200) -> dict:
        answer = self.client.post(f"/api/v1{path}", json=body, headers=self.headers())
        return assert_envelope(answer, status)["data"]

    def customer(self, name: str) -> str:
        return self.post("/customers", {"name": name, "email": "cliente@example.com"}, 201)["id"]

    def switch_currency(self, code: str) -> None:
        """Past the currency lock, as an organisation that switched before it existed."""
        app = self.client.application
        switch_currency_as_before_the_lock(app, self.member.organization_id, code)

    def product(self, name: str, sku: str, price: str, tax: str) -> str:
        body = {"name": name, "sku": sku, "price": price, "taxRate": tax}
        return self.post("/products", body, 201)["id"]

    def invoice(self, customer, day, due, lines, *, issue=True) -> str:
        body = {"customerId": customer, "invoiceDate": day, "lines": lines}
        if due:
            body["dueDate"] = due
        invoice = self.post("/invoices", body, 201)["id"]
        if issue:
            self.post(f"/invoices/{invoice}/issue")
        return invoice

    def pay(self, invoice, amount, day) -> None:
        body = {"amount": amount, "paidOn": day, "method": "TRANSFER"}
        self.post(f"/invoices/{invoice}/payments", body, 201)

    def quote(self, customer, day, total="100.00", valid_until=None) -> str:
        body = {
            "customerId": customer,
            "issueDate": day,
            "lines": [{"description": "Propuesta", "quantity": "1", "unitPrice": total}],
        }
        if valid_until:
            body["validUntil"] = valid_until
        return self.post("/quotes", body, 201)["id"]


def line(product=None, quantity="1", price=None, tax=None, description=None) -> dict:
    value: dict = {"quantity": quantity}
    if product:
        value["productId"] = product
    for key, item in (("unitPrice", price), ("taxPercent", tax), ("description", description)):
        if item is not None:
            value[key] = item
    return value


def write_the_book(book: Book) -> None:
    with at(2025, 8, 1):
        sol, luna = book.customer("Panadería Sol"), book.customer("Ferretería <Luna>")
        screw = book.product("Tornillo", "TOR", "0.50", "21")
        service = book.product("Servicio técnico", "SRV", "100.00", "21")
    with at(2025, 9, 1):
        i8 = book.invoice(
            luna, "2025-09-01", "2025-10-01", [line(price="50", tax="0", description="Visita")]
        )
        book.pay(i8, "50.00", "2025-09-30")
    with at(2025, 10, 2, 10):
        q7 = book.quote(sol, "2025-10-01")
        book.post(f"/quotes/{q7}/send")
    with at(2025, 10, 7, 10):
        book.post(f"/quotes/{q7}/accept")
    with at(2025, 12, 20):
        i7 = book.invoice(
            sol, "2025-12-20", "2026-01-19", [line(price="100", tax="0", description="Consultoría")]
        )
    with at(2026, 1, 15):
        book.pay(i7, "100.00", "2026-01-05")
        i1 = book.invoice(sol, "2026-01-15", "2026-02-14", [line(service, "2")])
    with at(2026, 2, 1):
        i5 = book.invoice(
            luna, "2026-02-01", None, [line(price="50", tax="0", description="Error")]
        )
        book.post(f"/invoices/{i5}/void")
    with at(2026, 2, 2, 10):
        q1 = book.quote(sol, "2026-02-01")
        book.post(f"/quotes/{q1}/send")
    with at(2026, 2, 5, 10):
        book.post(f"/quotes/{q1}/accept")
    with at(2026, 2, 10):
        book.pay(i1, "242.00", "2026-02-10")
    with at(2026, 3, 1, 10):
        q2 = book.quote(luna, "2026-03-01")
        book.post(f"/quotes/{q2}/send")
    with at(2026, 3, 8, 10):
        book.post(f"/quotes/{q2}/accept")
        book.post(f"/quotes/{q2}/convert", status=201)  # a draft invoice: not "invoiced"
    with at(2026, 3, 10):
        extra = line(price="95", tax="21", description="Montaje")
        i2 = book.invoice(sol, "2026-03-10", "2026-04-09", [line(screw, "10"), extra])
    with at(2026, 4, 1):
        book.pay(i2, "21.00", "2026-04-01")
        book.invoice(
            sol,
            "2026-04-01",
            None,
            [line(price="80", tax="0", description="Borrador")],
            issue=False,
        )
        q3 = book.quote(luna, "2026-04-01")
        book.post(f"/quotes/{q3}/send")
        book.post(f"/quotes/{q3}/reject")
    with at(2026, 5, 1):
        q4 = book.quote(luna, "2026-05-01", valid_until="2026-05-31")
        book.post(f"/quotes/{q4}/send")  # expired by 10 July
    with at(2026, 5, 20):
        book.invoice(luna, "2026-05-20", "2026-06-19", [line(service)])
    with at(2026, 6, 15):
        q5 = book.quote(sol, "2026-06-15", total="250.00", valid_until="2026-07-31")
        book.post(f"/quotes/{q5}/send")  # still open on 10 July
        book.quote(sol, "2026-06-20")  # a draft
    with at(2026, 6, 25):
        book.invoice(luna, "2026-06-25", "2026-07-25", [line(screw, "100")])
    with at(2026, 6, 26):  # a document of another currency is never added to euros
        book.switch_currency("USD")
        dollars = book.invoice(
            sol, "2026-06-26", "2026-06-27", [line(price="999", tax="0", description="USD")]
        )
        book.pay(dollars, "100.00", "2026-06-26")
        book.quote(sol, "2026-06-26", total="888")
        book.switch_currency("EUR")


def other_organisation(book: Book) -> None:
    """Activity of another tenant, in the same months, that no figure may include."""
    with at(2026, 3, 3, 10):
        someone = book.customer("Otra Empresa")
        invoice = book.invoice(
            someone, "2026-03-03", "2026-03-05", [line(price="9999", tax="0", description="Ajeno")]
        )
        book.pay(invoice, "1000.00", "2026-03-04")
        quote = book.quote(someone, "2026-03-03", total="7777")
        book.post(f"/quotes/{quote}/send")


@pytest.fixture
def books(app, make_user):
    owner, stranger = make_user(role="OWNER"), make_user(role="OWNER")
    client = app.test_client()
    for member in (owner, stranger):
        with at(2025, 7, 1):
            mine = Book(client, member)
            mine.client.patch(
                "/api/v1/organization",
                json={"timeZone": "Europe/Madrid", "currency": "EUR"},
                headers=mine.headers(),
            )
    write_the_book(Book(client, owner))
    other_organisation(Book(client, stranger))
    return client, owner, stranger


EXPECTED = {
    "from": "2026-01-01",
    "to": "2026-06-30",
    "currency": "EUR",
    "revenue": "363.00",
    "invoiced": "544.50",
    "quoteConversionRate": "50.00",
    "averageDaysToPay": "21.0",
    "averageDaysToAccept": "5.0",
    "outstanding": "281.50",
    "overdue": "221.00",
    "overdueCount": 2,
    "quotesOpen": 1,
    "pipelineValue": "250.00",
    "dso": "93.6",
    "aging": {
        "current": "60.50",
        "days1to30": "121.00",
        "days31to60": "0.00",
        "days61to90": "0.00",
        "over90": "100.00",
    },
    "monthly": [
        {"month": "2026-01", "invoiced": "242.00", "paid": "100.00"},
        {"month": "2026-02", "invoiced": "0.00", "paid": "242.00"},
        {"month": "2026-03", "invoiced": "121.00", "paid": "0.00"},
        {"month": "2026-04", "invoiced": "0.00", "paid": "21.00"},
        {"month": "2026-05", "invoiced": "121.00", "paid": "0.00"},
        {"month": "2026-06", "invoiced": "60.50", "paid": "0.00"},
    ],
    "previous": {
        "from": "2025-07-04",
        "to": "2025-12-31",
        "revenue": "50.00",
        "invoiced": "150.00",
        "quoteConversionRate": "100.00",
        "averageDaysToPay": "29.0",
        "averageDaysToAccept": "5.0",
    },
    "change": {
        "revenue": "626.0",
        "invoiced": "263.0",
        "quoteConversionRate": "-50.0",
        "averageDaysToPay": "-27.6",
        "averageDaysToAccept": "0.0",
    },
}


def dashboard_of(client, member, query: str = RANGE) -> dict:
    with time_machine.travel(TODAY, tick=False):
        book = Book(client, member)
        return assert_envelope(
            client.get(f"/api/v1/dashboard?{query}", headers=book.headers()), 200
        )["data"]


def test_every_figure_agrees_with_the_book_to_the_cent(books):
    client, owner, _stranger = books
    data = dashboard_of(client, owner)
    assert {key: data[key] for key in EXPECTED} == EXPECTED
    assert [(c["name"], c["invoiced"]) for c in data["topCustomers"]] == [
        ("Panadería Sol", "363.00"),
        ("Ferretería <Luna>", "181.50"),
    ]
    assert [(p["name"], p["quantity"], p["net"]) for p in data["topProducts"]] == [
        ("Servicio técnico", "3.000", "300.00"),
        ("Tornillo", "110.000", "55.00"),
    ]
    pipeline = {row["status"]: (row["count"], row["total"]) for row in data["pipeline"]}
    assert pipeline == {
        "ACCEPTED": (2, "200.00"),
        "CONVERTED": (1, "100.00"),
        "DRAFT": (1, "100.00"),
        "EXPIRED": (1, "100.00"),
        "REJECTED": (1, "100.00"),
        "SENT": (1, "250.00"),
    }


def test_sums_of_the_breakdowns_equal_the_totals(books):
    client, owner, _stranger = books
    data = dashboard_of(client, owner)
    monthly = data["monthly"]
    assert sum(Decimal(m["invoiced"]) for m in monthly) == Decimal(data["invoiced"])
    assert sum(Decimal(m["paid"]) for m in monthly) == Decimal(data["revenue"])
    assert sum(Decimal(v) for v in data["aging"].values()) == Decimal(data["outstanding"])


def test_another_organisation_sees_only_its_own(books):
    client, _owner, stranger = books
    # The stranger's book: one invoice of 9,999.00 with 1,000.00 paid, a quote expired since.
    data = dashboard_of(client, stranger)
    assert (data["invoiced"], data["revenue"]) == ("9999.00", "1000.00")
    assert (data["outstanding"], data["overdue"], data["quotesOpen"]) == ("8999.00", "8999.00", 0)
    assert [c["name"] for c in data["topCustomers"]] == ["Otra Empresa"]


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        ("from=2026-02-30", {"from": "Fecha inválida"}),
        ("to=mañana", {"to": "Fecha inválida"}),
        (
            "from=2026-06-01&to=2026-05-01",
            {"to": "El final del periodo no puede ser anterior a su inicio"},
        ),
        ("from=2020-01-01&to=2026-01-01", {"to": "El periodo puede abarcar como máximo 5 años"}),
    ],
)
def test_bad_periods_are_400_naming_the_field(client, make_user, query, errors):
    owner = make_user(role="OWNER")
    answer = client.get(f"/api/v1/dashboard?{query}", headers=Book(client, owner).headers())
    assert assert_envelope(answer, 400, "VALIDATION_ERROR")["errors"] == errors


def test_every_role_reads_the_dashboard(client, make_user):
    owner = make_user(role="OWNER")
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    answer = client.get("/api/v1/dashboard", headers=Book(client, viewer).headers())
    data = assert_envelope(answer, 200)["data"]
    assert data["revenue"] == "0.00" and data["quoteConversionRate"] is None
    assert len(data["monthly"]) == 12  # the default period: the last 12 months
    assert client.get("/api/v1/dashboard").status_code == 401


def test_a_constant_number_of_queries_whatever_the_size(app, make_user):
    owner = make_user(role="OWNER")
    client = app.test_client()
    book = Book(client, owner)
    statements: list[str] = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    def queries() -> int:
        with app.app_context():
            engine = db.engine
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            with time_machine.travel(TODAY, tick=False):
                headers = book.headers()
                statements.clear()
                assert client.get(f"/api/v1/dashboard?{RANGE}", headers=headers).status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    with at(2026, 3, 1):
        customer = book.customer("Cliente")
    sizes = []
    for batch in (2, 20):
        with at(2026, 3, 2):
            for n in range(batch):
                invoice = book.invoice(
                    customer,
                    "2026-03-02",
                    "2026-03-30",
                    [line(price=str(10 + n), tax="21", description="x")],
                )
                book.pay(invoice, "1.00", "2026-03-03")
        sizes.append(queries())
    assert sizes[0] == sizes[1], sizes


def test_the_page_shows_the_same_figures_in_both_languages(books):
    client, owner, _stranger = books
    with time_machine.travel(TODAY, tick=False):
        assert login(client, owner.email).status_code == 302
        spanish = client.get(f"/?{RANGE}").get_data(as_text=True)
        english = client.get(f"/?{RANGE}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for amount in ("363,00", "544,50", "281,50", "221,00", "250,00", "93,6", "50,0 %"):
        assert amount in spanish, amount
    for amount in ("€363.00", "€544.50", "€281.50", "€221.00", "€250.00"):
        assert amount in english, amount
    assert "Ferretería &lt;Luna&gt;" in spanish and "<Luna>" not in spanish
    assert spanish.count("<svg") >= 3 and english.count("<svg") >= 3


def test_a_period_that_cuts_months_counts_its_edge_days_exactly(books):
    """10 January – 25 May: February to April come from the running monthly totals, the
    days of January and May from the invoices themselves."""
    client, owner, _stranger = books
    data = dashboard_of(client, owner, "from=2026-01-10&to=2026-05-25")
    assert (data["invoiced"], data["revenue"]) == ("484.00", "263.00")
    assert [(c["name"], c["invoiced"]) for c in data["topCustomers"]] == [
        ("Panadería Sol", "363.00"),
        ("Ferretería <Luna>", "121.00"),
    ]
    assert [(p["name"], p["quantity"], p["net"]) for p in data["topProducts"]] == [
        ("Servicio técnico", "3.000", "300.00"),
        ("Tornillo", "10.000", "5.00"),
    ]
    inside_one_month = dashboard_of(client, owner, "from=2026-03-05&to=2026-03-20")
    assert [(c["name"], c["invoiced"]) for c in inside_one_month["topCustomers"]] == [
        ("Panadería Sol", "121.00")
    ]


def test_aging_buckets_at_their_edges_agree_with_the_aging_report(app, make_user):
    """On 10 July: due today is current; 1 and 30 days past due are 1–30, 31
    and 60 are 31–60, 61 and 90 are 61–90, 91 is over 90. The aging report agrees, and
    another organisation's open invoice counts in neither."""
    owner, stranger = make_user(role="OWNER"), make_user(role="OWNER")
    client = app.test_client()
    due_dates = {  # one invoice each; amounts are powers of two, so every sum says who
        "2026-07-10": "1",
        "2026-07-09": "2",
        "2026-06-10": "4",
        "2026-06-09": "8",
        "2026-05-11": "16",
        "2026-05-10": "32",
        "2026-04-11": "64",
        "2026-04-10": "128",
    }
    with at(2026, 4, 1):
        book, other = Book(client, owner), Book(client, stranger)
        customer = book.customer("Cliente al día")
        for due, amount in due_dates.items():
            book.invoice(
                customer, "2026-04-01", due, [line(price=amount, tax="0", description="x")]
            )
        someone = other.customer("Ajeno")
        other.invoice(
            someone, "2026-04-01", "2026-05-01", [line(price="1000", tax="0", description="y")]
        )
    data = dashboard_of(client, owner)
    expected = {
        "current": "1.00",
        "days1to30": "6.00",
        "days31to60": "24.00",
        "days61to90": "96.00",
        "over90": "128.00",
    }
    assert data["aging"] == expected
    assert (data["outstanding"], data["overdue"], data["overdueCount"]) == ("255.00", "254.00", 7)
    with time_machine.travel(TODAY, tick=False):
        answer = client.get("/api/v1/reports/aging", headers=book.headers())
    totals = assert_envelope(answer, 200)["data"]["totals"]
    assert {name: totals[name] for name in expected} == expected
    assert totals["total"] == data["outstanding"]
