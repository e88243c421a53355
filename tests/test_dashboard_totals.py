"""The dashboard's running totals always equal a recomputation from the documents.

Random sequences of what people do (write, issue and void invoices, pay them in parts or in
full, delete customers and products, switch the organisation's currency) go through the real
API; after each sequence the running totals are compared, row by row, with what
``rebuild_totals`` makes of the same documents.
"""

from __future__ import annotations

import importlib.util
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import select, text, update

from portal.accounts.models import Organization
from portal.dashboard.models import RUNNING_TOTALS
from portal.dashboard.totals import rebuild_totals
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceStatus
from portal.resources import MIGRATIONS
from tests.conftest import bearer, org_today

START = date(2026, 1, 1)


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_ENABLED=False)


# Each table of running totals: its key columns, and the values it keeps.
TABLES = tuple(
    (
        model,
        tuple(column.name for column in model.__table__.primary_key),
        tuple(column.name for column in model.__table__.columns if not column.primary_key),
    )
    for model in RUNNING_TOTALS
)
COUNTED = {"customer_id", "customer_name"}  # descriptive columns, not totals


def _rows(read) -> dict:
    """Every row with a non-zero total, by table and key (a total may fall back to zero)."""
    rows = {}
    for model, keys, values in TABLES:
        for row in read(model):
            amounts = tuple(row[name] for name in values)
            totals = [row[name] for name in values if name not in COUNTED]
            if any(totals):
                rows[(model.__tablename__, *(row[k] for k in keys))] = amounts
    return rows


def snapshot(app) -> dict:
    with app.app_context(), db.engine.connect() as connection:
        return _rows(lambda model: connection.execute(select(model.__table__)).mappings().all())


def recomputed(app) -> dict:
    """What ``rebuild_totals`` makes of the documents (rolled back: the running totals stay)."""
    with app.app_context(), db.engine.connect() as connection:
        transaction = connection.begin()
        rebuild_totals(connection)
        rows = _rows(lambda model: connection.execute(select(model.__table__)).mappings().all())
        transaction.rollback()
    return rows


class People:
    def __init__(self, client, owner, rng: random.Random) -> None:
        self.client, self.owner, self.rng = client, owner, rng
        self.customers: list[str] = []
        self.products: list[str] = []
        self.invoices: list[dict] = []
        self.quotes: list[str] = []
        self.quote_states: dict[str, str] = {}

    def call(self, method: str, path: str, body=None) -> tuple[int, dict]:
        answer = self.client.open(
            f"/api/v1{path}", method=method, json=body, headers=bearer(self.owner)
        )
        return answer.status_code, answer.get_json()

    def day(self) -> str:
        return (START + timedelta(days=self.rng.randint(0, 150))).isoformat()

    def recent_day(self) -> str:
        today = org_today()
        day = today - timedelta(days=self.rng.randint(0, 20))
        return max(day, today.replace(month=1, day=1)).isoformat()  # in this year's series

    def step(self, n: int) -> None:
        rng = self.rng
        choice = rng.choices(
            [
                "customer",
                "product",
                "invoice",
                "issue",
                "void",
                "pay",
                "delete_customer",
                "delete_product",
                "currency",
                "quote",
                "edit_quote",
                "quote_action",
            ],
            weights=[2, 2, 6, 5, 1, 5, 1, 1, 1, 4, 1, 5],
        )[0]
        if choice == "customer" or not self.customers:
            status, body = self.call("POST", "/customers", {"name": f"Cliente {n}"})
            self.customers.append(body["data"]["id"])
        elif choice == "product" or not self.products:
            price = f"{rng.randint(1, 9999) / 100:.2f}"
            status, body = self.call(
                "POST",
                "/products",
                {"name": f"Producto {n}", "sku": f"S{n}", "price": price, "taxRate": "21"},
            )
            self.products.append(body["data"]["id"])
        elif choice == "invoice":
            lines = []
            for _ in range(rng.randint(1, 3)):
                if rng.random() < 0.7:
                    lines.append(
                        {"productId": rng.choice(self.products), "quantity": str(rng.randint(1, 5))}
                    )
                else:
                    lines.append({"description": "Libre", "quantity": "1.5", "unitPrice": "3.33"})
            body = {"invoiceDate": self.day(), "lines": lines}
            if rng.random() < 0.3:
                body["withholdingPercent"] = "15"  # IRPF kept back by the customer
            if rng.random() < 0.8:
                body["customerId"] = rng.choice(self.customers)
            else:
                body["customerName"] = rng.choice(["Mostrador", "Cliente suelto"])
            status, answer = self.call("POST", "/invoices", body)
            if status == 201:  # a deleted customer or product is a 400: nothing written
                self.invoices.append(answer["data"])
        elif choice in ("issue", "void", "pay") and self.invoices:
            invoice = rng.choice(self.invoices)
            if choice == "pay":
                status, answer = self.call("GET", f"/invoices/{invoice['id']}")
                balance = Decimal(answer["data"]["balance"])
                amount = balance if rng.random() < 0.5 else (balance / 3).quantize(Decimal("0.01"))
                if amount > 0:
                    self.call(
                        "POST",
                        f"/invoices/{invoice['id']}/payments",
                        {"amount": str(amount), "paidOn": self.day(), "method": "CASH"},
                    )
            else:
                self.call("POST", f"/invoices/{invoice['id']}/{choice}")  # refusals are fine
        elif choice == "delete_customer" and self.customers:
            self.call(
                "DELETE", f"/customers/{self.customers.pop(rng.randrange(len(self.customers)))}"
            )
        elif choice == "delete_product" and self.products:
            self.call("DELETE", f"/products/{self.products.pop(rng.randrange(len(self.products)))}")
        elif choice == "currency":
            self.call("PATCH", "/organization", {"currency": rng.choice(["EUR", "USD"])})
        elif choice == "quote":
            body = {
                "customerId": rng.choice(self.customers),
                "issueDate": self.recent_day(),  # still valid: it can be accepted
                "lines": [{"description": "Propuesta", "quantity": "2", "unitPrice": "7.50"}],
            }
            status, answer = self.call("POST", "/quotes", body)
            if status == 201:
                self.quotes.append(answer["data"]["id"])
        elif choice == "edit_quote" and self.quotes:
            body = {
                "customerId": rng.choice(self.customers),
                "issueDate": self.recent_day(),
                "lines": [{"description": "Otra", "quantity": "1", "unitPrice": "99.99"}],
            }
            self.call("PATCH", f"/quotes/{rng.choice(self.quotes)}", body)  # drafts only
        elif choice == "quote_action" and self.quotes:
            # The next step of a quote's life, mostly (now and then one its state refuses).
            quote = rng.choice(self.quotes)
            state = self.quote_states.get(quote, "DRAFT")
            nexts = {
                "DRAFT": ["send"],
                "SENT": ["accept", "accept", "reject"],
                "ACCEPTED": ["convert", "reject"],
            }
            action = rng.choice(nexts.get(state, ["accept"]))
            # Sending needs an address: the customers here have none of their own.
            body = {"to": "cliente@example.com"} if action == "send" else None
            status, _answer = self.call("POST", f"/quotes/{quote}/{action}", body)
            if status in (200, 201):
                done = {"send": "SENT", "accept": "ACCEPTED", "reject": "REJECTED"}
                self.quote_states[quote] = done.get(action, "CONVERTED")


def random_books(app, make_user, seed: int, steps: int, kind: type[People] = People) -> list:
    """Two organisations' owners doing ``steps`` random things (two in three by the first):
    the two ``People``, the first one's first."""
    client = app.test_client()
    rng = random.Random(seed)
    people = [kind(client, make_user(role="OWNER", plan="PRO"), rng) for _ in range(2)]
    for n in range(steps):
        people[n % 3 == 0].step(n)
    return people


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_running_totals_equal_a_recomputation_after_random_operations(app, make_user, seed):
    random_books(app, make_user, seed, 90)
    running = snapshot(app)
    assert running, "the sequence wrote nothing"
    assert running == recomputed(app)


def _aging_of_invoices(owner) -> dict:
    """The dashboard's receivables computed the long way, from every open invoice."""
    today = org_today()
    amounts = [Decimal("0")] * 5
    overdue_count = 0
    organization = db.session.scalars(
        select(Organization).where(Organization.public_id == owner.organization_id)
    ).one()
    rows = db.session.execute(
        select(Invoice.due_date, Invoice.total - Invoice.amount_paid).where(
            Invoice.organization_id == organization.id,
            Invoice.currency == organization.currency,
            Invoice.status.in_(InvoiceStatus.OPEN),
        )
    )
    for due, balance in rows:
        late = 0 if due is None else (today - due).days
        bucket = (
            0 if late <= 0 else 1 if late <= 30 else 2 if late <= 60 else 3 if late <= 90 else 4
        )
        amounts[bucket] += balance
        overdue_count += bucket > 0
    names = ("current", "days1to30", "days31to60", "days61to90", "over90")
    return {
        "outstanding": f"{sum(amounts):.2f}",
        "overdue": f"{sum(amounts[1:]):.2f}",
        "overdueCount": overdue_count,
        "aging": {name: f"{amount:.2f}" for name, amount in zip(names, amounts, strict=True)},
    }


@pytest.mark.parametrize("seed", [5, 6])
def test_the_dashboard_aging_read_from_open_balances_equals_the_open_invoices(app, make_user, seed):
    """The aging reads a row per due date (``open_balances``); what it says must be what the
    open invoices themselves say, bucket by bucket, after any sequence of changes (an
    invoice without a due date is current)."""
    owner = make_user(role="OWNER", plan="PRO")
    client = app.test_client()
    rng = random.Random(seed)
    people = People(client, owner, rng)
    for n in range(70):
        people.step(n)
    with app.app_context():
        open_ids = db.session.scalars(
            select(Invoice.id).where(Invoice.status.in_(InvoiceStatus.OPEN))
        ).all()
        assert open_ids, "the sequence left no open invoice"
        # One without a due date (older data may have none): the totals rebuilt with it.
        db.session.execute(update(Invoice).where(Invoice.id == open_ids[0]).values(due_date=None))
        rebuild_totals(db.session())
        db.session.commit()
        expected = _aging_of_invoices(owner)
    answer = client.get("/api/v1/dashboard", headers=bearer(owner)).get_json()["data"]
    assert {key: answer[key] for key in expected} == expected
    assert answer["overdueCount"] > 0 or answer["aging"]["current"] != "0.00"


def test_the_migration_counts_the_open_invoices_as_the_running_totals_do(app, make_user):
    """Migration 0019's backfill (its own SQL, written once for both databases) makes the
    rows the running totals had kept, an invoice without a due date included."""
    owner = make_user(role="OWNER", plan="PRO")
    people = People(app.test_client(), owner, random.Random(7))
    for n in range(60):
        people.step(n)
    with app.app_context():
        first_open = select(Invoice.id).where(Invoice.status.in_(InvoiceStatus.OPEN)).limit(1)
        db.session.execute(
            update(Invoice).where(Invoice.id == first_open.scalar_subquery()).values(due_date=None)
        )
        rebuild_totals(db.session())
        db.session.commit()
    kept = snapshot(app)
    assert any(key[0] == "open_balances" for key in kept)
    migration = _migration("0019_open_balances")
    with app.app_context(), db.engine.begin() as connection:
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            migration.downgrade()
            migration.upgrade()
    assert snapshot(app) == kept


def _migration(name: str):
    path = MIGRATIONS / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def test_migration_0020_down_and_up_keeps_every_running_total(app, make_user):
    """Migration 0020 reshapes the running totals and rebuilds them all from the documents:
    down (the quote totals of the old shape counted again) and up again, every row is the
    one the running totals had kept."""
    owner = make_user(role="OWNER", plan="PRO")
    people = People(app.test_client(), owner, random.Random(8))
    for n in range(60):
        people.step(n)
    kept = snapshot(app)
    assert {key[0] for key in kept} >= {
        "daily_tax_totals",
        "quote_totals",
        "quote_status_totals",
        "daily_totals",
    }
    migration = _migration("0020_report_totals")
    with app.app_context(), db.engine.begin() as connection:
        context = MigrationContext.configure(connection)
        with Operations.context(context):
            migration.downgrade()
            counted = connection.execute(text("SELECT SUM(count) FROM quote_totals")).scalar()
            quotes = connection.execute(text("SELECT COUNT(*) FROM quotes")).scalar()
            assert counted == quotes
            migration.upgrade()
    assert snapshot(app) == kept
