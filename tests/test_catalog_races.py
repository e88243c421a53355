"""Racing catalog writes against a running server: the database decides, one winner, no 500."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import requests
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.catalog.models import Product
from portal.extensions import db
from tests.conftest import bearer

THREADS = 20
SPELLINGS = ["RACE-1", "race-1", " Race-1 ", "rAcE-1\t", "  RACE-1"]


def products_of(app, organization_id: str) -> list[tuple[str, str]]:
    with app.app_context():
        rows = db.session.execute(
            select(Product.sku, Product.sku_key)
            .join(Organization, Organization.id == Product.organization_id)
            .where(Organization.public_id == organization_id)
            .order_by(Product.id)
        )
        return [(sku, key) for sku, key in rows]


def call(method: str, url: str, member, **kwargs) -> tuple[int, dict | str]:
    with requests.Session() as http:
        response = http.request(method, url, headers=bearer(member), timeout=120, **kwargs)
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, response.text


def race(worker, count: int = THREADS) -> list[tuple[int, dict | str]]:
    """Run ``worker(n)`` for n in 0..count-1 in threads released together."""
    barrier = threading.Barrier(count)

    def start(n):
        barrier.wait(timeout=60)
        return worker(n)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


def test_twenty_creates_of_one_sku_give_one_product(app, live_server, make_user):
    operator = make_user(role="OPERATOR")

    def create(n):
        payload = {"name": f"Corredor {n}", "sku": SPELLINGS[n % len(SPELLINGS)], "price": "1.50"}
        return call("POST", f"{live_server.url}/api/v1/products", operator, json=payload)

    results = race(create)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] + [409] * (THREADS - 1), results
    for status, body in results:
        assert isinstance(body, dict), body
        if status == 409:
            assert body["code"] == "DUPLICATE_SKU"
            assert body["error"] == "Ya existe un producto con ese SKU"
            assert body["success"] is False and body["data"] is None
    rows = products_of(app, operator.organization_id)
    assert len(rows) == 1 and rows[0][1] == "race-1"
    (winner,) = [body["data"] for status, body in results if status == 201]
    assert winner["sku"] == rows[0][0]


def test_the_same_sku_races_independently_in_two_organisations(app, live_server, make_user):
    first = make_user(role="OPERATOR")
    second = make_user(role="OPERATOR")
    members = [first, second]

    def create(n):
        payload = {"name": "Corredor", "sku": SPELLINGS[n % len(SPELLINGS)], "price": 2}
        return call("POST", f"{live_server.url}/api/v1/products", members[n % 2], json=payload)

    results = race(create)
    assert sorted(status for status, _ in results) == [201] * 2 + [409] * (THREADS - 2), results
    for member in members:
        assert len(products_of(app, member.organization_id)) == 1


def test_twenty_patches_to_one_sku_give_one_winner(app, live_server, make_user):
    operator = make_user(role="OPERATOR")
    url = f"{live_server.url}/api/v1/products"
    ids = []
    for n in range(THREADS):
        status, body = call("POST", url, operator, json={"name": "P", "sku": f"P-{n}", "price": 1})
        assert status == 201, body
        ids.append(body["data"]["id"])

    def patch(n):
        return call("PATCH", f"{url}/{ids[n]}", operator, json={"sku": SPELLINGS[n % 5]})

    results = race(patch)
    assert sorted(status for status, _ in results) == [200] + [409] * (THREADS - 1), results
    assert all(body["code"] == "DUPLICATE_SKU" for status, body in results if status == 409)
    keys = [key for _sku, key in products_of(app, operator.organization_id)]
    assert len(keys) == THREADS and keys.count("race-1") == 1


def test_racing_imports_with_a_shared_sku_import_one_file_and_never_500(
    app, live_server, make_user
):
    operator = make_user(role="OPERATOR")
    url = f"{live_server.url}/api/v1/products/import"
    files = 8

    def upload(n):
        rows = [f"Archivo {n} fila {i},F{n}-{i},1" for i in range(200)]
        rows.insert(100, f"Compartido {n},{SPELLINGS[n % 5]},1")
        content = ("name,sku,price\n" + "\n".join(rows) + "\n").encode()
        return call("POST", url, operator, files={"file": (f"f{n}.csv", content, "text/csv")})

    results = race(upload, files)
    statuses = sorted(status for status, _ in results)
    assert 500 not in statuses, results
    assert statuses.count(201) == 1, results
    assert all(status in (400, 409) for status in statuses if status != 201), results
    for status, body in results:
        assert isinstance(body, dict), body
        if status == 409:
            assert body["code"] == "DUPLICATE_SKU"
        if status == 400:
            assert body["code"] == "VALIDATION_ERROR"
            assert set(body["errors"].values()) == {"Ya existe un producto con ese SKU"}
    rows = products_of(app, operator.organization_id)
    assert len(rows) == 201  # one whole file: its 200 own rows and the shared SKU
    assert len({key.split("-")[0] for _sku, key in rows if key != "race-1"}) == 1
