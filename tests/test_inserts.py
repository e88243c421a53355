"""A new document is written by Core INSERTs (``portal.inserts``, issue 16.2) and then behaves
as a loaded object: every column as stored, its customer's key, its lines' ids, nothing read
back, and a later change in the same transaction written as an UPDATE."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from sqlalchemy import event, inspect, select, text

from portal.accounts.models import User
from portal.catalog.models import Customer
from portal.documents import services as documents
from portal.extensions import db
from portal.invoices.document import INVOICES
from portal.invoices.models import Invoice, InvoiceLine
from portal.quotes.document import QUOTES
from portal.quotes.models import Quote
from portal.tenancy import share_organization
from tests.conftest import assert_envelope, bearer
from tests.test_api_quotes import TODAY, new_customer
from tests.test_line_inserts import many_lines


class Statements:
    """Every statement a block sends."""

    def __init__(self, app) -> None:
        self.engine = app.extensions["portal.db"]
        self.seen: list[str] = []

    def _seen(self, conn, cursor, statement, parameters, context, executemany) -> None:
        self.seen.append(" ".join(statement.split()))

    def __enter__(self) -> Statements:
        event.listen(self.engine, "before_cursor_execute", self._seen)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._seen)

    def touching(self, table: str) -> list[str]:
        return [s for s in self.seen if f" {table} " in f"{s} " or f'"{table}"' in s]


def _lines() -> list[dict]:
    return [
        {
            "product_id": None,
            "product": None,
            "description": line["description"],
            "quantity": Decimal(line["quantity"]),
            "unit_price": Decimal(line["unitPrice"]),
            "discount_percent": Decimal("0"),
            "tax_percent": Decimal(line["taxPercent"]),
            "surcharge_percent": None,
        }
        for line in many_lines()[:3]
    ]


def test_a_new_invoice_is_a_loaded_object_that_later_changes_update(app, client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    customer_id = new_customer(client, accountant, "Cliente Core")
    with app.test_request_context("/api/v1/invoices", method="POST"):
        actor = db.session.scalars(select(User).where(User.public_id == accountant.id)).one()
        customer = db.session.scalars(
            select(Customer).where(Customer.public_id == customer_id)
        ).one()
        data = {"customer_id": customer_id, "invoice_date": TODAY, "notes": "Nota"}
        with Statements(app) as statements:
            invoice = documents.create_document(INVOICES, actor, data, _lines())
            # Everything the answer shows is in memory: no statement reads the rows back.
            INVOICES.to_json(invoice, detail=True)
        assert len(statements.touching("invoices")) == 1, statements.seen
        assert statements.touching("invoices")[0].startswith("INSERT INTO invoices")
        assert len(statements.touching("invoice_lines")) == 1, statements.seen
        state = inspect(invoice)
        assert state.persistent and not state.expired_attributes
        assert all(inspect(line).persistent for line in invoice.lines)
        assert invoice in db.session and not db.session.dirty and not db.session.new
        stored = db.session.execute(
            text(
                "SELECT customer_id, public_id, created_at IS NOT NULL AS stamped,"
                " parties IS NULL AS no_parties, notes FROM invoices WHERE id = :id"
            ),
            {"id": invoice.id},
        ).one()
        # The foreign key came from the object the relationship holds; the defaults and
        # the JSON column left empty (SQL NULL, not the JSON text "null") as the ORM writes.
        assert stored.customer_id == customer.id == invoice.customer_id
        assert stored.public_id == invoice.public_id and stored.stamped
        assert stored.no_parties and invoice.parties is None
        assert stored.notes == "Nota"
        ids = db.session.scalars(
            select(InvoiceLine.id)
            .where(InvoiceLine.invoice_id == invoice.id)
            .order_by(InvoiceLine.position)
        ).all()
        assert ids == [line.id for line in invoice.lines]
        # A change in the same transaction is an ordinary UPDATE of the persistent row.
        with Statements(app) as statements:
            invoice.notes = "Cambiada"
            invoice.lines[0].description = "Primera, cambiada"
            db.session.flush()
        assert [s.split()[0] for s in statements.seen] == ["UPDATE", "UPDATE"], statements.seen
        db.session.commit()
    with app.app_context():
        again = db.session.scalars(select(Invoice).where(Invoice.id == invoice.id)).one()
        assert again.notes == "Cambiada"
        assert again.lines[0].description == "Primera, cambiada"
        assert [line.total for line in again.lines] == [line.total for line in invoice.lines]


def test_a_quote_goes_the_same_way_and_a_taken_number_is_still_a_409(app, client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    customer_id = new_customer(client, accountant, "Cliente Presupuesto")
    with app.test_request_context("/api/v1/quotes", method="POST"):
        actor = db.session.scalars(select(User).where(User.public_id == accountant.id)).one()
        data = {"customer_id": customer_id, "issue_date": TODAY, "valid_until": TODAY}
        quote = documents.create_document(QUOTES, actor, data, _lines())
        assert inspect(quote).persistent and not inspect(quote).expired_attributes
        db.session.commit()
        stored = db.session.scalars(select(Quote).where(Quote.id == quote.id)).one()
        assert stored.number == quote.number and len(stored.lines) == 3
    first = {"customerName": "A", "invoiceDate": TODAY.isoformat(), "invoiceNumber": "OLD-1"}
    first["lines"] = many_lines()[:1]
    assert_envelope(client.post("/api/v1/invoices", json=first, headers=bearer(accountant)), 201)
    taken = client.post("/api/v1/invoices", json=first, headers=bearer(accountant))
    assert_envelope(taken, 409, "DUPLICATE_INVOICE_NUMBER")


def test_the_shared_organisation_is_the_sessions_object_as_committed(app, make_user):
    """``share_organization`` reads the row by Core and writes what changed into the
    session's own object (the caller's): the same object, with the row's values, and no
    change pending."""
    owner = make_user(role="OWNER")
    with app.test_request_context("/api/v1/invoices", method="POST"):
        actor = db.session.scalars(select(User).where(User.public_id == owner.id)).one()
        organization = actor.organization
        rates = [{"name": "IVA 8 %", "percent": "8"}]
        db.session.connection().execute(
            text(
                "UPDATE organizations SET invoice_prefix = 'NUEVO', tax_rates = :rates"
                " WHERE id = :id"
            ),
            {"rates": json.dumps(rates), "id": organization.id},
        )
        assert organization.invoice_prefix != "NUEVO"  # the object does not know yet
        shared = share_organization(organization.id)
        assert shared is organization
        assert (shared.invoice_prefix, shared.tax_rates) == ("NUEVO", rates)
        assert not db.session.dirty


def test_a_documents_read_takes_its_lines_in_the_same_query(app, client, make_user):
    """``GET /invoices/<id>`` reads the invoice and all its lines, in their order, in one
    SELECT (a joined load), not the document and then its lines lazily."""
    accountant = make_user(role="ACCOUNTANT")
    body = {"customerName": "Uno", "invoiceDate": TODAY.isoformat(), "lines": many_lines()}
    created = assert_envelope(
        client.post("/api/v1/invoices", json=body, headers=bearer(accountant)), 201
    )["data"]
    with Statements(app) as statements:
        read = client.get(f"/api/v1/invoices/{created['id']}", headers=bearer(accountant))
        data = assert_envelope(read, 200)["data"]
    assert data["lines"] == created["lines"]
    selects = [s for s in statements.seen if s.startswith("SELECT")]
    reading_lines = [s for s in selects if "invoice_lines" in s]
    assert len(reading_lines) == 1 and "FROM invoices" in reading_lines[0], selects


def test_a_parent_not_yet_written_is_refused_not_written_as_null(app, make_user):
    """``insert_new`` takes a many-to-one's key from the object it holds; an object that
    has none yet (new, never flushed) is a programming error, not a NULL foreign key."""
    from portal.inserts import insert_new

    owner = make_user(role="OWNER")
    with app.test_request_context("/api/v1/invoices", method="POST"):
        actor = db.session.scalars(select(User).where(User.public_id == owner.id)).one()
        invoice = Invoice(
            organization_id=actor.organization_id,
            number="NUEVO-1",
            status="DRAFT",
            currency="USD",
            customer_name="Nuevo",
            invoice_date=TODAY,
            customer=Customer(organization_id=actor.organization_id, name="Sin escribir"),
        )
        with pytest.raises(ValueError, match="customer"):
            insert_new(invoice)
        db.session.rollback()
