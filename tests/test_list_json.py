"""The invoice list's items are written by the database (``portal.sqljson``, issue 16.1):
whatever an invoice holds, its item is the JSON ``invoice_json`` gives for it — the same
keys in the same order, the same strings, booleans and nulls — on SQLite and PostgreSQL.

Invoices are written straight into the table with values no form would let through
(negative and huge amounts, names with quotes, backslashes and other scripts, moments with
and without microseconds), so that the SQL is held to the serializer where they differ most.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from portal.accounts.models import Organization
from portal.catalog.models import Customer
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceStatus
from portal.invoices.serializers import invoice_json
from tests.conftest import assert_envelope, bearer, org_today

WITH_APP = settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LARGEST_CENTS = 10**12 - 1  # NUMERIC(14, 2)

cents = st.one_of(
    st.sampled_from([0, 1, -1, 5, -50, 99, 100, -100, 123456, LARGEST_CENTS, -LARGEST_CENTS]),
    st.integers(-LARGEST_CENTS, LARGEST_CENTS),
)
amounts = cents.map(lambda n: Decimal(n).scaleb(-2))
percents = st.integers(-9999, 9999).map(lambda n: Decimal(n).scaleb(-2))
# Any character a JSON string may hold, and those that need escaping or care.
ODD_CHARACTERS = st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from(
    "\"\\/\u2028<>&'ñÁ€"
)
names = st.text(ODD_CHARACTERS, min_size=1, max_size=40)
moments = st.builds(
    lambda day, seconds, micro: (
        datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=day, seconds=seconds, microseconds=micro)
    ),
    st.integers(-800, 800),
    st.integers(0, 86399),
    st.sampled_from([0, 0, 1, 120000, 999999, 500]),
)
dates = st.dates(date(2024, 1, 1), date(2028, 12, 31))
invoices = st.fixed_dictionaries(
    {
        "status": st.sampled_from(
            [
                InvoiceStatus.DRAFT,
                InvoiceStatus.ISSUED,
                InvoiceStatus.PARTIALLY_PAID,
                InvoiceStatus.PAID,
                InvoiceStatus.VOID,
            ]
        ),
        "number": names,
        "customer_name": names,
        "invoice_date": dates,
        "due_date": st.none() | dates,
        "currency": st.sampled_from(["USD", "EUR", "MXN"]),
        "subtotal": amounts,
        "discount_total": amounts,
        "tax_total": amounts,
        "surcharge_total": amounts,
        "withholding_percent": percents,
        "withholding_total": amounts,
        "total": amounts,
        "amount_paid": amounts,
        "created_at": moments,
        "with_customer": st.booleans(),
    }
)


@pytest.fixture
def owner(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    return client, make_user(role="OWNER", plan="PRO")


def _put(app, organization_id: str, rows: list[dict]) -> list[str]:
    with app.app_context():
        organization = db.session.scalars(
            select(Organization).where(Organization.public_id == organization_id)
        ).one()
        db.session.execute(delete(Invoice).where(Invoice.organization_id == organization.id))
        customer = Customer(organization_id=organization.id, name='Cliente «Ñandú» \\ "Q"')
        db.session.add(customer)
        ids = []
        for n, row in enumerate(rows):
            values = dict(row)
            # Unique in the organisation, and within the column's 40 characters (PostgreSQL
            # refuses more; hypothesis found a 40-character name once).
            values["number"] = f"{n}-{values['number']}"[:40]
            with_customer = values.pop("with_customer")
            invoice = Invoice(
                organization_id=organization.id,
                customer=customer if with_customer else None,
                **values,
            )
            db.session.add(invoice)
            db.session.flush()
            ids.append(invoice.public_id)
        db.session.commit()
        return ids


def _expected(app, organization_id: str) -> dict[str, dict]:
    """Each invoice's JSON as the Python serializer writes it, through orjson and back."""
    with app.app_context():
        found = db.session.scalars(
            select(Invoice).join(Organization).where(Organization.public_id == organization_id)
        ).all()
        return {i.public_id: orjson.loads(orjson.dumps(invoice_json(i))) for i in found}


@WITH_APP
@given(rows=st.lists(invoices, min_size=1, max_size=6))
def test_each_item_is_what_the_serializer_writes(owner, rows):
    client, member = owner
    app = client.application
    ids = _put(app, member.organization_id, rows)
    expected = _expected(app, member.organization_id)
    response = client.get("/api/v1/invoices?limit=100", headers=bearer(member))
    items = assert_envelope(response, 200)["data"]["items"]
    assert sorted(item["id"] for item in items) == sorted(ids)
    for item in items:
        want = expected[item["id"]]
        assert list(item) == list(want)  # the same keys in the same order
        for key, value in want.items():
            assert item[key] == value and type(item[key]) is type(value), key


def test_overdue_follows_the_organisations_today(owner):
    """Due yesterday and open: overdue; due today, paid or void: not."""
    client, member = owner
    today = org_today()
    base = {
        "number": "F-1",
        "customer_name": "Cliente",
        "invoice_date": today - timedelta(days=40),
        "currency": "USD",
        "created_at": datetime(2026, 1, 1, tzinfo=UTC),
        "with_customer": False,
    }
    cases = {
        (InvoiceStatus.ISSUED, -1): True,
        (InvoiceStatus.PARTIALLY_PAID, -1): True,
        (InvoiceStatus.ISSUED, 0): False,
        (InvoiceStatus.PAID, -1): False,
        (InvoiceStatus.VOID, -1): False,
        (InvoiceStatus.DRAFT, -1): False,
    }
    rows = [
        {**base, "status": status, "due_date": today + timedelta(days=days)}
        for status, days in cases
    ]
    rows.append({**base, "status": InvoiceStatus.ISSUED, "due_date": None})
    ids = _put(client.application, member.organization_id, rows)
    response = client.get("/api/v1/invoices?limit=100", headers=bearer(member))
    by_id = {i["id"]: i["overdue"] for i in assert_envelope(response, 200)["data"]["items"]}
    assert [by_id[i] for i in ids] == [*cases.values(), False]


def test_the_page_and_its_cursor_as_before(owner):
    """Items in order, the cursor to the next page, and the last page without one."""
    client, member = owner
    start = datetime(2026, 3, 1, tzinfo=UTC)
    rows = [
        {
            "status": InvoiceStatus.DRAFT,
            "number": f"F-{n}",
            "customer_name": "Cliente",
            "invoice_date": date(2026, 3, 1),
            "due_date": None,
            "currency": "USD",
            "created_at": start + timedelta(minutes=n),
            "with_customer": n % 2 == 0,
        }
        for n in range(5)
    ]
    _put(client.application, member.organization_id, rows)
    first = assert_envelope(client.get("/api/v1/invoices?limit=3", headers=bearer(member)), 200)
    numbers = [item["invoiceNumber"] for item in first["data"]["items"]]
    cursor = first["data"]["nextCursor"]
    second = assert_envelope(
        client.get(f"/api/v1/invoices?limit=3&cursor={cursor}", headers=bearer(member)), 200
    )
    numbers += [item["invoiceNumber"] for item in second["data"]["items"]]
    assert numbers == [f"{n}-F-{n}" for n in range(5)]
    assert second["data"]["nextCursor"] is None


def test_the_debug_answer_writes_the_same_items(make_app, make_user):
    """With indented answers (debug), Flask's own encoder reads the database's JSON back."""
    app = make_app(RATELIMIT_ENABLED=False)
    member = make_user(role="OWNER", plan="PRO")
    row = {
        "status": InvoiceStatus.ISSUED,
        "number": "F-1",
        "customer_name": "Cliente",
        "invoice_date": date(2026, 3, 1),
        "due_date": None,
        "currency": "USD",
        "total": Decimal("10.50"),
        "created_at": datetime(2026, 3, 1, tzinfo=UTC),
        "with_customer": True,
    }
    _put(app, member.organization_id, [row])
    compact = app.test_client().get("/api/v1/invoices", headers=bearer(member)).get_json()
    app.json.compact = False  # type: ignore[attr-defined]
    response = app.test_client().get("/api/v1/invoices", headers=bearer(member))
    assert b'\n  "' in response.data  # indented: Flask's encoder, not orjson
    assert response.get_json() == compact


def test_a_page_statement_serves_every_organisation_with_its_own_values(make_app, make_user):
    """A shape's statement is built once and reused (``documents.services._pages``), its
    organisation, filters, cursor and limit bound on each request: another tenant's list
    through the same statement holds only that tenant's invoices."""
    from portal.documents import services as documents

    app = make_app(RATELIMIT_ENABLED=False)
    client = app.test_client()
    members = [make_user(role="OWNER", plan="PRO") for _ in range(2)]
    start = datetime(2026, 3, 1, tzinfo=UTC)
    for n, member in enumerate(members):
        rows = [
            {
                "status": (InvoiceStatus.ISSUED, InvoiceStatus.DRAFT)[i % 2],
                "number": f"ORG{n}-{i}",
                "customer_name": "Cliente",
                "invoice_date": date(2026, 3, 1),
                "due_date": None,
                "currency": "USD",
                "created_at": start + timedelta(minutes=i),
                "with_customer": False,
            }
            for i in range(4)
        ]
        _put(app, member.organization_id, rows)
    shapes = ("?limit=2", "?limit=3&status=ISSUED", "?limit=1&status=DRAFT")

    def pages() -> dict[tuple[int, str], list[str]]:
        seen = {}
        for n, member in enumerate(members):
            for shape in shapes:
                body = assert_envelope(
                    client.get(f"/api/v1/invoices{shape}", headers=bearer(member)), 200
                )
                numbers = [item["invoiceNumber"] for item in body["data"]["items"]]
                cursor = body["data"]["nextCursor"]
                if cursor:
                    more = client.get(
                        f"/api/v1/invoices{shape}&cursor={cursor}", headers=bearer(member)
                    )
                    numbers += [
                        i["invoiceNumber"] for i in assert_envelope(more, 200)["data"]["items"]
                    ]
                seen[n, shape] = numbers
        return seen

    first = pages()
    kept = dict(documents._pages)
    assert pages() == first
    assert documents._pages == kept and all(  # nothing built again
        documents._pages[key][2] is page for key, (_s, _c, page) in kept.items()
    )
    for n in range(2):
        assert first[n, "?limit=2"] == [f"{i}-ORG{n}-{i}" for i in range(4)]  # _put's prefix
        assert first[n, "?limit=3&status=ISSUED"] == [f"0-ORG{n}-0", f"2-ORG{n}-2"]
        assert first[n, "?limit=1&status=DRAFT"] == [f"1-ORG{n}-1", f"3-ORG{n}-3"]
