"""A document's lines are written in one INSERT on every backend (issue 16.2): the line
tables carry an insert sentinel (migration 0017), so SQLite too gets a batch's ids back in
the order of its lines; and each line keeps its own place, figures and id."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import event, select

from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceLine
from tests.conftest import assert_envelope, bearer
from tests.test_api_quotes import (
    INVOICES,
    QUOTES,
    invoice_body,
    new_customer,
    new_product,
    quote_body,
)
from tests.test_recurring import RECURRING
from tests.test_recurring import body as recurring_body

LINES = 12


def many_lines() -> list[dict]:
    return [
        {
            "description": f"Partida {n:02d}",
            "quantity": str(n),
            "unitPrice": f"{10 + n}.25",
            "taxPercent": ("0", "10", "21")[n % 3],
        }
        for n in range(1, LINES + 1)
    ]


class Inserts:
    """The INSERT statements a block sends, by table."""

    def __init__(self, app) -> None:
        self.engine = app.extensions["portal.db"]
        self.tables: list[str] = []
        self.statements: list[tuple[str, Any]] = []  # (statement, parameters)

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO "):
            self.tables.append(statement.split()[2].strip('"'))
            self.statements.append((statement, parameters))

    def __enter__(self) -> Inserts:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


@pytest.mark.parametrize(
    ("url", "table", "make_body"),
    [
        (INVOICES, "invoice_lines", lambda customer: invoice_body(many_lines())),
        (QUOTES, "quote_lines", lambda customer: quote_body(customer, many_lines())),
        (
            RECURRING,
            "recurring_invoice_lines",
            lambda customer: {**recurring_body(customer), "lines": many_lines()},
        ),
    ],
    ids=["invoice", "quote", "recurring"],
)
def test_a_documents_lines_are_one_insert_and_keep_their_order(
    app, client, make_user, url, table, make_body
):
    owner = make_user()
    customer = new_customer(client, owner, "Cliente Lineas")
    with Inserts(app) as inserts:
        response = client.post(url, json=make_body(customer), headers=bearer(owner))
        created = assert_envelope(response, 201)["data"]
    assert inserts.tables.count(table) == 1, inserts.tables
    expected = [line["description"] for line in many_lines()]
    assert [line["description"] for line in created["lines"]] == expected
    again = assert_envelope(client.get(f"{url}/{created['id']}", headers=bearer(owner)), 200)
    assert again["data"]["lines"] == created["lines"]


def test_each_line_row_holds_its_own_figures_in_its_own_place(app, client, make_user):
    """The ids the batch gave back went to the right objects: each stored row, read by
    its id, is the line written at that place."""
    owner = make_user()
    created = assert_envelope(
        client.post(INVOICES, json=invoice_body(many_lines()), headers=bearer(owner)), 201
    )["data"]
    with app.app_context():
        invoice = db.session.scalars(
            select(Invoice).where(Invoice.public_id == created["id"])
        ).one()
        rows = db.session.execute(
            select(InvoiceLine.id, InvoiceLine.position, InvoiceLine.description)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(InvoiceLine.id)
        ).all()
        by_object = {line.id: (line.position, line.description) for line in invoice.lines}
    # Ids in the order of the lines: the batch numbered them as written.
    assert [(r.position, r.description) for r in rows] == [
        (n, f"Partida {n + 1:02d}") for n in range(LINES)
    ]
    assert by_object == {r.id: (r.position, r.description) for r in rows}
    assert sum(Decimal(line["total"]) for line in created["lines"]) == Decimal(created["total"])


class Reads:
    """The SELECT statements of a block that read the products table."""

    def __init__(self, app) -> None:
        self.engine = app.extensions["portal.db"]
        self.count = 0

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.lstrip().upper().startswith("SELECT") and "FROM products" in statement:
            self.count += 1

    def __enter__(self) -> Reads:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)


@pytest.mark.parametrize("url", [INVOICES, QUOTES], ids=["invoice", "quote"])
def test_a_documents_products_are_read_once(app, client, make_user, url):
    """Lines naming five products read them in one query; the answer's lines (their
    ``productId``) need no query by id afterwards."""
    owner = make_user()
    customer = new_customer(client, owner, "Cliente Productos")
    products = [new_product(client, owner, f"Pieza {n}", f"PZ-{n}") for n in range(5)]
    lines = [{"productId": p, "quantity": "2"} for p in products] + many_lines()[:2]
    body = invoice_body(lines) if url == INVOICES else quote_body(customer, lines)
    with Reads(app) as reads:
        created = assert_envelope(client.post(url, json=body, headers=bearer(owner)), 201)["data"]
    assert reads.count == 1
    assert [line["productId"] for line in created["lines"]] == [*products, None, None]


def test_on_postgresql_the_lines_statement_is_the_same_for_any_number_of_lines(
    app, client, make_user
):
    """One array per column (``inserts._from_arrays``): the statement's text does not
    change with the number of lines, so psycopg keeps it converted and the server can keep
    it prepared (a multi-row VALUES had 18 parameters a line and a text per count)."""
    if app.extensions["portal.db"].dialect.name != "postgresql":
        pytest.skip("SQLite writes the lines with one multi-row VALUES")
    owner = make_user()
    with Inserts(app) as inserts:
        for count in (1, LINES):
            body = invoice_body(many_lines()[:count])
            assert_envelope(client.post(INVOICES, json=body, headers=bearer(owner)), 201)
    texts = [
        (statement, len(parameters))
        for statement, parameters in inserts.statements
        if statement.lstrip().startswith("INSERT INTO invoice_lines")
    ]
    assert len(texts) == 2 and texts[0][0] == texts[1][0]
    assert texts[0][1] == texts[1][1] < 50  # one parameter a column, whatever the lines
