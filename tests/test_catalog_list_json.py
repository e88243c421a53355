"""The catalog lists' items are written by the database (``CatalogKind.item``, issue 16):
whatever a product or a customer holds, its item is the JSON ``product_json`` or
``customer_json`` gives for it (keys, their order, strings, booleans, the address's nested
object), on SQLite and PostgreSQL, searched or not, page after page.

Rows are written straight into the table with values no form would let through (quotes,
backslashes, other scripts, control-free odd characters, moments with and without
microseconds, negative amounts)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, select

from portal.accounts.models import Organization
from portal.catalog.kinds import customer_json, product_json
from portal.catalog.models import Customer, Product
from portal.extensions import db
from tests.conftest import assert_envelope, bearer
from tests.test_list_json import ODD_CHARACTERS, moments

WITH_APP = settings(
    max_examples=20,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def texts(size: int) -> st.SearchStrategy[str]:
    return st.text(ODD_CHARACTERS, max_size=size)


products = st.fixed_dictionaries(
    {
        "name": texts(40).filter(bool),
        "sku": texts(20),
        "price": st.integers(-(10**10) + 1, 10**10 - 1).map(lambda n: Decimal(n).scaleb(-2)),
        "tax_rate": st.integers(-9999, 9999).map(lambda n: Decimal(n).scaleb(-2)),
        "unit": texts(10),
        "active": st.booleans(),
        "created_at": moments,
    }
)
customers = st.fixed_dictionaries(
    {
        "name": texts(40).filter(bool),
        "email": texts(30),
        "tax_id": texts(20),
        "address": texts(60),
        "postal_code": texts(10),
        "city": texts(20),
        "region": texts(20),
        "country": st.sampled_from(["", "ES", "MX", "AR"]),
        "surcharge": st.booleans(),
        "phone": texts(20),
        "locale": st.sampled_from(["", "es", "en"]),
        "created_at": moments,
    }
)
KINDS = {"products": (Product, product_json), "customers": (Customer, customer_json)}


@pytest.fixture
def owner(make_app, make_user):
    client = make_app(RATELIMIT_ENABLED=False).test_client()
    return client, make_user(role="OWNER", plan="PRO")


def _put(app, organization_id: str, slug: str, rows: list[dict]) -> dict[str, dict]:
    """Write the rows (the organisation's only ones); each one's JSON as the Python
    serializer writes it, through orjson and back, by id."""
    model, to_json = KINDS[slug]
    with app.app_context():
        organization = db.session.scalars(
            select(Organization).where(Organization.public_id == organization_id)
        ).one()
        db.session.execute(delete(model).where(model.organization_id == organization.id))
        made = []
        for n, row in enumerate(rows):
            values = dict(row)
            if slug == "products":
                values["sku"] = f"{n}-{values['sku']}"[:64]  # unique in the organisation
            made.append(model(organization_id=organization.id, **values))
        db.session.add_all(made)
        db.session.commit()
        return {row.public_id: orjson.loads(orjson.dumps(to_json(row))) for row in made}


def _check(items: list[dict], expected: dict[str, dict]) -> None:
    for item in items:
        want = expected[item["id"]]
        assert list(item) == list(want)  # the same keys in the same order
        for key, value in want.items():
            assert item[key] == value and type(item[key]) is type(value), key
            if isinstance(value, dict):
                assert list(item[key]) == list(value)


def _listed_as_serialized(owner, slug: str, rows: list[dict]) -> None:
    client, member = owner
    expected = _put(client.application, member.organization_id, slug, rows)
    response = client.get(f"/api/v1/{slug}?limit=100", headers=bearer(member))
    items = assert_envelope(response, 200)["data"]["items"]
    assert sorted(item["id"] for item in items) == sorted(expected)
    _check(items, expected)


@WITH_APP
@given(rows=st.lists(products, min_size=1, max_size=6))
def test_each_product_is_what_the_serializer_writes(owner, rows):
    _listed_as_serialized(owner, "products", rows)


@WITH_APP
@given(rows=st.lists(customers, min_size=1, max_size=6))
def test_each_customer_is_what_the_serializer_writes(owner, rows):
    _listed_as_serialized(owner, "customers", rows)


@pytest.mark.parametrize("slug", ["products", "customers"])
def test_searched_pages_in_order_with_their_cursor(owner, slug):
    """A search's page and the next: the items in name order, each as serialized, the last
    page without a cursor."""
    client, member = owner
    moment = datetime(2026, 3, 1, 9, 15, 0, 120000, tzinfo=UTC)
    base: dict = (
        {"sku": "S", "price": Decimal("-1.50"), "unit": 'u"\\', "created_at": moment}
        if slug == "products"
        else {"email": "a@b.c", "address": "Calle «1»", "surcharge": True, "created_at": moment}
    )
    rows = [{**base, "name": f"Ñandú {n:02d} «x»"} for n in range(7)]
    rows.append({**base, "name": "Otro"})
    expected = _put(client.application, member.organization_id, slug, rows)
    seen: list[dict] = []
    url = f"/api/v1/{slug}?limit=3&q=nandu"
    while url:
        data = assert_envelope(client.get(url, headers=bearer(member)), 200)["data"]
        seen += data["items"]
        cursor = data["nextCursor"]
        url = f"/api/v1/{slug}?limit=3&q=nandu&cursor={cursor}" if cursor else ""
    assert [item["name"] for item in seen] == [f"Ñandú {n:02d} «x»" for n in range(7)]
    _check(seen, expected)
