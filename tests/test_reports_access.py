"""Reports: who may read them (every role, on Pro), what a bad request gets, the formats,
CSV's formula guard, and a constant number of SQL statements however many documents."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from portal.security import identity_cache
from tests.conftest import assert_envelope, bearer, login, org_today
from tests.test_api_quotes import (
    INVOICES,
    QUOTES,
    act,
    create_invoice,
    create_quote,
    new_customer,
    new_product,
)
from tests.test_reports import EN, RANGE, REPORTS, csv_rows, day, line, report

YEAR = org_today().year  # ranges written from the suite's clock
NAMES = ("aging", "quotes", "sales", "taxes")


# --- plans and roles -----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_free_plan_gets_403_plan_required_on_the_api_and_the_page(client, make_user, name):
    owner = make_user(plan="FREE")
    refused = assert_envelope(
        client.get(f"{REPORTS}/{name}", headers=bearer(owner)), 403, "PLAN_REQUIRED"
    )
    assert refused["error"] == "Función disponible en el plan Pro"
    english = client.get(f"{REPORTS}/{name}?format=csv", headers=bearer(owner, **EN))
    assert assert_envelope(english, 403, "PLAN_REQUIRED")["error"] == (
        "Feature available on the Pro plan"
    )
    login(client, owner.email)
    page = client.get(f"/reports/{name}")
    assert page.status_code == 403
    html = page.get_data(as_text=True)
    assert "Función disponible en el plan Pro" in html
    assert "Pro y Empresa incluyen informes" in html
    assert 'href="/settings/billing"' in html  # the OWNER may change the plan


def test_free_plan_lists_the_reports_and_explains_the_plans(client, make_user):
    owner = make_user(plan="FREE")
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    login(client, owner.email)
    html = client.get("/reports/").get_data(as_text=True)
    assert "Los informes son parte del plan Pro" in html
    assert 'href="/settings/billing"' in html
    assert 'href="/reports/aging"' not in html  # no link to a page that would refuse
    for title in ("Antigüedad de saldos", "Conversión de cotizaciones", "Ventas", "Impuestos"):
        assert title in html
    viewer_client = client.application.test_client()
    login(viewer_client, viewer.email)
    html = viewer_client.get("/reports/", headers=EN).get_data(as_text=True)
    assert "Reports are part of the Pro plan" in html
    assert "Ask the owner of your organisation to change the plan." in html
    assert 'href="/settings/billing"' not in html


@pytest.mark.parametrize("role", ["VIEWER", "OPERATOR", "ACCOUNTANT", "ADMIN", "OWNER"])
def test_every_role_reads_reports_on_pro(client, make_user, role):
    member = make_user(role=role)
    for name in NAMES:
        assert_envelope(client.get(f"{REPORTS}/{name}", headers=bearer(member)), 200)
    login(client, member.email)
    index = client.get("/reports/", headers=EN).get_data(as_text=True)
    assert '<a href="/reports/" aria-current="page">Reports</a>' in index  # the menu
    for name in NAMES:
        assert f'href="/reports/{name}"' in index
        assert client.get(f"/reports/{name}").status_code == 200


def test_anonymous_callers_are_asked_to_sign_in(client):
    assert_envelope(client.get(f"{REPORTS}/sales"), 401, "UNAUTHORIZED")
    page = client.get("/reports/sales")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_an_unknown_report_is_404(client, make_user):
    owner = make_user()
    for path in ("/api/v1/reports/profits", "/api/v1/reports/", "/api/v1/reports/SALES"):
        assert_envelope(client.get(path, headers=bearer(owner)), 404, "NOT_FOUND")
    login(client, owner.email)
    assert client.get("/reports/profits").status_code == 404


# --- bad requests --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "errors"),
    [
        (f"from={YEAR}-13-01", {"from": "Fecha inválida"}),
        (f"from=x&to=31/12/{YEAR}", {"from": "Fecha inválida", "to": "Fecha inválida"}),
        (
            f"from={YEAR}-05-01&to={YEAR}-04-30",
            {"to": "El final del periodo no puede ser anterior a su inicio"},
        ),
        (
            f"from={YEAR - 6}-01-01&to={YEAR}-01-01",
            {"to": "El periodo puede abarcar como máximo 5 años"},
        ),
    ],
)
@pytest.mark.parametrize("name", NAMES)
def test_bad_ranges_are_400_naming_the_field(client, make_user, name, query, errors):
    owner = make_user()
    refused = client.get(f"{REPORTS}/{name}?{query}", headers=bearer(owner))
    assert assert_envelope(refused, 400, "VALIDATION_ERROR")["errors"] == errors
    as_csv = client.get(f"{REPORTS}/{name}?{query}&format=csv", headers=bearer(owner))
    assert assert_envelope(as_csv, 400, "VALIDATION_ERROR")["errors"] == errors


def test_a_bad_range_on_the_page_is_shown_next_to_its_field(client, make_user):
    owner = make_user()
    login(client, owner.email)
    page = client.get(f"/reports/taxes?from={YEAR}-02-30&to={YEAR}-03-31")
    assert page.status_code == 400
    html = page.get_data(as_text=True)
    assert '<p class="field-error" id="from-error">Fecha inválida</p>' in html
    assert f'value="{YEAR}-02-30"' in html and f'value="{YEAR}-03-31"' in html
    assert "Descargar CSV" not in html and '<table class="report">' not in html
    english = client.get(f"/reports/quotes?from={YEAR}-05-01&to={YEAR}-04-01", headers=EN)
    assert english.status_code == 400
    assert "The end of the range cannot be before its start" in english.get_data(as_text=True)


def test_formats(client, make_user):
    owner = make_user()
    refused = client.get(f"{REPORTS}/sales?format=xml", headers=bearer(owner))
    errors = assert_envelope(refused, 400, "VALIDATION_ERROR")["errors"]
    assert errors == {"format": "Formato desconocido: usa csv o no lo indiques"}
    as_json = client.get(f"{REPORTS}/sales?format=JSON", headers=bearer(owner, Accept="text/csv"))
    assert assert_envelope(as_json, 200)["data"]["byProduct"] == []
    by_header = client.get(f"{REPORTS}/taxes?{RANGE}", headers=bearer(owner, Accept="text/csv"))
    assert by_header.mimetype == "text/csv"
    assert by_header.headers["Content-Disposition"] == (
        f'attachment; filename="taxes_{day(89)}_{day(1)}.csv"'
    )
    assert by_header.headers["Cache-Control"] == "no-store"
    browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
    as_browser = client.get(f"{REPORTS}/taxes", headers=bearer(owner, Accept=browser))
    assert_envelope(as_browser, 200)
    aging = client.get(f"{REPORTS}/aging?format=csv", headers=bearer(owner))
    assert aging.headers["Content-Disposition"] == f'attachment; filename="aging_{day(0)}.csv"'
    login(client, owner.email)
    assert client.get("/reports/sales?format=json").status_code == 400
    assert client.get("/reports/sales?format=html").status_code == 200


def test_csv_cells_cannot_become_spreadsheet_formulas(client, make_user):
    owner = make_user()
    tricky = '=HYPERLINK("http://evil.example")'
    document = create_invoice(
        client, owner, [line("+SUM(A1:A9)", "1", "10.00", "21")], customerName=tricky
    )
    act(client, owner, f"{INVOICES}/{document['id']}/issue")
    sales = csv_rows(client.get(f"{REPORTS}/sales?format=csv", headers=bearer(owner)))
    assert sales[1][3] == "'+SUM(A1:A9)"
    assert sales[3][3] == "'" + tricky
    aging = csv_rows(client.get(f"{REPORTS}/aging?format=csv", headers=bearer(owner)))
    assert aging[1][1] == "'" + tricky
    # The JSON keeps the text as written.
    assert report(client, owner, "sales", "")["byCustomer"][0]["customerName"] == tricky


# --- a constant number of statements -------------------------------------------------------


@contextmanager
def counted_statements(app):
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["portal.db"]
    identity_cache.forget_all()  # the caller is read afresh: counted like a first request
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def add_documents(client, member, customers: list[str], products: list[str], count: int) -> None:
    """``count`` issued invoices and sent or accepted quotes, spread over the range, over
    several customers and products, with lines with and without a product."""
    for n in range(count):
        lines = [
            {"productId": products[n % len(products)], "quantity": str(n + 1)},
            line(f"Servicio {n % 4}", "1", f"{10 + n}.00", ("0", "4", "10", "21")[n % 4]),
        ]
        who = (
            {"customerId": customers[n % len(customers)]}
            if n % 3
            else {"customerName": f"Suelto {n}"}
        )
        document = create_invoice(
            client, member, lines, invoiceDate=day(2 + n * 2), dueDate=day(n), **who
        )
        act(client, member, f"{INVOICES}/{document['id']}/issue")
        quote = create_quote(client, member, customers[n % len(customers)], issueDate=day(2 + n))
        act(client, member, f"{QUOTES}/{quote['id']}/send")
        if n % 2:
            act(client, member, f"{QUOTES}/{quote['id']}/accept")


def statements_per_report(client, app, member) -> dict[str, int]:
    counts = {}
    for name in NAMES:
        for fmt in ("json", "csv"):
            with counted_statements(app) as statements:
                response = client.get(
                    f"{REPORTS}/{name}?{RANGE}&format={fmt}", headers=bearer(member)
                )
            assert response.status_code == 200
            # SQLite's BEGIN is a statement of its own; PostgreSQL's driver sends it unseen.
            counts[f"{name}.{fmt}"] = sum(1 for s in statements if s != "BEGIN")
    return counts


def test_each_report_takes_the_same_statements_for_3_or_30_invoices(app, client, make_user):
    owner = make_user()
    customers = [new_customer(client, owner, f"Cliente {n}") for n in range(5)]
    products = [new_product(client, owner, f"Producto {n}", f"P{n}") for n in range(4)]
    add_documents(client, owner, customers, products, 3)
    few = statements_per_report(client, app, owner)
    add_documents(client, owner, customers, products, 27)
    many = statements_per_report(client, app, owner)
    assert many == few
    # One statement to know the caller (user and organisation), then the report's own
    # aggregate queries: aging by customer and the totals; quotes by month and status over
    # the running totals (the range is the sum of its months); sales by product, by
    # customer, and the totals from the running daily totals; taxes by rate, and the day's
    # invoices (their count and withholdings) from the running totals.
    own = {"aging": 2, "quotes": 1, "sales": 3, "taxes": 2}
    assert few == {f"{name}.{fmt}": 1 + n for name, n in own.items() for fmt in ("json", "csv")}
