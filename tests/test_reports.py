"""Reports (PRO): every figure of a known set of documents, to the cent, in JSON, CSV and on
the page (Spanish and English); another organisation's documents never count.

``build_books`` writes one organisation's quotes and invoices through the API — every
state, in and out of the range, overdue by each bucket's edges, several tax rates, lines
with and without products, a document in another currency — and the same kind of activity
in a second organisation. The expected figures below are worked out by hand from it.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import time_machine
from babel.numbers import format_currency, format_decimal

from tests.conftest import PASSWORD, assert_envelope, bearer, login, org_today
from tests.test_api_quotes import (
    INVOICES,
    QUOTES,
    act,
    create_invoice,
    create_quote,
    mixed_lines,
    new_customer,
    new_product,
)
from tests.test_fiscal_profile import switch_currency_as_before_the_lock

TODAY = org_today()
FROM = TODAY - timedelta(days=89)
TO = TODAY - timedelta(days=1)
RANGE = f"from={FROM.isoformat()}&to={TO.isoformat()}"
REPORTS = "/api/v1/reports"
EN = {"Accept-Language": "en"}


def day(days_ago: int) -> str:
    return (TODAY - timedelta(days=days_ago)).isoformat()


def line(description: str, quantity: str, price: str, tax: str, **extra) -> dict:
    return {
        "description": description,
        "quantity": quantity,
        "unitPrice": price,
        "taxPercent": tax,
        **extra,
    }


def token_of(client, member) -> str:
    """A fresh token at the clock's current time (tokens from another time are refused)."""
    response = client.post("/api/v1/auth/token", json={"email": member.email, "password": PASSWORD})
    return assert_envelope(response, 200)["data"]["token"]


@dataclass
class Books:
    owner: object
    other: object = None  # the second organisation's owner
    customers: dict[str, str] = field(default_factory=dict)
    products: dict[str, str] = field(default_factory=dict)
    invoices: dict[str, dict] = field(default_factory=dict)


def product_line(product_id: str, quantity: str, **extra) -> dict:
    return {"productId": product_id, "quantity": quantity, **extra}


def issue(client, member, customer: str, dated: int, due: int | None, lines: list) -> dict:
    """An issued invoice dated ``dated`` days ago, due ``due`` days ago (negative: ahead),
    for a catalogue customer (``cus_…``) or a name written on it."""
    who = {"customerId": customer} if customer.startswith("cus_") else {"customerName": customer}
    dates = {"invoiceDate": day(dated), "dueDate": day(due if due is not None else dated)}
    document = create_invoice(client, member, lines, **who, **dates)
    return act(client, member, f"{INVOICES}/{document['id']}/issue")["data"]


def pay(client, member, document: dict, amount: str) -> None:
    body = {"amount": amount, "paidOn": TODAY.isoformat(), "method": "TRANSFER"}
    response = client.post(
        f"{INVOICES}/{document['id']}/payments", json=body, headers=bearer(member)
    )
    assert_envelope(response, 201)


def build_books(client, make_user) -> Books:
    """The first organisation's activity (the figures below come from it), then a second
    organisation's, which must never show."""
    books = Books(make_user())
    owner = books.owner
    nandu = books.customers["nandu"] = new_customer(client, owner, "Ñandú Textil")
    alamo = books.customers["alamo"] = new_customer(client, owner, "Álamo Servicios")
    tornillo = new_product(client, owner, "Tornillo", "TOR", "0.35", "21")
    licencia = new_product(client, owner, "Licencia", "LIC", "250.00", "21")
    libro = new_product(client, owner, "Libro", "LIB", "18.00", "4")
    books.products = {"tornillo": tornillo, "licencia": licencia, "libro": libro}
    labour = "Mano de obra"
    plan = {
        # In the range (the last 89 days, today excluded).
        "I1": (nandu, 80, 60, [product_line(tornillo, "100"), line(labour, "2", "45.00", "21")]),
        "I2": (
            nandu,
            60,
            31,
            [product_line(licencia, "1", discountPercent="10"), product_line(libro, "3")],
        ),
        "I3": (
            alamo,
            40,
            10,
            [line("Consultoría", "1", "1000.00", "21"), line("Formación", "4", "75.50", "0")],
        ),
        "I4": (
            "Cliente Suelto",
            20,
            -10,
            [product_line(tornillo, "10", taxPercent="10"), line(labour, "1", "45.00", "10")],
        ),
        "I10": (nandu, 35, 30, [product_line(libro, "1")]),
        "I12": (alamo, 10, 1, [line("Ajuste", "1", "1.00", "21")]),
        "I5": (alamo, 30, 30, [line("Anulada", "1", "500.00", "21")]),  # voided below
        # Out of the range, still owed: aging counts them.
        "I7": (nandu, 120, 91, [line("Antigua", "1", "80.00", "21")]),
        "I8": (alamo, 0, 0, [line("Hoy", "1", "10.00", "21")]),
        "I9": ("Cliente Suelto", 100, 61, [line("Vieja", "1", "20.00", "0")]),
        "I11": (alamo, 95, 90, [line("Resto", "1", "5.00", "0")]),
    }
    for key, (customer, dated, due, lines) in plan.items():
        books.invoices[key] = issue(client, owner, customer, dated, due, lines)
    pay(client, owner, books.invoices["I2"], "50.00")  # partly paid
    pay(client, owner, books.invoices["I3"], "1512.00")  # paid
    act(client, owner, f"{INVOICES}/{books.invoices['I5']['id']}/void")
    draft = [line("Borrador", "1", "700.00", "21")]  # in the range, overdue if it were issued
    create_invoice(client, owner, draft, customerId=alamo, invoiceDate=day(15), dueDate=day(5))
    _quotes(client, books)
    _another_currency(client, books)
    books.other = _another_organisation(client, make_user)
    return books


def quote(client, member, customer: str, price: str, issued: int, **extra) -> dict:
    lines = [line("Propuesta", "1", price, "0")]
    return create_quote(client, member, customer, lines, issueDate=day(issued), **extra)


def _quotes(client, books: Books) -> None:
    """Q1 draft, Q2 sent, Q3 expired, Q4 accepted 2.5 days after it was sent, Q5 accepted
    after 4 days and converted, Q6 rejected; out of the range Q7 (accepted) and Q8 (today)."""
    owner = books.owner
    nandu, alamo = books.customers["nandu"], books.customers["alamo"]
    later = {"validUntil": (TODAY + timedelta(days=30)).isoformat()}
    quote(client, owner, nandu, "100.00", 50)
    q2 = quote(client, owner, nandu, "200.00", 20, **later)
    act(client, owner, f"{QUOTES}/{q2['id']}/send")
    q3 = quote(client, owner, alamo, "300.00", 70, validUntil=day(40))
    assert act(client, owner, f"{QUOTES}/{q3['id']}/send")["data"]["status"] == "EXPIRED"
    q4, q5, q6, q7 = (
        quote(client, owner, customer, price, issued, **later)
        for customer, price, issued in (
            (alamo, "400.00", 60),
            (nandu, "500.00", 60),
            (alamo, "600.00", 20),
            (alamo, "700.00", 120),
        )
    )
    quote(client, owner, alamo, "800.00", 0)
    sent = datetime.now(UTC).replace(microsecond=0) - timedelta(days=10)
    with time_machine.travel(sent, tick=False):
        token = token_of(client, owner)
        for document in (q4, q5, q6, q7):
            act(client, token, f"{QUOTES}/{document['id']}/send")
    with time_machine.travel(sent + timedelta(days=2, hours=12), tick=False):
        token = token_of(client, owner)
        act(client, token, f"{QUOTES}/{q4['id']}/accept")
        act(client, token, f"{QUOTES}/{q6['id']}/reject")
        act(client, token, f"{QUOTES}/{q7['id']}/accept")
    with time_machine.travel(sent + timedelta(days=4), tick=False):
        act(client, token_of(client, owner), f"{QUOTES}/{q5['id']}/accept")
    converted = client.post(f"{QUOTES}/{q5['id']}/convert", headers=bearer(owner))
    assert_envelope(converted, 201)  # a draft invoice dated today: in no report


def _another_currency(client, books: Books) -> None:
    """Documents written while the organisation invoiced in euros are left out."""
    owner = books.owner

    def currency(code: str) -> None:  # past the lock, as before it existed
        switch_currency_as_before_the_lock(client.application, owner.organization_id, code)

    currency("EUR")
    nandu = books.customers["nandu"]
    issue(client, owner, nandu, 30, 20, [line("Euros", "1", "999.00", "21")])
    quote(client, owner, nandu, "999.00", 30)
    currency("USD")


def _another_organisation(client, make_user):
    """Another tenant with the same names and the same kind of activity in the range."""
    other = make_user()
    customer = new_customer(client, other, "Ñandú Textil")
    product = new_product(client, other, "Tornillo", "TOR", "0.35", "21")
    for dated, tax in ((80, "21"), (40, "10"), (10, "4")):
        lines = [product_line(product, "1000"), line("Mano de obra", "1", "9.00", tax)]
        issue(client, other, customer, dated, dated - 5, lines)
    issue(client, other, "Cliente Suelto", 100, 95, [line("Vieja", "1", "20.00", "0")])
    accepted = create_quote(client, other, customer, issueDate=day(30))
    for action in ("send", "accept"):
        act(client, other, f"{QUOTES}/{accepted['id']}/{action}")
    return other


# --- expected figures, worked out by hand from build_books ---------------------------------

AGING_HEADER = "customerName invoiceCount current days1to30 days31to60 days61to90 over90 total"
AGING_HEADER = AGING_HEADER.split()
AGING_ROWS = [
    # The largest balance first.
    # I10 30 days, I2 31 days (328.41 less 50.00 paid), I1 60 days, I7 91 days past due
    ["Ñandú Textil", 4, "0.00", "18.72", "429.66", "0.00", "96.80", "545.18"],
    # I4 due in 10 days, I9 61 days past due
    ["Cliente Suelto", 2, "53.35", "0.00", "0.00", "20.00", "0.00", "73.35"],
    # I8 due today (current), I12 1 day and I11 90 days past due
    ["Álamo Servicios", 3, "12.10", "1.21", "0.00", "5.00", "0.00", "18.31"],
]
AGING_TOTALS = [9, "65.45", "19.93", "429.66", "25.00", "96.80", "636.84"]

SALES_PRODUCTS = [
    # name, sku, quantity, net, invoices — best sellers first
    ["Consultoría", None, "1.000", "1000.00", 1],
    ["Formación", None, "4.000", "302.00", 1],
    ["Licencia", "LIC", "1.000", "225.00", 1],  # 250.00 less 10 %
    ["Mano de obra", None, "3.000", "135.00", 2],  # a line at 21 % and one at 10 %
    ["Libro", "LIB", "4.000", "72.00", 2],
    ["Tornillo", "TOR", "110.000", "38.50", 2],
    ["Ajuste", None, "1.000", "1.00", 1],
]
SALES_CUSTOMERS = [
    ["Álamo Servicios", "1303.00", 2],
    ["Ñandú Textil", "422.00", 3],
    ["Cliente Suelto", "48.50", 1],
]
SALES_TOTALS = {"net": "1773.50", "invoiceCount": 6}

TAX_RATES = [
    # rate, base, tax, surcharge, total, invoices
    ["0.00", "302.00", "0.00", "0.00", "302.00", 1],
    ["4.00", "72.00", "2.88", "0.00", "74.88", 2],
    ["10.00", "48.50", "4.85", "0.00", "53.35", 1],
    ["21.00", "1351.00", "283.71", "0.00", "1634.71", 4],
]
TAX_TOTALS = ["1773.50", "291.44", "0.00", "2064.94", 6]
# The invoices of the range (I1, I2, I3, I4, I10, I12) by their own totals.
IN_RANGE = ("I1", "I2", "I3", "I4", "I10", "I12")

STATUSES = ("DRAFT", "SENT", "ACCEPTED", "REJECTED", "EXPIRED", "CONVERTED")
QUOTES_IN_RANGE = [
    # days ago issued, status, total, days from sending to acceptance
    (50, "DRAFT", "100.00", None),
    (20, "SENT", "200.00", None),
    (70, "EXPIRED", "300.00", None),
    (60, "ACCEPTED", "400.00", Decimal("2.5")),
    (60, "CONVERTED", "500.00", Decimal("4")),
    (20, "REJECTED", "600.00", None),
]
QUOTE_SUMMARY = {
    "count": 6,
    "total": "2100.00",
    "wonCount": 2,
    "decidedCount": 4,
    "conversionRate": "50.00",
    "averageDaysToAccept": "3.3",  # (2.5 + 4) / 2 = 3.25, half up
}


def expected_months() -> list[dict]:
    """The quotes above month by month (every month of the range, empty ones included)."""
    months = []
    for first in period_months():
        key = f"{first:%Y-%m}"
        mine = [q for q in QUOTES_IN_RANGE if day(q[0])[:7] == key]
        by_status = {s: [0, Decimal("0")] for s in STATUSES}
        for _days, status, total, _taken in mine:
            by_status[status][0] += 1
            by_status[status][1] += Decimal(total)
        won = sum(by_status[s][0] for s in ("ACCEPTED", "CONVERTED"))
        decided = won + by_status["REJECTED"][0] + by_status["EXPIRED"][0]
        taken = [q[3] for q in mine if q[3] is not None]
        months.append(
            {
                "month": key,
                "count": len(mine),
                "total": f"{sum(Decimal(q[2]) for q in mine):.2f}",
                "wonCount": won,
                "decidedCount": decided,
                "conversionRate": f"{Decimal(won) * 100 / decided:.2f}" if decided else None,
                "averageDaysToAccept": (
                    str((sum(taken) / len(taken)).quantize(Decimal("0.1"), "ROUND_HALF_UP"))
                    if taken
                    else None
                ),
                "byStatus": [
                    {"status": s, "count": c, "total": f"{t:.2f}"}
                    for s, (c, t) in by_status.items()
                ],
            }
        )
    return months


def period_months() -> list:
    from portal.periods import Period

    return Period(FROM, TO).months()


# --- reading the answers -------------------------------------------------------------------


def report(client, member, name: str, query: str = RANGE, **headers) -> dict:
    response = client.get(f"{REPORTS}/{name}?{query}", headers=bearer(member, **headers))
    return assert_envelope(response, 200)["data"]


def csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    text = response.get_data(as_text=True)
    assert not text.startswith("\ufeff")  # no byte-order mark, like the catalogue's export
    return list(csv.reader(io.StringIO(text)))


def as_text(row: list) -> list[str]:
    return ["" if value is None else str(value) for value in row]


class Tables(HTMLParser):
    """The cells' text of every table on a page, row by row, keyed by the table's class."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: list[list[str]] | None = None
        self._cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._table = self.tables.setdefault(dict(attrs).get("class") or "", [])
        elif tag == "tr" and self._table is not None:
            self._table.append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self._table[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def money_text(amount: str, locale: str) -> str:
    return " ".join(format_currency(Decimal(amount), "USD", locale=locale).split())


def number_text(value, locale: str) -> str:
    return format_decimal(Decimal(value), locale=locale)


# --- the figures ---------------------------------------------------------------------------


def test_aging_by_customer_as_of_today(client, make_user):
    books = build_books(client, make_user)
    data = report(client, books.owner, "aging")
    assert data["currency"] == "USD" and data["asOf"] == TODAY.isoformat()
    rows = [[c["customerName"], *(c[k] for k in AGING_HEADER[1:])] for c in data["customers"]]
    assert rows == AGING_ROWS
    ids = [c["customerId"] for c in data["customers"]]
    assert ids == [books.customers["nandu"], None, books.customers["alamo"]]
    assert [data["totals"][k] for k in AGING_HEADER[1:]] == AGING_TOTALS
    # The range does not move "as of today"; the bad one is still refused.
    assert report(client, books.owner, "aging", "period=last_month") == data

    table = csv_rows(client.get(f"{REPORTS}/aging?format=csv", headers=bearer(books.owner)))
    assert table[0] == ["customerId", *AGING_HEADER]
    rows = [as_text([c or "", *row]) for c, row in zip(ids, AGING_ROWS, strict=True)]
    assert table[1:] == [*rows, as_text(["", "Total", *AGING_TOTALS])]


def test_quotes_conversion_time_to_acceptance_and_pipeline(client, make_user):
    books = build_books(client, make_user)
    data = report(client, books.owner, "quotes")
    assert (data["currency"], data["from"], data["to"]) == ("USD", FROM.isoformat(), TO.isoformat())
    assert {k: data[k] for k in QUOTE_SUMMARY} == QUOTE_SUMMARY
    assert data["byStatus"] == [
        {"status": status, "count": 1, "total": total}
        for status, total in zip(
            STATUSES, ("100.00", "200.00", "400.00", "600.00", "300.00", "500.00"), strict=True
        )
    ]
    assert data["byMonth"] == expected_months()
    # Every month's figures add up to the range's.
    assert sum(m["count"] for m in data["byMonth"]) == data["count"]
    assert sum(Decimal(m["total"]) for m in data["byMonth"]) == Decimal(data["total"])

    table = csv_rows(
        client.get(f"{REPORTS}/quotes?{RANGE}&format=csv", headers=bearer(books.owner))
    )
    per_status = [f"{s.lower()}{part}" for s in STATUSES for part in ("Count", "Total")]
    tail = ["wonCount", "decidedCount", "conversionRate", "averageDaysToAccept"]
    assert table[0] == ["month", "count", "total", *per_status, *tail]
    expected = [{**m} for m in expected_months()]
    expected.append({"month": "Total", **data, "byStatus": data["byStatus"]})
    assert table[1:] == [
        as_text(
            [
                m["month"],
                m["count"],
                m["total"],
                *[v for s in m["byStatus"] for v in (s["count"], s["total"])],
                *(m[k] for k in tail),
            ]
        )
        for m in expected
    ]


def test_sales_by_product_and_by_customer(client, make_user):
    books = build_books(client, make_user)
    data = report(client, books.owner, "sales")
    keys = ("name", "sku", "quantity", "net", "invoiceCount")
    assert [[p[k] for k in keys] for p in data["byProduct"]] == SALES_PRODUCTS
    product_ids = {p["name"]: p["productId"] for p in data["byProduct"]}
    assert product_ids == {
        "Consultoría": None,
        "Formación": None,
        "Licencia": books.products["licencia"],
        "Mano de obra": None,
        "Libro": books.products["libro"],
        "Tornillo": books.products["tornillo"],
        "Ajuste": None,
    }
    keys = ("customerName", "net", "invoiceCount")
    assert [[c[k] for k in keys] for c in data["byCustomer"]] == SALES_CUSTOMERS
    assert [c["customerId"] for c in data["byCustomer"]] == [
        books.customers["alamo"],
        books.customers["nandu"],
        None,
    ]
    assert data["totals"] == SALES_TOTALS
    # Both tables add up to the invoices' own net (subtotal less discounts).
    own_net = sum(
        Decimal(books.invoices[k]["subtotal"]) - Decimal(books.invoices[k]["discountTotal"])
        for k in IN_RANGE
    )
    for table in ("byProduct", "byCustomer"):
        assert sum(Decimal(r["net"]) for r in data[table]) == own_net == Decimal("1773.50")

    table = csv_rows(
        client.get(f"{REPORTS}/sales?{RANGE}", headers=bearer(books.owner, Accept="text/csv"))
    )
    assert table[0] == ["section", "id", "sku", "name", "quantity", "net", "invoiceCount"]
    products = [
        ["product", product_ids[name] or "", sku or "", name, quantity, net, count]
        for name, sku, quantity, net, count in SALES_PRODUCTS
    ]
    customers = [
        ["customer", c["customerId"] or "", "", c["customerName"], "", c["net"], c["invoiceCount"]]
        for c in data["byCustomer"]
    ]
    total = ["", "", "Total", "", "1773.50", 6]
    assert table[1:] == [
        as_text(row) for row in [*products, ["product", *total], *customers, ["customer", *total]]
    ]


def test_taxes_per_rate_equal_the_invoices_own_totals(client, make_user):
    books = build_books(client, make_user)
    data = report(client, books.owner, "taxes")
    keys = ("taxPercent", "base", "tax", "surcharge", "total", "invoiceCount")
    assert [[r[k] for k in keys] for r in data["rates"]] == TAX_RATES
    assert [data["totals"][k] for k in keys[1:]] == TAX_TOTALS
    own = [books.invoices[k] for k in IN_RANGE]
    assert Decimal(data["totals"]["base"]) == sum(
        Decimal(i["subtotal"]) - Decimal(i["discountTotal"]) for i in own
    )
    assert Decimal(data["totals"]["tax"]) == sum(Decimal(i["taxTotal"]) for i in own)
    assert Decimal(data["totals"]["total"]) == sum(Decimal(i["total"]) for i in own)

    table = csv_rows(client.get(f"{REPORTS}/taxes?{RANGE}&format=csv", headers=bearer(books.owner)))
    assert table == [
        ["taxPercent", "base", "tax", "surcharge", "total", "invoiceCount"],
        *(as_text(row) for row in TAX_RATES),
        as_text(["Total", *TAX_TOTALS]),
    ]
    english = client.get(f"{REPORTS}/taxes?{RANGE}&format=csv", headers=bearer(books.owner, **EN))
    assert csv_rows(english)[-1] == as_text(["Total", *TAX_TOTALS])


def test_tax_sums_equal_the_invoices_to_the_cent_whatever_the_rounding(client, make_user):
    """Lines whose tax and discount round half-up one by one (tests.test_api_quotes'
    mixed lines), in many quantities: the report's sums are the invoices' own, exactly."""
    owner = make_user()
    product = new_product(client, owner, "Tornillo", "TOR", "0.35", "16")
    own = []
    for n in range(1, 8):
        lines = mixed_lines(product)
        for extra in lines:
            extra["quantity"] = str(Decimal(str(extra["quantity"])) * n + Decimal("0.001") * n)
        own.append(issue(client, owner, "Cliente Suelto", n * 7, None, lines))
    data = report(client, owner, "taxes", "period=last_12_months")
    base = sum(Decimal(i["subtotal"]) - Decimal(i["discountTotal"]) for i in own)
    assert Decimal(data["totals"]["base"]) == base
    assert Decimal(data["totals"]["tax"]) == sum(Decimal(i["taxTotal"]) for i in own)
    assert Decimal(data["totals"]["total"]) == sum(Decimal(i["total"]) for i in own)
    assert [r["taxPercent"] for r in data["rates"]] == ["0.00", "8.00", "10.00", "16.00"]
    for key in ("base", "tax", "total"):
        assert sum(Decimal(r[key]) for r in data["rates"]) == Decimal(data["totals"][key])
    sales = report(client, owner, "sales", "period=last_12_months")
    assert Decimal(sales["totals"]["net"]) == base


def test_the_other_organisation_sees_only_its_own(client, make_user):
    books = build_books(client, make_user)
    theirs = report(client, books.other, "sales")
    assert theirs["totals"] == {"net": "1077.00", "invoiceCount": 3}  # 3 × (350.00 + 9.00)
    assert [c["customerName"] for c in theirs["byCustomer"]] == ["Ñandú Textil"]
    assert report(client, books.other, "aging")["totals"]["invoiceCount"] == 4
    assert report(client, books.other, "quotes")["wonCount"] == 1
    stranger = make_user()  # a third organisation: nothing at all
    empty_aging = report(client, stranger, "aging")
    assert empty_aging["customers"] == [] and empty_aging["totals"]["total"] == "0.00"
    sales = report(client, stranger, "sales")
    assert sales["byProduct"] == sales["byCustomer"] == [] and sales["totals"]["net"] == "0.00"
    taxes = report(client, stranger, "taxes")
    assert taxes["rates"] == [] and taxes["totals"]["invoiceCount"] == 0
    quotes = report(client, stranger, "quotes")
    assert quotes["count"] == 0 and quotes["conversionRate"] is None
    assert quotes["averageDaysToAccept"] is None


# --- the pages -----------------------------------------------------------------------------


def page_tables(client, path: str, **headers) -> tuple[str, dict[str, list[list[str]]]]:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    html = response.get_data(as_text=True)
    return html, Tables(html).tables


def test_report_pages_show_every_figure_in_spanish_and_english(client, make_user):
    books = build_books(client, make_user)
    login(client, books.owner.email)
    for locale, headers in (("es", {}), ("en", EN)):

        def money(amount: str, locale=locale) -> str:
            return money_text(amount, locale)

        def number(value, locale=locale) -> str:
            return number_text(value, locale)

        total = "Total"
        html, tables = page_tables(client, "/reports/aging", **headers)
        assert tables["report"][1:] == [
            [row[0], number(row[1]), *(money(a) for a in row[2:])] for row in AGING_ROWS
        ] + [[total, number(AGING_TOTALS[0]), *(money(a) for a in AGING_TOTALS[1:])]]
        assert 'href="/reports/aging?format=csv"' in html

        html, tables = page_tables(client, f"/reports/sales?{RANGE}", **headers)
        assert tables["report by-product"][1:] == [
            [
                name if sku else f"{name} ({'sin producto' if locale == 'es' else 'no product'})",
                sku or "—",
                number(quantity),
                number(count),
                money(net),
            ]
            for name, sku, quantity, net, count in SALES_PRODUCTS
        ] + [[total, "", "", number(6), money("1773.50")]]
        assert tables["report by-customer"][1:] == [
            [name, number(count), money(net)] for name, net, count in SALES_CUSTOMERS
        ] + [[total, number(6), money("1773.50")]]
        csv_link = f"/reports/sales?format=csv&amp;from={FROM.isoformat()}&amp;to={TO.isoformat()}"
        assert f'href="{csv_link}"' in html
        download = client.get(csv_link.replace("&amp;", "&"), headers=headers)
        api = client.get(
            f"{REPORTS}/sales?{RANGE}&format=csv", headers=bearer(books.owner, **headers)
        )
        assert csv_rows(download) == csv_rows(api)

        html, tables = page_tables(client, f"/reports/taxes?{RANGE}", **headers)
        assert tables["report"][1:] == [
            [f"{number(rate)} %", money(base), money(tax), money(re), money(gross), number(count)]
            for rate, base, tax, re, gross, count in TAX_RATES
        ] + [[total, *(money(a) for a in TAX_TOTALS[:4]), number(TAX_TOTALS[4])]]

        html, tables = page_tables(client, f"/reports/quotes?{RANGE}", **headers)
        assert f"{number('50.00')} %" in html and f">{number('3.3')}<" in html
        assert tables["report by-status"][1:] == [
            [label, number(1), money(amount)]
            for label, amount in zip(
                STATUS_WORDS[locale],
                ("100.00", "200.00", "400.00", "600.00", "300.00", "500.00"),
                strict=True,
            )
        ] + [[total, number(6), money("2100.00")]]
        months = tables["report by-month"][1:]
        assert len(months) == len(period_months())
        for shown, expected in zip(months, expected_months(), strict=True):
            cells = [f"{number(s['count'])} {money(s['total'])}" for s in expected["byStatus"]]
            cells.append(f"{number(expected['count'])} {money(expected['total'])}")
            rate = expected["conversionRate"]
            days = expected["averageDaysToAccept"]
            cells.append(f"{number(rate)} %" if rate else "—")
            cells.append(number(days) if days else "—")
            assert shown[1:] == cells


STATUS_WORDS = {
    "es": ["Borrador", "Enviada", "Aceptada", "Rechazada", "Vencida", "Convertida"],
    "en": ["Draft", "Sent", "Accepted", "Rejected", "Expired", "Converted"],
}
