"""A customer's account statement: API, page (es, en) and PDF agree to the cent.

The books (dates relative to the organisation's today ``T``; the period is T-60 … T-15):

| invoice | dated | due | total | state | payments |
| I1 | T-120 (before) | T-90 | 1234.56 | partly paid, overdue | 400.00 T-100 (before), 250.50 T-40 |
| I2 | T-50 | T-35 | 500.25 | paid | 500.25 T-30 |
| I3 | T-45 | — | 300.00 | draft (not owed) | |
| I4 | T-40 | — | 200.00 | void (never owed) | |
| I5 | T-20 | T+10 | 150.10 | partly paid | 50.00 T-10 (after) |
| I6 | T-5 (after) | T-1 | 80.00 | partly paid, overdue | 30.00 T-2 (after) |
| I7 | T-60 (first day) | T+5 | 99.99 | paid | 99.99 T-15 (last day) |

Opening (T-61) = 1234.56 − 400.00 = 834.56. In the period: debits 99.99 + 500.25 + 150.10 =
750.34, credits 250.50 + 500.25 + 99.99 = 850.74; closing 734.16. Today: open 584.06 + 100.10
+ 50.00 = 734.16, overdue 584.06 + 50.00 = 634.06 (2 invoices).

Another customer of the organisation and another organisation's customer have invoices,
payments and quotes on the same days, with amounts that must never appear.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pypdf
import pytest
from babel.numbers import format_currency

from portal.periods import last_12_months
from tests.conftest import assert_envelope, bearer, org_today
from tests.test_api_quotes import INVOICES, QUOTES, act, create_quote, simple_line
from tests.test_fiscal_profile import switch_currency_as_before_the_lock
from tests.test_pages import field_error, logged_in, speak_english

T = org_today()
START, END = T - timedelta(days=60), T - timedelta(days=15)
PERIOD = {"from": START.isoformat(), "to": END.isoformat()}
FOREIGN_AMOUNTS = ("777.77", "100.00", "888.88", "88.88", "4321.00", "654.32")


def day(n: int) -> str:
    return (T - timedelta(days=n)).isoformat()


def customer(client, member, name: str) -> str:
    response = client.post(
        "/api/v1/customers",
        json={"name": name, "email": "cliente@example.com"},
        headers=bearer(member),
    )
    return assert_envelope(response, 201)["data"]["id"]


def invoice(client, member, customer_id, price, dated, due=None, *, issue=True) -> dict:
    body = {
        "customerId": customer_id,
        "invoiceDate": day(dated),
        "lines": [simple_line(price)],
    }
    if due is not None:
        body["dueDate"] = (T - timedelta(days=due)).isoformat()
    created = assert_envelope(client.post(INVOICES, json=body, headers=bearer(member)), 201)
    data = created["data"]
    if issue:
        data = act(client, member, f"{INVOICES}/{data['id']}/issue")["data"]
    return data


def pay(client, member, invoice_id, amount, paid) -> None:
    body = {"amount": amount, "paidOn": day(paid), "method": "TRANSFER"}
    act(client, member, f"{INVOICES}/{invoice_id}/payments", 201, json=body)


def books(client, make_user) -> dict:
    """The table above, plus the data that must stay out. Returns ids and numbers."""
    owner = make_user(role="OWNER")
    uno = customer(client, owner, "Ferretería Núñez")
    i1 = invoice(client, owner, uno, "1234.56", 120, 90)
    pay(client, owner, i1["id"], "400.00", 100)
    pay(client, owner, i1["id"], "250.50", 40)
    i2 = invoice(client, owner, uno, "500.25", 50, 35)
    pay(client, owner, i2["id"], "500.25", 30)
    i3 = invoice(client, owner, uno, "300.00", 45, issue=False)
    i4 = invoice(client, owner, uno, "200.00", 40)
    act(client, owner, f"{INVOICES}/{i4['id']}/void")
    i5 = invoice(client, owner, uno, "150.10", 20, -10)
    pay(client, owner, i5["id"], "50.00", 10)
    i6 = invoice(client, owner, uno, "80.00", 5, 1)
    pay(client, owner, i6["id"], "30.00", 2)
    i7 = invoice(client, owner, uno, "99.99", 60, -5)
    pay(client, owner, i7["id"], "99.99", 15)
    # Quotes: expired (sent, validity over), draft, accepted in the period; one before it.
    q1 = create_quote(
        client, owner, uno, [simple_line("700.00")], issueDate=day(55), validUntil=day(25)
    )
    act(client, owner, f"{QUOTES}/{q1['id']}/send")
    q2 = create_quote(client, owner, uno, [simple_line("120.00")], issueDate=day(30))
    q3 = create_quote(
        client, owner, uno, [simple_line("330.00")], issueDate=day(20), validUntil=day(-10)
    )
    act(client, owner, f"{QUOTES}/{q3['id']}/send")
    act(client, owner, f"{QUOTES}/{q3['id']}/accept")
    create_quote(client, owner, uno, [simple_line("45.00")], issueDate=day(100))

    # Another customer of the same organisation, on the same days.
    dos = customer(client, owner, "Cliente Dos")
    other = invoice(client, owner, dos, "777.77", 30, 20)
    pay(client, owner, other["id"], "100.00", 30)
    create_quote(client, owner, dos, [simple_line("4321.00")], issueDate=day(30))
    # Another organisation's customer, on the same days.
    stranger = make_user(role="OWNER")
    ajeno = customer(client, stranger, "Cliente Ajeno")
    theirs = invoice(client, stranger, ajeno, "888.88", 30, 20)
    pay(client, stranger, theirs["id"], "88.88", 30)
    create_quote(client, stranger, ajeno, [simple_line("654.32")], issueDate=day(30))
    return {
        "owner": owner,
        "stranger": stranger,
        "customer": uno,
        "foreign_customer": ajeno,
        "invoices": [i1, i2, i3, i4, i5, i6, i7],
        "quotes": [q1, q2, q3],
    }


def statement(client, member, customer_id, status=200, code=None, **params):
    response = client.get(
        f"/api/v1/customers/{customer_id}/statement", query_string=params, headers=bearer(member)
    )
    return assert_envelope(response, status, code)


def expected_movements(n: dict) -> list[tuple]:
    """(date, type, invoice number, debit, credit, balance) in the period, in order."""
    i1, i2, _i3, _i4, i5, _i6, i7 = (i["invoiceNumber"] for i in n["invoices"])
    return [
        (day(60), "INVOICE", i7, "99.99", "0.00", "934.55"),
        (day(50), "INVOICE", i2, "500.25", "0.00", "1434.80"),
        (day(40), "PAYMENT", i1, "0.00", "250.50", "1184.30"),
        (day(30), "PAYMENT", i2, "0.00", "500.25", "684.05"),
        (day(20), "INVOICE", i5, "150.10", "0.00", "834.15"),
        (day(15), "PAYMENT", i7, "0.00", "99.99", "734.16"),
    ]


def movement_rows(items: list[dict]) -> list[tuple]:
    keys = ("date", "type", "invoiceNumber", "debit", "credit", "balance")
    return [tuple(item[k] for k in keys) for item in items]


# --- the API --------------------------------------------------------------------------------


def test_statement_figures_to_the_cent(client, make_user):
    n = books(client, make_user)
    body = statement(client, n["owner"], n["customer"], **PERIOD)
    assert body["message"] == "Solicitud completada"
    data = body["data"]
    assert data["customer"]["id"] == n["customer"]
    assert data["customer"]["name"] == "Ferretería Núñez"
    assert (data["currency"], data["from"], data["to"]) == (
        "USD",
        START.isoformat(),
        END.isoformat(),
    )
    assert data["asOf"] == T.isoformat()
    figures = {
        k: data[k]
        for k in (
            "openingBalance",
            "invoiced",
            "paid",
            "closingBalance",
            "openBalance",
            "overdueBalance",
            "openCount",
            "overdueCount",
        )
    }
    assert figures == {
        "openingBalance": "834.56",
        "invoiced": "750.34",
        "paid": "850.74",
        "closingBalance": "734.16",
        "openBalance": "734.16",
        "overdueBalance": "634.06",
        "openCount": 3,
        "overdueCount": 2,
    }
    movements = data["movements"]
    assert movements["count"] == 6 and movements["nextCursor"] is None
    assert movement_rows(movements["items"]) == expected_movements(n)
    i1, i2, *_ = n["invoices"]
    first_payment = movements["items"][2]
    assert first_payment["invoiceId"] == i1["id"] and first_payment["method"] == "TRANSFER"
    assert first_payment["paymentId"].startswith("pay_")
    assert movements["items"][1]["paymentId"] is None and movements["items"][1]["method"] is None

    # The running balance: opening + debits − credits at every line, closing at the last.
    balance = Decimal(data["openingBalance"])
    for item in movements["items"]:
        balance += Decimal(item["debit"]) - Decimal(item["credit"])
        assert Decimal(item["balance"]) == balance
    assert balance == Decimal(data["closingBalance"])
    assert Decimal(data["openingBalance"]) + Decimal(data["invoiced"]) - Decimal(
        data["paid"]
    ) == Decimal(data["closingBalance"])

    # Documents dated in the period, newest first; every status of an invoice is listed.
    invoices = {(i["invoiceNumber"]): i for i in data["invoices"]["items"]}
    i1, i2, i3, i4, i5, _i6, i7 = n["invoices"]
    assert [i["invoiceNumber"] for i in data["invoices"]["items"]] == [
        i5["invoiceNumber"],
        i4["invoiceNumber"],
        i3["invoiceNumber"],
        i2["invoiceNumber"],
        i7["invoiceNumber"],
    ]
    assert data["invoices"]["count"] == 5
    summary = {
        number: (i["status"], i["overdue"], i["total"], i["amountPaid"], i["balance"])
        for number, i in invoices.items()
    }
    assert summary == {
        i5["invoiceNumber"]: ("PARTIALLY_PAID", False, "150.10", "50.00", "100.10"),
        i4["invoiceNumber"]: ("VOID", False, "200.00", "0.00", "200.00"),
        i3["invoiceNumber"]: ("DRAFT", False, "300.00", "0.00", "300.00"),
        i2["invoiceNumber"]: ("PAID", False, "500.25", "500.25", "0.00"),
        i7["invoiceNumber"]: ("PAID", False, "99.99", "99.99", "0.00"),
    }
    assert invoices[i2["invoiceNumber"]]["invoiceDate"] == day(50)
    assert invoices[i2["invoiceNumber"]]["dueDate"] == day(35)
    payments = [
        (p["paidOn"], p["invoiceNumber"], p["method"], p["amount"])
        for p in data["payments"]["items"]
    ]
    assert payments == [
        (day(15), i7["invoiceNumber"], "TRANSFER", "99.99"),
        (day(30), i2["invoiceNumber"], "TRANSFER", "500.25"),
        (day(40), i1["invoiceNumber"], "TRANSFER", "250.50"),
    ]
    assert data["payments"]["count"] == 3
    q1, q2, q3 = n["quotes"]
    quotes = [
        (q["quoteNumber"], q["issueDate"], q["status"], q["total"]) for q in data["quotes"]["items"]
    ]
    assert quotes == [
        (q3["quoteNumber"], day(20), "ACCEPTED", "330.00"),
        (q2["quoteNumber"], day(30), "DRAFT", "120.00"),
        (q1["quoteNumber"], day(55), "EXPIRED", "700.00"),
    ]
    assert data["quotes"]["count"] == 3

    text = str(data)
    for amount in FOREIGN_AMOUNTS:
        assert amount not in text


def test_the_default_period_is_the_last_12_months_and_ends_at_the_open_balance(client, make_user):
    n = books(client, make_user)
    data = statement(client, n["owner"], n["customer"])["data"]
    assert (data["from"], data["to"]) == (last_12_months(T).start.isoformat(), T.isoformat())
    # Everything happened within a year, so nothing is owed before it.
    assert data["openingBalance"] == "0.00"
    assert data["invoiced"] == "2064.90"  # 1234.56 + 500.25 + 150.10 + 80.00 + 99.99
    assert data["paid"] == "1330.74"  # 400 + 250.50 + 500.25 + 50 + 30 + 99.99
    assert data["closingBalance"] == data["openBalance"] == "734.16"
    assert data["movements"]["count"] == 11
    last = data["movements"]["items"][-1]
    assert (last["date"], last["credit"], last["balance"]) == (day(2), "30.00", "734.16")
    # A preset names the same kind of period: this month's movements only.
    this_month = statement(client, n["owner"], n["customer"], period="this_month")["data"]
    assert this_month["from"] == T.replace(day=1).isoformat()


def test_movements_are_paged_with_their_running_balance(client, make_user):
    n = books(client, make_user)
    seen, cursor = [], None
    while True:
        params = {**PERIOD, "limit": 4, **({"cursor": cursor} if cursor else {})}
        data = statement(client, n["owner"], n["customer"], **params)["data"]
        assert data["openingBalance"] == "834.56" and data["closingBalance"] == "734.16"
        seen += data["movements"]["items"]
        cursor = data["movements"]["nextCursor"]
        if cursor is None:
            break
    assert movement_rows(seen) == expected_movements(n)
    forged = statement(client, n["owner"], n["customer"], 400, "VALIDATION_ERROR", cursor="x")
    assert set(forged["errors"]) == {"cursor"}


def test_another_tenants_customer_is_not_found(client, make_user):
    n = books(client, make_user)
    missing = statement(client, n["owner"], n["foreign_customer"], 404, "NOT_FOUND")
    assert missing["message"] == "Cliente no encontrado"
    pdf = client.get(
        f"/api/v1/customers/{n['foreign_customer']}/statement/pdf", headers=bearer(n["owner"])
    )
    assert assert_envelope(pdf, 404, "NOT_FOUND")["message"] == "Cliente no encontrado"
    # 404 before a bad period's 400: another tenant's id reveals nothing.
    statement(client, n["owner"], n["foreign_customer"], 404, "NOT_FOUND", **{"from": "x"})
    browser = logged_in(client.application, n["owner"])
    for path in ("", "/statement/pdf"):
        page = browser.get(f"/customers/{n['foreign_customer']}{path}")
        assert page.status_code == 404
        assert "Cliente no encontrado" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"from": f"{org_today().year}-02-30"}, {"from"}),
        ({"to": "mañana"}, {"to"}),
        ({"from": "x", "to": "y"}, {"from", "to"}),
        ({"from": day(10), "to": day(20)}, {"to"}),
        ({"from": f"{org_today().year - 7}-01-01", "to": f"{org_today().year}-01-01"}, {"to"}),
    ],
)
def test_a_bad_period_is_a_400_naming_the_field(client, make_user, params, fields):
    owner = make_user(role="OWNER")
    customer_id = customer(client, owner, "Cliente Uno")
    refused = statement(client, owner, customer_id, 400, "VALIDATION_ERROR", **params)
    assert set(refused["errors"]) == fields
    pdf = client.get(
        f"/api/v1/customers/{customer_id}/statement/pdf", query_string=params, headers=bearer(owner)
    )
    assert set(assert_envelope(pdf, 400, "VALIDATION_ERROR")["errors"]) == fields
    page = logged_in(client.application, owner).get(
        f"/customers/{customer_id}", query_string=params
    )
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    for field in fields:
        field_error(html, f"period-{field}")


def test_a_viewer_on_the_free_plan_reads_statements(client, make_user):
    owner = make_user(role="OWNER", plan="FREE")
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    customer_id = customer(client, owner, "Cliente Uno")
    data = statement(client, viewer, customer_id)["data"]
    assert data["movements"] == {"items": [], "nextCursor": None, "count": 0}
    assert data["openBalance"] == data["closingBalance"] == "0.00"
    pdf = client.get(f"/api/v1/customers/{customer_id}/statement/pdf", headers=bearer(viewer))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    anonymous = client.get(f"/api/v1/customers/{customer_id}/statement")
    assert_envelope(anonymous, 401, "UNAUTHORIZED")


def test_documents_in_another_currency_are_listed_but_not_added_up(client, make_user):
    owner = make_user(role="OWNER")
    customer_id = customer(client, owner, "Cliente Uno")
    invoice(client, owner, customer_id, "100.00", 10, 1)
    switch_currency_as_before_the_lock(client.application, owner.organization_id, "EUR")
    invoice(client, owner, customer_id, "50.00", 5, 1)
    data = statement(client, owner, customer_id)["data"]
    assert data["currency"] == "EUR"
    assert (data["invoiced"], data["openBalance"], data["overdueBalance"]) == ("50.00",) * 3
    assert [m["debit"] for m in data["movements"]["items"]] == ["50.00"]
    listed = {(i["currency"], i["total"]) for i in data["invoices"]["items"]}
    assert listed == {("USD", "100.00"), ("EUR", "50.00")}


def test_same_day_invoices_come_before_payments(client, make_user):
    owner = make_user(role="OWNER")
    customer_id = customer(client, owner, "Cliente Uno")
    first = invoice(client, owner, customer_id, "10.00", 3)
    pay(client, owner, first["id"], "10.00", 3)
    second = invoice(client, owner, customer_id, "20.00", 3)
    items = statement(client, owner, customer_id)["data"]["movements"]["items"]
    assert [(m["type"], m["invoiceNumber"], m["balance"]) for m in items] == [
        ("INVOICE", first["invoiceNumber"], "10.00"),
        ("INVOICE", second["invoiceNumber"], "30.00"),
        ("PAYMENT", first["invoiceNumber"], "20.00"),
    ]


# --- the page -------------------------------------------------------------------------------


class _Rows(HTMLParser):
    """The cells' text of every table row carrying ``data-<marker>``, with its value."""

    def __init__(self, marker: str) -> None:
        super().__init__(convert_charrefs=True)
        self.marker = f"data-{marker}"
        self.rows: list[tuple[str, list[str]]] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag == "tr":
            self._row = [] if self.marker in values else None
            if self._row is not None:
                self.rows.append((values[self.marker] or "", self._row))
        elif tag in {"td", "th"} and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in {"td", "th"} and self._row is not None and self._cell is not None:
            self._row.append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def rows(html: str, marker: str) -> list[tuple[str, list[str]]]:
    parser = _Rows(marker)
    parser.feed(html)
    return parser.rows


def shown(amount: str, locale: str) -> str:
    return " ".join(format_currency(Decimal(amount), "USD", locale=locale).split())


@pytest.mark.parametrize("locale", ["es", "en"])
def test_the_customer_page_shows_the_statement(client, make_user, locale):
    n = books(client, make_user)
    browser = logged_in(client.application, n["owner"])
    if locale == "en":
        speak_english(browser)
    page = browser.get(f"/customers/{n['customer']}", query_string=PERIOD)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    flat = " ".join(html.split())
    heading = {"es": "Extracto de cuenta", "en": "Account statement"}[locale]
    assert heading in html
    figures = {
        "opening": "834.56",
        "invoiced": "750.34",
        "paid": "850.74",
        "closing": "734.16",
        "open": "734.16",
        "overdue": "634.06",
    }
    for name, amount in figures.items():
        match = re.search(rf'data-figure="{name}">([^<]*)<', html)
        assert match and " ".join(match.group(1).split()) == shown(amount, locale), name
    movements = rows(html, "movement")
    assert [kind for kind, _cells in movements] == [
        "opening",
        "INVOICE",
        "INVOICE",
        "PAYMENT",
        "PAYMENT",
        "INVOICE",
        "PAYMENT",
        "closing",
    ]
    assert movements[0][1][-1] == shown("834.56", locale)
    for (_kind, cells), expected in zip(movements[1:-1], expected_movements(n), strict=True):
        _day, kind, number, debit, credit, balance = expected
        assert cells[2] == number
        assert cells[3] == (shown(debit, locale) if kind == "INVOICE" else "")
        assert cells[4] == (shown(credit, locale) if kind == "PAYMENT" else "")
        assert cells[5] == shown(balance, locale)
    assert movements[-1][1][-3:] == [shown(a, locale) for a in ("750.34", "850.74", "734.16")]
    words = {
        "es": ("Saldo inicial", "Saldo final", "Cargo", "Abono", "Pago (Transferencia bancaria)"),
        "en": ("Opening balance", "Closing balance", "Debit", "Credit", "Payment (Bank transfer)"),
    }[locale]
    for word in words:
        assert word in html
    _i1, i2, i3, i4, i5, _i6, i7 = n["invoices"]
    invoices = {number: cells for number, cells in rows(html, "invoice")}
    assert list(invoices) == [i["invoiceNumber"] for i in (i5, i4, i3, i2, i7)]
    assert invoices[i5["invoiceNumber"]][-3:] == [
        shown(a, locale) for a in ("150.10", "50.00", "100.10")
    ]
    assert len(rows(html, "payment")) == 3 and len(rows(html, "quote")) == 3
    expired = {"es": "Vencida", "en": "Expired"}[locale]
    assert expired in dict(rows(html, "quote"))[n["quotes"][0]["quoteNumber"]][3]
    pdf_link = f"/customers/{n['customer']}/statement/pdf?from={START}&amp;to={END}"
    assert pdf_link in html
    for amount in FOREIGN_AMOUNTS:
        assert shown(amount, locale) not in flat
    assert 'class="table-wrap"' in html


def test_the_page_pages_movements_and_products_stay_as_they_were(client, make_user, monkeypatch):
    import portal.catalog.views

    n = books(client, make_user)
    monkeypatch.setattr(portal.catalog.views, "DEFAULT_LIMIT", 4)
    browser = logged_in(client.application, n["owner"])
    first = browser.get(f"/customers/{n['customer']}", query_string=PERIOD).get_data(as_text=True)
    next_link = re.search(r'<a rel="next" href="([^"]+)"', first)
    assert next_link
    second = browser.get(next_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    expected = expected_movements(n)
    one, two = rows(first, "movement"), rows(second, "movement")
    assert [kind for kind, _cells in one] == ["opening", "INVOICE", "INVOICE", "PAYMENT", "PAYMENT"]
    assert [kind for kind, _cells in two] == ["INVOICE", "PAYMENT", "closing"]
    balances = [cells[5] for _kind, cells in one[1:] + two[:-1]]
    assert balances == [shown(m[5], "es") for m in expected]
    assert "Primera página" in second and 'rel="next"' not in second

    mangled = browser.get(f"/customers/{n['customer']}", query_string={**PERIOD, "cursor": "x"})
    assert mangled.status_code == 302 and "cursor" not in mangled.headers["Location"]
    assert START.isoformat() in mangled.headers["Location"]
    product = client.post(
        "/api/v1/products",
        json={"name": "Tornillo", "sku": "TOR", "price": "1.00"},
        headers=bearer(n["owner"]),
    )
    product_id = assert_envelope(product, 201)["data"]["id"]
    product_page = browser.get(f"/products/{product_id}")
    assert product_page.status_code == 200
    assert "Extracto de cuenta" not in product_page.get_data(as_text=True)


# --- the PDF --------------------------------------------------------------------------------


def pdf_text(response) -> str:
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/pdf"
    reader = pypdf.PdfReader(io.BytesIO(response.data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


@pytest.mark.parametrize("locale", ["es", "en"])
def test_the_statement_pdf(client, make_user, locale):
    n = books(client, make_user)
    owner = n["owner"]
    settings = {"name": "Suministros Íñiguez", "locale": locale}
    assert_envelope(client.patch("/api/v1/organization", json=settings, headers=bearer(owner)), 200)
    api = client.get(
        f"/api/v1/customers/{n['customer']}/statement/pdf",
        query_string=PERIOD,
        headers=bearer(owner, **{"Accept-Language": "es" if locale == "en" else "en"}),
    )
    page = logged_in(client.application, owner).get(
        f"/customers/{n['customer']}/statement/pdf", query_string=PERIOD
    )
    for text in (pdf_text(api), pdf_text(page)):
        assert "Suministros Íñiguez" in text and "Ferretería Núñez" in text
        for figure in ("834.56", "750.34", "850.74", "734.16", "634.06"):
            assert shown(figure, locale) in text
        for expected in expected_movements(n):
            _day, kind, number, debit, credit, balance = expected
            amount = debit if kind == "INVOICE" else credit
            assert f"{number} {shown(amount, locale)}" in text
            assert shown(balance, locale) in text
        words = {
            "es": ("Extracto de cuenta", "Saldo inicial", "Saldo final", "Cargo", "Abono"),
            "en": ("Account statement", "Opening balance", "Closing balance", "Debit", "Credit"),
        }[locale]
        for word in words:
            assert word in text
        for amount in (*FOREIGN_AMOUNTS, "300.00", "200.00"):  # other books, draft, void
            assert shown(amount, locale) not in text


def test_a_pdf_with_more_movements_than_it_holds_is_refused(client, make_user, monkeypatch):
    from portal.statements import services

    n = books(client, make_user)
    monkeypatch.setattr(services, "PDF_MOVEMENTS", 5)
    refused = client.get(
        f"/api/v1/customers/{n['customer']}/statement/pdf",
        query_string=PERIOD,
        headers=bearer(n["owner"]),
    )
    assert set(assert_envelope(refused, 400, "VALIDATION_ERROR")["errors"]) == {"to"}
    html = (
        logged_in(client.application, n["owner"])
        .get(f"/customers/{n['customer']}", query_string=PERIOD)
        .get_data(as_text=True)
    )
    assert "/statement/pdf" not in html


# --- the cost -------------------------------------------------------------------------------


def test_a_statement_takes_the_same_queries_whatever_the_customers_size(client, make_user):
    from sqlalchemy import event

    from portal.extensions import db
    from portal.security import identity_cache

    owner = make_user(role="OWNER")
    small, large = customer(client, owner, "Pequeño"), customer(client, owner, "Grande")
    invoice(client, owner, small, "10.00", 3)
    for n in range(12):
        made = invoice(client, owner, large, "10.00", 3 + n)
        pay(client, owner, made["id"], "5.00", 2 + n)
        create_quote(client, owner, large, issueDate=day(3 + n))

    def queries(customer_id: str, path: str = "") -> int:
        seen: list[str] = []
        with client.application.app_context():
            engine = db.engine
        record = lambda *args: seen.append(args[2])  # noqa: E731
        identity_cache.forget_all()  # the caller is read afresh: counted like a first request
        event.listen(engine, "before_cursor_execute", record)
        try:
            response = client.get(
                f"/api/v1/customers/{customer_id}/statement{path}", headers=bearer(owner)
            )
            assert response.status_code == 200
        finally:
            event.remove(engine, "before_cursor_execute", record)
        return len(seen)

    assert 5 <= queries(small) == queries(large) <= 15
    assert queries(small, "/pdf") == queries(large, "/pdf")
