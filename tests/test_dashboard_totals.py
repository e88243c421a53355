"""The dashboard's running totals always equal a recomputation from the documents.

Random sequences of what people do (write, issue and void invoices, pay them in parts or in
full, delete customers and products, switch the organisation's currency) go through the real
API; after each sequence the running totals are compared, row by row, with what
``rebuild_totals`` makes of the same documents.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select

from portal.dashboard.models import DailyTotal, MonthlyCustomerTotal, MonthlyProductTotal
from portal.dashboard.totals import rebuild_totals
from portal.extensions import db
from tests.conftest import bearer

START = date(2026, 1, 1)


@pytest.fixture
def app(make_app):
    return make_app(RATELIMIT_ENABLED=False)


def snapshot(app) -> dict:
    """Every non-zero running total, by table and key."""
    rows = {}
    with app.app_context():
        for model, keys, values in (
            (
                DailyTotal,
                ("organization_id", "currency", "day"),
                ("invoiced", "paid", "settled_count", "settled_days"),
            ),
            (
                MonthlyCustomerTotal,
                ("organization_id", "currency", "month", "customer_key"),
                ("invoiced", "customer_id", "customer_name"),
            ),
            (
                MonthlyProductTotal,
                ("organization_id", "currency", "month", "product_id"),
                ("quantity", "net"),
            ),
        ):
            for row in db.session.scalars(select(model)):
                amounts = tuple(getattr(row, name) for name in values)
                if any(isinstance(a, (Decimal, int)) and a for a in amounts[:2]):
                    rows[(model.__tablename__, *(getattr(row, k) for k in keys))] = amounts
    return rows


def recomputed(app) -> dict:
    with app.app_context(), db.engine.connect() as connection:
        transaction = connection.begin()
        rebuild_totals(connection)
        session_rows = {}
        for model in (DailyTotal, MonthlyCustomerTotal, MonthlyProductTotal):
            session_rows[model] = connection.execute(select(model.__table__)).all()
        transaction.rollback()  # leave the running totals as they were
    rows = {}
    keys = {
        DailyTotal: ("organization_id", "currency", "day"),
        MonthlyCustomerTotal: ("organization_id", "currency", "month", "customer_key"),
        MonthlyProductTotal: ("organization_id", "currency", "month", "product_id"),
    }
    values = {
        DailyTotal: ("invoiced", "paid", "settled_count", "settled_days"),
        MonthlyCustomerTotal: ("invoiced", "customer_id", "customer_name"),
        MonthlyProductTotal: ("quantity", "net"),
    }
    for model, found in session_rows.items():
        for row in found:
            mapping = row._mapping
            amounts = tuple(mapping[name] for name in values[model])
            if any(isinstance(a, (Decimal, int)) and a for a in amounts[:2]):
                rows[(model.__tablename__, *(mapping[k] for k in keys[model]))] = amounts
    return rows


class People:
    def __init__(self, client, owner, rng: random.Random) -> None:
        self.client, self.owner, self.rng = client, owner, rng
        self.customers: list[str] = []
        self.products: list[str] = []
        self.invoices: list[dict] = []

    def call(self, method: str, path: str, body=None) -> tuple[int, dict]:
        answer = self.client.open(
            f"/api/v1{path}", method=method, json=body, headers=bearer(self.owner)
        )
        return answer.status_code, answer.get_json()

    def day(self) -> str:
        return (START + timedelta(days=self.rng.randint(0, 150))).isoformat()

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
            ],
            weights=[2, 2, 6, 5, 1, 5, 1, 1, 1],
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


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_running_totals_equal_a_recomputation_after_random_operations(app, make_user, seed):
    owner = make_user(role="OWNER", plan="PRO")
    other = make_user(role="OWNER", plan="PRO")
    client = app.test_client()
    rng = random.Random(seed)
    people = [People(client, owner, rng), People(client, other, rng)]
    for n in range(60):
        people[n % 3 == 0].step(n)
    running = snapshot(app)
    assert running, "the sequence wrote nothing"
    assert running == recomputed(app)
