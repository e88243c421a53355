"""The dashboard's top customers and products are kept per process while the organisation's
ranking token stays (``dashboard/tops.py``): a second look adds nothing up again, and every
change that could reorder or rename them is seen on the next look."""

from __future__ import annotations

import pytest
import time_machine
from sqlalchemy import event, select, text, update

from portal.accounts.models import Organization
from portal.dashboard.models import MonthlyCustomerTotal, RankingVersion
from portal.extensions import db
from tests.conftest import assert_envelope
from tests.test_dashboard import RANGE, TODAY, Book, at, line


@pytest.fixture
def app(make_app):
    """No rate limits: each look at the dashboard mints a token on its moment."""
    return make_app(RATELIMIT_ENABLED=False)


class Sums:
    """The statements of a block that read the monthly ranking totals."""

    def __init__(self, app) -> None:
        self.engine = app.extensions["portal.db"]
        self.seen: list[str] = []

    def _count(self, conn, cursor, statement, *args) -> None:
        if "monthly_customer_totals" in statement or "monthly_product_totals" in statement:
            self.seen.append(statement)

    def __enter__(self) -> Sums:
        event.listen(self.engine, "before_cursor_execute", self._count)
        return self

    def __exit__(self, *exc) -> None:
        event.remove(self.engine, "before_cursor_execute", self._count)


def tops(book: Book) -> tuple[list, list]:
    with time_machine.travel(TODAY, tick=False):
        answer = book.client.get(f"/api/v1/dashboard?{RANGE}", headers=book.headers())
    data = assert_envelope(answer, 200)["data"]
    customers = [(c["name"], c["invoiced"]) for c in data["topCustomers"]]
    products = [(p["name"], p["net"]) for p in data["topProducts"]]
    return customers, products


def ana_invoiced(app, make_user) -> Book:
    """An owner whose one customer, Ana, was invoiced 100.00 in March (and looked at)."""
    book = Book(app.test_client(), make_user(role="OWNER"))
    with at(2026, 3, 1):
        ana = book.customer("Ana")
        book.invoice(ana, "2026-03-01", None, [line(price="100", tax="0", description="x")])
    assert tops(book)[0] == [("Ana", "100.00")]
    return book


def test_kept_until_an_invoice_a_name_or_a_deletion_changes_them(app, make_user):
    book = Book(app.test_client(), make_user(role="OWNER"))
    with at(2026, 3, 1):
        ana, beto = book.customer("Ana"), book.customer("Beto")
        bolt = book.product("Perno", "PER", "10.00", "0")
        book.invoice(ana, "2026-03-01", None, [line(bolt, "10")])
    first = tops(book)
    assert first == ([("Ana", "100.00")], [("Perno", "100.00")])
    with Sums(app) as sums:
        assert tops(book) == first
    assert sums.seen == []  # kept: nothing added up again

    with at(2026, 3, 2):
        big = book.invoice(beto, "2026-03-02", None, [line(price="500", tax="0", description="x")])
    with Sums(app) as sums:
        assert tops(book)[0] == [("Beto", "500.00"), ("Ana", "100.00")]
    assert sums.seen  # issued: read again

    with at(2026, 3, 3):
        renamed = book.client.patch(
            f"/api/v1/customers/{beto}", json={"name": "Beto S.L."}, headers=book.headers()
        )
        assert_envelope(renamed, 200)
    assert tops(book)[0] == [("Beto S.L.", "500.00"), ("Ana", "100.00")]

    with at(2026, 3, 4):
        book.post(f"/invoices/{big}/void")
    assert tops(book)[0] == [("Ana", "100.00")]

    with at(2026, 3, 5):
        gone = book.client.delete(f"/api/v1/products/{bolt}", headers=book.headers())
        assert_envelope(gone, 200)
    assert tops(book)[1] == []


def test_another_process_is_seen_by_its_token(app, make_user):
    """What another process changes reaches this one only through the token it writes with
    the change: the same rows changed without a new token stay as kept here (no path of the
    portal does that), a new token makes this process add them up again."""
    book = ana_invoiced(app, make_user)
    with app.app_context():
        organization_id = db.session.scalar(
            select(Organization.id).where(Organization.public_id == book.member.organization_id)
        )
        db.session.execute(
            update(MonthlyCustomerTotal)
            .where(MonthlyCustomerTotal.organization_id == organization_id)
            .values(invoiced=MonthlyCustomerTotal.invoiced + MonthlyCustomerTotal.invoiced)
        )
        db.session.commit()
    assert tops(book)[0] == [("Ana", "100.00")]
    with app.app_context():
        db.session.execute(
            update(RankingVersion)
            .where(RankingVersion.organization_id == organization_id)
            .values(token=RankingVersion.token + 1)
        )
        db.session.commit()
    assert tops(book)[0] == [("Ana", "200.00")]


def test_rebuilt_totals_get_new_tokens(app, make_user):
    from portal.dashboard.totals import rebuild_totals

    ana_invoiced(app, make_user)
    with app.app_context():
        before = db.session.execute(text("SELECT organization_id, token FROM ranking_versions"))
        before_tokens = dict(before.all())
        rebuild_totals(db.session())
        db.session.commit()
        after = dict(
            db.session.execute(text("SELECT organization_id, token FROM ranking_versions")).all()
        )
    assert after.keys() >= before_tokens.keys()
    assert all(after[org] != token for org, token in before_tokens.items())
