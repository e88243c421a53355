"""The catalog API: products and customers over ``/api/v1`` (issue 3).

Envelope and messages in both languages, money parsing and rounding, field validation, SKU
uniqueness, tenancy, roles, search, keyset pagination and a constant number of queries.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from decimal import Decimal

import pytest
from sqlalchemy import event, select

from portal.accounts.models import Organization
from portal.catalog.models import Customer, Product
from portal.extensions import db
from portal.security import identity_cache
from tests.conftest import assert_envelope, bearer, csrf_from, login

PRODUCTS = "/api/v1/products"
CUSTOMERS = "/api/v1/customers"
EN = {"Accept-Language": "en"}

MESSAGES = {
    "products": {
        "es": {
            "created": "Producto creado",
            "updated": "Producto actualizado",
            "deleted": "Producto eliminado",
            "not_found": "Producto no encontrado",
            "read": "Solicitud completada",
        },
        "en": {
            "created": "Product created",
            "updated": "Product updated",
            "deleted": "Product deleted",
            "not_found": "Product not found",
            "read": "Request completed",
        },
    },
    "customers": {
        "es": {
            "created": "Cliente creado",
            "updated": "Cliente actualizado",
            "deleted": "Cliente eliminado",
            "not_found": "Cliente no encontrado",
            "read": "Solicitud completada",
        },
        "en": {
            "created": "Customer created",
            "updated": "Customer updated",
            "deleted": "Customer deleted",
            "not_found": "Customer not found",
            "read": "Request completed",
        },
    },
}
URLS = {"products": PRODUCTS, "customers": CUSTOMERS}
PREFIXES = {"products": "prod_", "customers": "cus_"}
MODELS = {"products": Product, "customers": Customer}
# What is sent, what comes back, and a PATCH with its effect, per kind.
EXAMPLES = {
    "products": {
        "payload": {
            "name": "  Martillo de uña  ",
            "sku": " MAR-001 ",
            "price": "12,5",
            "taxRate": 16,
            "unit": " pieza ",
            "active": True,
        },
        "stored": {
            "name": "Martillo de uña",
            "sku": "MAR-001",
            "price": "12.50",
            "taxRate": "16.00",
            "unit": "pieza",
            "active": True,
        },
        "patch": {"price": 99.9, "active": False},
        "patched": {"price": "99.90", "active": False},
    },
    "customers": {
        "payload": {
            "name": " Ferretería López ",
            "email": " compras@lopez.example.mx ",
            "taxId": " LOPE800101AB1 ",
            "address": "Av. Reforma 1\nCiudad de México",
            "phone": "+52 55 1234 5678",
        },
        "stored": {  # a plain string is the street (test_customer_fiscal: the whole address)
            "name": "Ferretería López",
            "email": "compras@lopez.example.mx",
            "taxId": "LOPE800101AB1",
            "address": {
                "street": "Av. Reforma 1\nCiudad de México",
                "postalCode": "",
                "city": "",
                "region": "",
                "country": "",
            },
            "country": "",
            "surcharge": False,
            "phone": "+52 55 1234 5678",
            "locale": "",
        },
        "patch": {"phone": "555-0100", "email": ""},
        "patched": {"phone": "555-0100", "email": ""},
    },
}


def new_product(**overrides) -> dict:
    return {"name": "Martillo", "sku": "MAR-1", "price": "12.50", **overrides}


def seed(app, kind: str, organization_id: str, rows: list[dict]) -> list[str]:
    """Insert rows straight into the database (fast set-up); returns their public ids."""
    model = MODELS[kind]
    with app.app_context():
        org = db.session.scalars(
            select(Organization).where(Organization.public_id == organization_id)
        ).one()
        objects = [model(organization_id=org.id, **row) for row in rows]
        db.session.add_all(objects)
        db.session.commit()
        return [o.public_id for o in objects]


def seed_products(app, organization_id: str, count: int, name=lambda n: f"Producto {n:03d}"):
    rows = [
        {"name": name(n), "sku": f"SKU-{n:04d}", "price": Decimal("1.00") + n} for n in range(count)
    ]
    return seed(app, "products", organization_id, rows)


def seed_rows(app, kind: str, organization_id: str, count: int, name) -> list[str]:
    if kind == "products":
        return seed_products(app, organization_id, count, name)
    rows = [{"name": name(n), "email": f"c{n}@example.com"} for n in range(count)]
    return seed(app, kind, organization_id, rows)


def stored(app, kind: str, organization_id: str) -> list:
    """Every row of one organisation, read straight from the database."""
    model = MODELS[kind]
    with app.app_context():
        return list(
            db.session.scalars(
                select(model)
                .join(Organization, Organization.id == model.organization_id)
                .where(Organization.public_id == organization_id)
                .order_by(model.id)
            )
        )


def walk(client, url: str, member, limit: int, **params) -> list[list[dict]]:
    """Every page of a list, following ``nextCursor`` until it is null."""
    pages = []
    cursor = None
    for _ in range(1000):
        query = {"limit": limit, **params}
        if cursor:
            query["cursor"] = cursor
        data = assert_envelope(client.get(url, query_string=query, headers=bearer(member)), 200)[
            "data"
        ]
        assert set(data) == {"items", "nextCursor"}
        pages.append(data["items"])
        cursor = data["nextCursor"]
        if cursor is None:
            return pages
        assert isinstance(cursor, str) and cursor
    raise AssertionError("pagination never ended")


def validation_errors(response, lang: str = "es") -> dict:
    body = assert_envelope(response, 400, "VALIDATION_ERROR")
    assert body["message"] == ("La validación falló" if lang == "es" else "Validation failed")
    assert body["data"] is None
    assert body["error"] == next(iter(body["errors"].values()))
    return body["errors"]


# --- CRUD ------------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("kind", ["products", "customers"])
def test_crud_with_envelope_and_messages(client, make_user, kind, lang):
    url, example, text = URLS[kind], EXAMPLES[kind], MESSAGES[kind][lang]
    operator = make_user(role="OPERATOR")
    admin = make_user(role="ADMIN", organization_id=operator.organization_id)
    headers = EN if lang == "en" else {}

    body = assert_envelope(
        client.post(url, json=example["payload"], headers=bearer(operator, **headers)), 201
    )
    assert body["message"] == text["created"] and body["errors"] is None
    row = body["data"]
    assert set(row) == {"id", "createdAt", *example["stored"]}
    assert {k: v for k, v in row.items() if k not in ("id", "createdAt")} == example["stored"]
    assert row["id"].startswith(PREFIXES[kind]) and len(row["id"]) > len(PREFIXES[kind]) + 16
    assert datetime.fromisoformat(row["createdAt"]).tzinfo is not None

    read = assert_envelope(
        client.get(f"{url}/{row['id']}", headers=bearer(operator, **headers)), 200
    )
    assert read["message"] == text["read"] and read["data"] == row

    listing = assert_envelope(client.get(url, headers=bearer(operator, **headers)), 200)
    assert listing["message"] == text["read"]
    assert listing["data"] == {"items": [row], "nextCursor": None}

    patched = assert_envelope(
        client.patch(
            f"{url}/{row['id']}", json=example["patch"], headers=bearer(operator, **headers)
        ),
        200,
    )
    assert patched["message"] == text["updated"]
    assert patched["data"] == {**row, **example["patched"]}
    again = client.get(f"{url}/{row['id']}", headers=bearer(operator))
    assert assert_envelope(again, 200)["data"] == {**row, **example["patched"]}

    deleted = assert_envelope(
        client.delete(f"{url}/{row['id']}", headers=bearer(admin, **headers)), 200
    )
    assert deleted["message"] == text["deleted"] and deleted["data"] is None
    gone = assert_envelope(
        client.get(f"{url}/{row['id']}", headers=bearer(admin, **headers)), 404, "NOT_FOUND"
    )
    assert gone["error"] == gone["message"] == text["not_found"]
    assert gone["data"] is None and gone["errors"] is None
    again = client.delete(f"{url}/{row['id']}", headers=bearer(admin, **headers))
    assert assert_envelope(again, 404, "NOT_FOUND")["error"] == text["not_found"]
    assert stored(client.application, kind, operator.organization_id) == []


def test_saved_locale_wins_over_accept_language(client, make_user):
    english = make_user(role="OPERATOR", locale="en")
    response = client.post(
        PRODUCTS, json=new_product(price=0), headers=bearer(english, **{"Accept-Language": "es"})
    )
    assert validation_errors(response, "en") == {"price": "Price must be greater than 0"}
    ok = client.post(PRODUCTS, json=new_product(), headers=bearer(english))
    assert assert_envelope(ok, 201)["message"] == "Product created"


def test_product_defaults_and_optional_fields(client, make_user):
    operator = make_user(role="OPERATOR")
    minimal = client.post(
        PRODUCTS, json={"name": "Clavo", "sku": "CL-1", "price": 1}, headers=bearer(operator)
    )
    data = assert_envelope(minimal, 201)["data"]
    assert (data["price"], data["taxRate"], data["unit"], data["active"]) == (
        "1.00",
        "0.00",
        "",
        True,
    )
    nulls = client.post(
        PRODUCTS,
        json={"name": "Tornillo", "sku": "TO-1", "price": "2", "taxRate": None, "unit": None},
        headers=bearer(operator),
    )
    data = assert_envelope(nulls, 201)["data"]
    assert (data["taxRate"], data["unit"], data["active"]) == ("0.00", "", True)
    inactive = client.post(
        PRODUCTS, json=new_product(sku="IN-1", active=False), headers=bearer(operator)
    )
    assert assert_envelope(inactive, 201)["data"]["active"] is False


def test_customer_needs_only_a_name(client, make_user):
    operator = make_user(role="OPERATOR")
    for payload in ({"name": "Solo nombre"}, {"name": "Nulos", "email": None, "taxId": None}):
        data = assert_envelope(client.post(CUSTOMERS, json=payload, headers=bearer(operator)), 201)[
            "data"
        ]
        assert (data["email"], data["taxId"], data["phone"]) == ("", "", "")
        assert set(data["address"].values()) == {""} and data["country"] == ""
        assert data["surcharge"] is False
    missing = client.post(CUSTOMERS, json={"email": "a@example.com"}, headers=bearer(operator))
    assert validation_errors(missing) == {"name": "El nombre es requerido"}
    blank = client.post(CUSTOMERS, json={"name": "   "}, headers=bearer(operator, **EN))
    assert validation_errors(blank, "en") == {"name": "Name is required"}


def test_patch_checks_only_the_fields_it_names(client, make_user):
    operator = make_user(role="OPERATOR")
    row = assert_envelope(
        client.post(PRODUCTS, json=new_product(taxRate="16"), headers=bearer(operator)), 201
    )["data"]
    url = f"{PRODUCTS}/{row['id']}"
    assert assert_envelope(client.patch(url, json={}, headers=bearer(operator)), 200)["data"] == row
    renamed = assert_envelope(
        client.patch(url, json={"name": " Mazo "}, headers=bearer(operator)), 200
    )["data"]
    assert renamed == {**row, "name": "Mazo"}
    for bad, errors in (
        ({"name": ""}, {"name": "El nombre es requerido"}),
        ({"name": None}, {"name": "El nombre es requerido"}),
        ({"price": "0"}, {"price": "El precio debe ser mayor a 0"}),
        ({"price": None}, {"price": "El precio es requerido"}),
        ({"sku": "  "}, {"sku": "El SKU es requerido"}),
        (
            {"taxRate": 150, "active": "no"},
            {"taxRate": "Debe estar entre 0 y 100", "active": "Valor inválido"},
        ),
    ):
        assert validation_errors(client.patch(url, json=bad, headers=bearer(operator))) == errors
    after = assert_envelope(client.get(url, headers=bearer(operator)), 200)["data"]
    assert after == {**row, "name": "Mazo"}  # no failed PATCH changed anything


# --- Money -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("price", "expected"),
    [
        ("12,50", "12.50"),
        ("12.50", "12.50"),
        (12.5, "12.50"),
        ("12,5", "12.50"),
        (12, "12.00"),
        (" 7 ", "7.00"),
        ("1e2", "100.00"),
        ("0.005", "0.01"),
        ("2.675", "2.68"),
        (2.675, "2.68"),  # the JSON number's text, never a binary float (which is 2.67499…)
        ("1.005", "1.01"),
        ("0,015", "0.02"),
        ("0.01", "0.01"),
        ("9999999999.99", "9999999999.99"),
    ],
)
def test_prices_become_two_decimal_strings_rounded_half_up(client, make_user, price, expected):
    operator = make_user(role="OPERATOR")
    created = client.post(PRODUCTS, json=new_product(price=price), headers=bearer(operator))
    row = assert_envelope(created, 201)["data"]
    assert row["price"] == expected
    # …and the database keeps exactly that (integer cents on SQLite, NUMERIC on PostgreSQL).
    read = client.get(f"{PRODUCTS}/{row['id']}", headers=bearer(operator))
    assert assert_envelope(read, 200)["data"]["price"] == expected
    (product,) = stored(client.application, "products", operator.organization_id)
    assert product.price == Decimal(expected)


@pytest.mark.parametrize(
    ("price", "es", "en"),
    [
        (0, "El precio debe ser mayor a 0", "Price must be greater than 0"),
        ("0", "El precio debe ser mayor a 0", "Price must be greater than 0"),
        ("0,00", "El precio debe ser mayor a 0", "Price must be greater than 0"),
        (-1, "El precio debe ser mayor a 0", "Price must be greater than 0"),
        ("-0.01", "El precio debe ser mayor a 0", "Price must be greater than 0"),
        ("abc", "Debe ser un número", "Must be a number"),
        ("12,50,1", "Debe ser un número", "Must be a number"),
        ("NaN", "Debe ser un número", "Must be a number"),
        ("Infinity", "Debe ser un número", "Must be a number"),
        ("-Infinity", "Debe ser un número", "Must be a number"),
        ("sNaN", "Debe ser un número", "Must be a number"),
        (1e20, "Debe ser como máximo 9999999999.99", "Must be at most 9999999999.99"),
        ("1e20", "Debe ser como máximo 9999999999.99", "Must be at most 9999999999.99"),
        ("10000000000", "Debe ser como máximo 9999999999.99", "Must be at most 9999999999.99"),
        ("", "El precio es requerido", "Price is required"),
        ("   ", "El precio es requerido", "Price is required"),
        (None, "El precio es requerido", "Price is required"),
        (True, "Valor inválido", "Invalid value"),
        ([12], "Valor inválido", "Invalid value"),
        ({"amount": 12}, "Valor inválido", "Invalid value"),
    ],
)
def test_bad_prices_are_field_errors(client, make_user, price, es, en):
    operator = make_user(role="OPERATOR")
    spanish = client.post(PRODUCTS, json=new_product(price=price), headers=bearer(operator))
    assert validation_errors(spanish) == {"price": es}
    english = client.post(PRODUCTS, json=new_product(price=price), headers=bearer(operator, **EN))
    assert validation_errors(english, "en") == {"price": en}
    assert stored(client.application, "products", operator.organization_id) == []


def test_missing_price_is_required(client, make_user):
    operator = make_user(role="OPERATOR")
    response = client.post(PRODUCTS, json={"name": "X", "sku": "X"}, headers=bearer(operator))
    assert validation_errors(response) == {"price": "El precio es requerido"}


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_json_number_literals_are_field_errors(client, make_user, literal):
    operator = make_user(role="OPERATOR")
    raw = '{"name": "X", "sku": "X", "price": ' + literal + "}"
    response = client.post(
        PRODUCTS, data=raw, content_type="application/json", headers=bearer(operator)
    )
    assert validation_errors(response) == {"price": "Debe ser un número"}


@pytest.mark.parametrize("price", ["0.004", "0,001", 0.0049])
def test_price_that_rounds_to_zero_is_refused(client, make_user, price):
    operator = make_user(role="OPERATOR")
    response = client.post(PRODUCTS, json=new_product(price=price), headers=bearer(operator))
    assert validation_errors(response) == {"price": "El precio debe ser mayor a 0"}
    assert stored(client.application, "products", operator.organization_id) == []


@pytest.mark.parametrize(
    ("tax", "expected"),
    [(0, "0.00"), (100, "100.00"), ("16,5", "16.50"), ("8.255", "8.26"), (None, "0.00")],
)
def test_tax_rate_accepts_zero_to_a_hundred(client, make_user, tax, expected):
    operator = make_user(role="OPERATOR")
    response = client.post(PRODUCTS, json=new_product(taxRate=tax), headers=bearer(operator))
    assert assert_envelope(response, 201)["data"]["taxRate"] == expected


@pytest.mark.parametrize(
    ("tax", "es", "en"),
    [
        (-1, "Debe estar entre 0 y 100", "Must be between 0 and 100"),
        ("-0.01", "Debe estar entre 0 y 100", "Must be between 0 and 100"),
        (100.01, "Debe estar entre 0 y 100", "Must be between 0 and 100"),
        ("101", "Debe estar entre 0 y 100", "Must be between 0 and 100"),
        ("1e3", "Debe estar entre 0 y 100", "Must be between 0 and 100"),
        ("diez", "Debe ser un número", "Must be a number"),
        ("NaN", "Debe ser un número", "Must be a number"),
        (False, "Valor inválido", "Invalid value"),
    ],
)
def test_tax_rate_out_of_range(client, make_user, tax, es, en):
    operator = make_user(role="OPERATOR")
    spanish = client.post(PRODUCTS, json=new_product(taxRate=tax), headers=bearer(operator))
    assert validation_errors(spanish) == {"taxRate": es}
    english = client.post(PRODUCTS, json=new_product(taxRate=tax), headers=bearer(operator, **EN))
    assert validation_errors(english, "en") == {"taxRate": en}


# --- Types, sizes and bodies -----------------------------------------------------------------


def test_wrong_json_types_are_field_errors(client, make_user):
    operator = make_user(role="OPERATOR")
    response = client.post(
        PRODUCTS,
        json={"name": 123, "sku": ["A"], "price": "1", "unit": 5, "active": "yes"},
        headers=bearer(operator),
    )
    assert validation_errors(response) == {
        "name": "Valor inválido",
        "sku": "Valor inválido",
        "unit": "Valor inválido",
        "active": "Valor inválido",
    }
    for active in (1, 0, "true", {"on": True}):
        response = client.post(
            PRODUCTS, json=new_product(active=active), headers=bearer(operator, **EN)
        )
        assert validation_errors(response, "en") == {"active": "Invalid value"}
    customer = client.post(
        CUSTOMERS,
        json={"name": {"first": "Ana"}, "email": 42, "phone": 5550100},
        headers=bearer(operator),
    )
    assert validation_errors(customer) == {
        "name": "Valor inválido",
        "email": "Valor inválido",
        "phone": "Valor inválido",
    }
    assert stored(client.application, "products", operator.organization_id) == []
    assert stored(client.application, "customers", operator.organization_id) == []


def test_every_failing_field_is_reported_in_form_order(client, make_user):
    operator = make_user(role="OPERATOR")
    response = client.post(
        PRODUCTS,
        json={"name": "", "sku": "", "price": 0, "taxRate": 101, "unit": "u" * 21},
        headers=bearer(operator),
    )
    errors = validation_errors(response)
    assert list(errors.items()) == [
        ("name", "El nombre es requerido"),
        ("sku", "El SKU es requerido"),
        ("price", "El precio debe ser mayor a 0"),
        ("taxRate", "Debe estar entre 0 y 100"),
        ("unit", "Debe tener como máximo 20 caracteres"),
    ]
    assert response.get_json()["error"] == "El nombre es requerido"


def test_lengths_are_limited(client, make_user):
    operator = make_user(role="OPERATOR")
    longest = client.post(
        PRODUCTS, json=new_product(name="ñ" * 200, sku="S" * 64), headers=bearer(operator)
    )
    data = assert_envelope(longest, 201)["data"]
    assert data["name"] == "ñ" * 200 and data["sku"] == "S" * 64
    too_long = client.post(
        PRODUCTS, json=new_product(name="ñ" * 201, sku="T" * 65), headers=bearer(operator)
    )
    assert validation_errors(too_long) == {
        "name": "Debe tener como máximo 200 caracteres",
        "sku": "Debe tener como máximo 64 caracteres",
    }
    english = client.post(
        PRODUCTS, json=new_product(name="x" * 201), headers=bearer(operator, **EN)
    )
    assert validation_errors(english, "en") == {"name": "Must be at most 200 characters"}
    huge = client.post(PRODUCTS, json=new_product(name="x" * 1_000_000), headers=bearer(operator))
    assert validation_errors(huge) == {"name": "Debe tener como máximo 200 caracteres"}
    customer = client.post(
        CUSTOMERS,
        json={
            "name": "C",
            "email": "a" * 250 + "@example.com",
            "taxId": "R" * 33,
            "address": "d" * 501,
            "phone": "5" * 41,
        },
        headers=bearer(operator),
    )
    assert validation_errors(customer) == {
        "email": "Debe tener como máximo 254 caracteres",
        "taxId": "Identificación fiscal inválida",  # no country takes 33 characters
        "address": "Debe tener como máximo 500 caracteres",  # the street, sent as a string
        "phone": "Debe tener como máximo 40 caracteres",
    }
    assert len(stored(client.application, "products", operator.organization_id)) == 1
    assert stored(client.application, "customers", operator.organization_id) == []


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ("{broken", "application/json"),
        ('{"name": "x",}', "application/json"),
        ("[1, 2]", "application/json"),
        ('[{"name": "x", "sku": "y", "price": 1}]', "application/json"),
        ('"a string"', "application/json"),
        ("null", "application/json"),
        ("42", "application/json"),
        ("", "application/json"),
        ("name=x&sku=y&price=1", "application/x-www-form-urlencoded"),
        (b'{"name": "\xff"}', "application/json"),
    ],
)
@pytest.mark.parametrize("kind", ["products", "customers"])
def test_body_that_is_not_a_json_object_is_400(client, make_user, kind, body, content_type):
    operator = make_user(role="OPERATOR")
    url = URLS[kind]
    response = client.post(url, data=body, content_type=content_type, headers=bearer(operator))
    assert validation_errors(response) == {
        "body": "El cuerpo de la solicitud debe ser un objeto JSON"
    }
    row = assert_envelope(
        client.post(
            url,
            json=EXAMPLES[kind]["payload"],
            headers=bearer(operator),
        ),
        201,
    )["data"]
    patch = client.patch(
        f"{url}/{row['id']}", data=body, content_type=content_type, headers=bearer(operator, **EN)
    )
    assert validation_errors(patch, "en") == {"body": "The request body must be a JSON object"}
    assert len(stored(client.application, kind, operator.organization_id)) == 1


@pytest.mark.parametrize(
    "email", ["bad", "x@", "@example.com", "a b@example.com", "ana@@example.com", "ana@example"]
)
def test_customer_email_is_optional_but_must_be_valid(client, make_user, email):
    operator = make_user(role="OPERATOR")
    response = client.post(
        CUSTOMERS, json={"name": "Ana", "email": email}, headers=bearer(operator)
    )
    assert validation_errors(response) == {"email": "Correo electrónico inválido"}
    english = client.post(
        CUSTOMERS, json={"name": "Ana", "email": email}, headers=bearer(operator, **EN)
    )
    assert validation_errors(english, "en") == {"email": "Invalid email address"}
    row = assert_envelope(
        client.post(
            CUSTOMERS, json={"name": "Ana", "email": "ana@example.com"}, headers=bearer(operator)
        ),
        201,
    )["data"]
    patch = client.patch(
        f"{CUSTOMERS}/{row['id']}", json={"email": email}, headers=bearer(operator)
    )
    assert validation_errors(patch) == {"email": "Correo electrónico inválido"}
    read = client.get(f"{CUSTOMERS}/{row['id']}", headers=bearer(operator))
    assert assert_envelope(read, 200)["data"]["email"] == "ana@example.com"


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("products", new_product(name="Tuerca\x00")),
        ("products", new_product(sku="\x00")),
        ("customers", {"name": "Ana", "address": "Calle\x001"}),
    ],
)
def test_nul_characters_are_a_400_never_a_server_error(make_app, make_user, kind, payload):
    # PostgreSQL refuses NUL in text: letting one through is a 500 there.
    client = make_app(PROPAGATE_INTERNAL_ERRORS=False).test_client()
    operator = make_user(role="OPERATOR")
    response = client.post(URLS[kind], json=payload, headers=bearer(operator))
    assert validation_errors(response)
    row = assert_envelope(
        client.post(URLS[kind], json=EXAMPLES[kind]["payload"], headers=bearer(operator)), 201
    )["data"]
    patch = client.patch(f"{URLS[kind]}/{row['id']}", json=payload, headers=bearer(operator))
    assert validation_errors(patch)
    assert len(stored(client.application, kind, operator.organization_id)) == 1


# --- SKU uniqueness --------------------------------------------------------------------------


def test_duplicate_sku_ignores_case_and_blanks(client, make_user):
    operator = make_user(role="OPERATOR")
    first = client.post(PRODUCTS, json=new_product(sku=" abc-1 "), headers=bearer(operator))
    original = assert_envelope(first, 201)["data"]
    assert original["sku"] == "abc-1"
    for sku, headers, message in (
        ("ABC-1", {}, "Ya existe un producto con ese SKU"),
        ("  Abc-1", EN, "A product with that SKU already exists"),
        ("abc-1\t", {}, "Ya existe un producto con ese SKU"),
    ):
        response = client.post(
            PRODUCTS, json=new_product(name="Otro", sku=sku), headers=bearer(operator, **headers)
        )
        body = assert_envelope(response, 409, "DUPLICATE_SKU")
        assert body["error"] == body["message"] == message
        assert body["data"] is None
    rows = stored(client.application, "products", operator.organization_id)
    assert [(p.public_id, p.sku, p.name) for p in rows] == [(original["id"], "abc-1", "Martillo")]


def test_duplicate_sku_with_non_ascii_letters(client, make_user):
    operator = make_user(role="OPERATOR")
    assert_envelope(
        client.post(PRODUCTS, json=new_product(sku="ñandú-1"), headers=bearer(operator)), 201
    )
    again = client.post(PRODUCTS, json=new_product(sku=" ÑANDÚ-1 "), headers=bearer(operator))
    assert_envelope(again, 409, "DUPLICATE_SKU")


def test_same_sku_in_another_organisation_is_fine(client, make_user):
    mine = make_user(role="OPERATOR")
    theirs = make_user(role="OPERATOR")
    assert_envelope(client.post(PRODUCTS, json=new_product(sku="ABC-1"), headers=bearer(mine)), 201)
    other = client.post(PRODUCTS, json=new_product(sku=" abc-1 "), headers=bearer(theirs))
    assert assert_envelope(other, 201)["data"]["sku"] == "abc-1"


def test_patch_to_another_products_sku_is_409_and_changes_nothing(client, make_user):
    operator = make_user(role="OPERATOR")
    first = assert_envelope(
        client.post(PRODUCTS, json=new_product(sku="A-1"), headers=bearer(operator)), 201
    )["data"]
    second = assert_envelope(
        client.post(PRODUCTS, json=new_product(name="Mazo", sku="B-2"), headers=bearer(operator)),
        201,
    )["data"]
    clash = client.patch(
        f"{PRODUCTS}/{second['id']}",
        json={"sku": " a-1 ", "name": "Renombrado"},
        headers=bearer(operator, **EN),
    )
    body = assert_envelope(clash, 409, "DUPLICATE_SKU")
    assert body["error"] == "A product with that SKU already exists"
    read = client.get(f"{PRODUCTS}/{second['id']}", headers=bearer(operator))
    assert assert_envelope(read, 200)["data"] == second  # the name change rolled back too
    # Its own SKU in another spelling is not a duplicate.
    own = client.patch(f"{PRODUCTS}/{first['id']}", json={"sku": "a-1 "}, headers=bearer(operator))
    assert assert_envelope(own, 200)["data"]["sku"] == "a-1"


def test_a_deleted_products_sku_can_be_reused(client, make_user):
    admin = make_user(role="ADMIN")
    row = assert_envelope(client.post(PRODUCTS, json=new_product(), headers=bearer(admin)), 201)[
        "data"
    ]
    assert_envelope(client.delete(f"{PRODUCTS}/{row['id']}", headers=bearer(admin)), 200)
    assert_envelope(client.post(PRODUCTS, json=new_product(), headers=bearer(admin)), 201)


# --- Tenancy ---------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "en"])
@pytest.mark.parametrize("kind", ["products", "customers"])
def test_another_organisations_rows_are_404_and_untouched(client, make_user, kind, lang):
    url, text = URLS[kind], MESSAGES[kind][lang]
    owner = make_user(role="OWNER")
    stranger = make_user(role="OWNER")  # another organisation, highest role
    headers = EN if lang == "en" else {}
    row = assert_envelope(
        client.post(url, json=EXAMPLES[kind]["payload"], headers=bearer(owner)), 201
    )["data"]
    target = f"{url}/{row['id']}"

    for method, body in (
        ("get", None),
        ("patch", EXAMPLES[kind]["patch"]),
        ("patch", {"name": ""}),  # a bad body is still a 404, never a 400
        ("delete", None),
    ):
        response = getattr(client, method)(target, json=body, headers=bearer(stranger, **headers))
        answer = assert_envelope(response, 404, "NOT_FOUND")
        assert answer["error"] == answer["message"] == text["not_found"]
        assert answer["data"] is None

    assert assert_envelope(client.get(target, headers=bearer(owner)), 200)["data"] == row
    (kept,) = stored(client.application, kind, owner.organization_id)
    assert kept.public_id == row["id"] and kept.name == EXAMPLES[kind]["stored"]["name"]

    listing = client.get(url, headers=bearer(stranger))
    assert assert_envelope(listing, 200)["data"] == {"items": [], "nextCursor": None}
    search = client.get(url, query_string={"q": row["name"][:4]}, headers=bearer(stranger))
    assert assert_envelope(search, 200)["data"]["items"] == []


def test_unknown_and_wrong_kind_ids_are_404(client, make_user):
    admin = make_user(role="ADMIN")
    customer = assert_envelope(
        client.post(CUSTOMERS, json={"name": "Ana"}, headers=bearer(admin)), 201
    )["data"]
    for url, message in (
        (f"{PRODUCTS}/prod_doesnotexist", "Producto no encontrado"),
        (f"{PRODUCTS}/{customer['id']}", "Producto no encontrado"),
        (f"{PRODUCTS}/{'x' * 500}", "Producto no encontrado"),
        (f"{PRODUCTS}/1", "Producto no encontrado"),
        (f"{CUSTOMERS}/cus_doesnotexist", "Cliente no encontrado"),
    ):
        for method in ("get", "patch", "delete"):
            response = getattr(client, method)(url, json={"name": "x"}, headers=bearer(admin))
            assert assert_envelope(response, 404, "NOT_FOUND")["error"] == message


def test_lists_only_show_the_callers_organisation(app, client, make_user):
    mine = make_user(role="VIEWER")
    theirs = make_user(role="VIEWER")
    seed_products(app, mine.organization_id, 3, name=lambda n: f"Mío {n}")
    seed_products(app, theirs.organization_id, 4, name=lambda n: f"Suyo {n}")
    seed(app, "customers", theirs.organization_id, [{"name": "Cliente ajeno"}])
    items = [i for page in walk(client, PRODUCTS, mine, 2) for i in page]
    assert sorted(i["name"] for i in items) == ["Mío 0", "Mío 1", "Mío 2"]
    assert walk(client, CUSTOMERS, mine, 10) == [[]]
    other = [i for page in walk(client, PRODUCTS, theirs, 100) for i in page]
    assert len(other) == 4 and all(i["name"].startswith("Suyo") for i in other)


# --- Roles -----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["products", "customers"])
def test_viewer_reads_but_never_writes(client, make_user, kind):
    url, example = URLS[kind], EXAMPLES[kind]
    operator = make_user(role="OPERATOR")
    viewer = make_user(role="VIEWER", organization_id=operator.organization_id)
    row = assert_envelope(client.post(url, json=example["payload"], headers=bearer(operator)), 201)[
        "data"
    ]
    target = f"{url}/{row['id']}"

    assert assert_envelope(client.get(url, headers=bearer(viewer)), 200)["data"]["items"] == [row]
    assert assert_envelope(client.get(target, headers=bearer(viewer)), 200)["data"] == row

    attempts = (
        ("post", url, example["payload"], "OPERATOR"),
        ("patch", target, example["patch"], "OPERATOR"),
        ("delete", target, None, "ADMIN"),
    )
    for method, path, body, role in attempts:
        spanish = getattr(client, method)(path, json=body, headers=bearer(viewer))
        answer = assert_envelope(spanish, 403, "FORBIDDEN")
        assert answer["error"] == answer["message"] == "Sin permisos"
        english = getattr(client, method)(path, json=body, headers=bearer(viewer, **EN))
        answer = assert_envelope(english, 403, "FORBIDDEN")
        assert answer["error"] == f"Access denied — {role} role required"
    # The permission is checked before the body is read.
    broken = client.post(
        url, data="{broken", content_type="application/json", headers=bearer(viewer)
    )
    assert_envelope(broken, 403, "FORBIDDEN")

    (kept,) = stored(client.application, kind, operator.organization_id)
    assert kept.public_id == row["id"] and kept.name == row["name"]
    assert assert_envelope(client.get(target, headers=bearer(viewer)), 200)["data"] == row


@pytest.mark.parametrize("role", ["OPERATOR", "ACCOUNTANT"])
@pytest.mark.parametrize("kind", ["products", "customers"])
def test_operator_and_accountant_create_and_edit_but_cannot_delete(client, make_user, kind, role):
    url, example = URLS[kind], EXAMPLES[kind]
    member = make_user(role=role)
    row = assert_envelope(client.post(url, json=example["payload"], headers=bearer(member)), 201)[
        "data"
    ]
    target = f"{url}/{row['id']}"
    assert_envelope(client.patch(target, json=example["patch"], headers=bearer(member)), 200)
    refused = client.delete(target, headers=bearer(member, **EN))
    assert assert_envelope(refused, 403, "FORBIDDEN")["error"] == (
        "Access denied — ADMIN role required"
    )
    assert (
        assert_envelope(client.get(target, headers=bearer(member)), 200)["data"]["id"] == row["id"]
    )


@pytest.mark.parametrize("role", ["ADMIN", "OWNER"])
@pytest.mark.parametrize("kind", ["products", "customers"])
def test_admin_and_owner_delete(client, make_user, kind, role):
    url = URLS[kind]
    member = make_user(role=role)
    row = assert_envelope(
        client.post(url, json=EXAMPLES[kind]["payload"], headers=bearer(member)), 201
    )["data"]
    assert_envelope(client.delete(f"{url}/{row['id']}", headers=bearer(member)), 200)
    assert stored(client.application, kind, member.organization_id) == []


@pytest.mark.parametrize("kind", ["products", "customers"])
def test_anonymous_callers_are_401(client, kind):
    url = URLS[kind]
    for method, path in (("get", url), ("post", url), ("get", f"{url}/x"), ("delete", f"{url}/x")):
        response = getattr(client, method)(path, json={})
        assert assert_envelope(response, 401, "UNAUTHORIZED")["error"] == "No autorizado"


def test_cookie_callers_need_the_csrf_header_to_write(client, make_user):
    owner = make_user(role="OWNER")
    login(client, owner.email)
    assert assert_envelope(client.get(PRODUCTS), 200)["data"]["items"] == []
    assert_envelope(client.post(PRODUCTS, json=new_product()), 400, "CSRF_FAILED")
    forged = client.post(PRODUCTS, json=new_product(), headers={"X-CSRFToken": "forged"})
    assert_envelope(forged, 400, "CSRF_FAILED")
    upload = client.post(
        f"{PRODUCTS}/import", data=b"name,sku,price\nA,A-1,1\n", content_type="text/csv"
    )
    assert_envelope(upload, 400, "CSRF_FAILED")
    assert stored(client.application, "products", owner.organization_id) == []
    token = csrf_from(client.get("/team/new").get_data(as_text=True))
    accepted = client.post(PRODUCTS, json=new_product(), headers={"X-CSRFToken": token})
    assert_envelope(accepted, 201)


@pytest.mark.parametrize("kind", ["products", "customers"])
def test_unsupported_methods_are_405_in_the_envelope(client, make_user, kind):
    admin = make_user(role="ADMIN")
    for method, path in (("put", URLS[kind]), ("put", f"{URLS[kind]}/x"), ("delete", URLS[kind])):
        response = getattr(client, method)(path, json={}, headers=bearer(admin))
        assert_envelope(response, 405, "METHOD_NOT_ALLOWED")
        assert response.headers["Allow"]


# --- Search ----------------------------------------------------------------------------------


def names(response) -> list[str]:
    return sorted(item["name"] for item in assert_envelope(response, 200)["data"]["items"])


def test_product_search_by_name_and_sku_case_insensitive_with_literal_wildcards(
    app, client, make_user
):
    viewer = make_user(role="VIEWER")
    seed(
        app,
        "products",
        viewer.organization_id,
        [
            {"name": "Martillo de uña", "sku": "HER-001", "price": Decimal(10)},
            {"name": "Clavo 100% acero", "sku": "CLA_1", "price": Decimal(1)},
            {"name": "Clavo 1000", "sku": "CLAX1", "price": Decimal(1)},
            {"name": "Caja A\\B", "sku": "CAJ-1", "price": Decimal(3)},
            {"name": "Destornillador", "sku": "mar-77", "price": Decimal(5)},
        ],
    )

    def search(q):
        return names(client.get(PRODUCTS, query_string={"q": q}, headers=bearer(viewer)))

    assert search("MAR") == ["Destornillador", "Martillo de uña"]  # name, or SKU "mar-77"
    assert search("martillo") == ["Martillo de uña"]
    assert search("her-0") == ["Martillo de uña"]
    assert search("  clavo  ") == ["Clavo 100% acero", "Clavo 1000"]
    assert search("%") == ["Clavo 100% acero"]
    assert search("100%") == ["Clavo 100% acero"]
    assert search("_") == ["Clavo 100% acero"]
    assert search("cla_") == ["Clavo 100% acero"]
    assert search("\\") == ["Caja A\\B"]
    assert search("a\\b") == ["Caja A\\B"]
    assert search("zzz") == []
    assert len(search("")) == 5
    assert search("x" * 5000) == []


def test_customer_search_by_name_email_and_tax_id(app, client, make_user):
    viewer = make_user(role="VIEWER")
    seed(
        app,
        "customers",
        viewer.organization_id,
        [
            {"name": "Ferretería López", "email": "compras@lopez.mx", "tax_id": "LOPE800101AB1"},
            {"name": "Abarrotes Díaz", "email": "ventas@diaz.mx", "tax_id": "DIAZ_9001"},
            {"name": "Constructora 50%", "email": "info@c50.mx", "tax_id": "CON900101"},
            {"name": "Otro", "address": "Calle López 5", "phone": "555-LOPEZ"},
        ],
    )

    def search(q):
        return names(client.get(CUSTOMERS, query_string={"q": q}, headers=bearer(viewer)))

    assert search("lópez") == ["Ferretería López"]
    assert search("VENTAS@") == ["Abarrotes Díaz"]
    assert search("lope8001") == ["Ferretería López"]
    assert search("%") == ["Constructora 50%"]
    assert search("_") == ["Abarrotes Díaz"]
    assert search(".mx") == ["Abarrotes Díaz", "Constructora 50%", "Ferretería López"]


def test_search_folds_case_of_non_ascii_letters(app, client, make_user):
    viewer = make_user(role="VIEWER")
    seed(
        app,
        "products",
        viewer.organization_id,
        [{"name": "ÑANDÚ DE PELUCHE", "sku": "P-1", "price": Decimal(1)}],
    )
    found = client.get(PRODUCTS, query_string={"q": "ñandú"}, headers=bearer(viewer))
    assert names(found) == ["ÑANDÚ DE PELUCHE"]


def test_search_ignores_accents_both_ways(app, client, make_user):
    """Issue 15.5: "cafe" finds "Café", "nunez" finds "Núñez", "CAFÉ" finds "cafe" — on
    SQLite (the portal's fold) and PostgreSQL (unaccent, migration 0014)."""
    viewer = make_user(role="VIEWER")
    seed(
        app,
        "products",
        viewer.organization_id,
        [
            {"name": "Café de Colombia", "sku": "CAF-1", "price": Decimal(1)},
            {"name": "cafe molido", "sku": "CAF-2", "price": Decimal(1)},
            {"name": "Té verde", "sku": "TE-1", "price": Decimal(1)},
        ],
    )
    seed(
        app,
        "customers",
        viewer.organization_id,
        [{"name": "Ramón Núñez", "email": "ramon@example.com"}, {"name": "Nunes Lda"}],
    )

    def search(url, q):
        return names(client.get(url, query_string={"q": q}, headers=bearer(viewer)))

    assert search(PRODUCTS, "cafe") == ["Café de Colombia", "cafe molido"]
    assert search(PRODUCTS, "CAFÉ") == ["Café de Colombia", "cafe molido"]
    assert search(PRODUCTS, "te v") == ["Té verde"]
    assert search(CUSTOMERS, "nunez") == ["Ramón Núñez"]
    assert search(CUSTOMERS, "NÚÑEZ") == ["Ramón Núñez"]
    assert search(CUSTOMERS, "ramon nu") == ["Ramón Núñez"]


@pytest.mark.parametrize("q", ["\x00", "a\x00b"])
def test_search_with_a_nul_character_is_not_a_server_error(make_app, make_user, q):
    app = make_app(PROPAGATE_INTERNAL_ERRORS=False)
    client = app.test_client()
    viewer = make_user(role="VIEWER")
    response = client.get(PRODUCTS, query_string={"q": q}, headers=bearer(viewer))
    assert response.status_code in (200, 400), response.get_data(as_text=True)
    if response.status_code == 200:
        assert assert_envelope(response, 200)["data"]["items"] == []
    else:
        assert_envelope(response, 400, "VALIDATION_ERROR")


# --- Pagination ------------------------------------------------------------------------------

NAMINGS = {
    "distinct": lambda n: f"Artículo {n:02d}",
    "all equal": lambda n: "Mismo nombre",
    "mixed": lambda n: f"Grupo {n % 4}",
}


@pytest.mark.parametrize("naming", sorted(NAMINGS))
@pytest.mark.parametrize("kind", ["products", "customers"])
def test_cursor_pages_visit_every_row_exactly_once(app, client, make_user, kind, naming):
    viewer = make_user(role="VIEWER")
    ids = seed_rows(app, kind, viewer.organization_id, 23, NAMINGS[naming])
    pages = walk(client, URLS[kind], viewer, 5)
    assert [len(page) for page in pages] == [5, 5, 5, 5, 3]
    seen = [item["id"] for page in pages for item in page]
    assert len(seen) == len(set(seen)) == 23
    assert set(seen) == set(ids)
    # Every page is ordered the same way the whole list is.
    whole = walk(client, URLS[kind], viewer, 100)
    assert len(whole) == 1 and [item["id"] for item in whole[0]] == seen


def test_cursor_pages_with_a_search(app, client, make_user):
    viewer = make_user(role="VIEWER")
    ids = seed_products(app, viewer.organization_id, 23, lambda n: "Tuerca" if n % 2 else "Perno")
    pages = walk(client, PRODUCTS, viewer, 5, q="tuerca")
    assert [len(page) for page in pages] == [5, 5, 1]
    seen = [item["id"] for page in pages for item in page]
    assert sorted(seen) == sorted(ids[1::2])
    assert all(item["name"] == "Tuerca" for page in pages for item in page)


def test_rows_changed_between_pages_do_not_shift_the_cursor(app, client, make_user):
    admin = make_user(role="ADMIN")
    ids = seed_products(app, admin.organization_id, 10, lambda n: f"P{n:02d}")
    first = assert_envelope(
        client.get(PRODUCTS, query_string={"limit": 4}, headers=bearer(admin)), 200
    )
    page = first["data"]
    assert [i["id"] for i in page["items"]] == ids[:4]
    for gone in ids[:2]:  # deleting rows already seen must not skip unseen ones
        assert_envelope(client.delete(f"{PRODUCTS}/{gone}", headers=bearer(admin)), 200)
    rest = client.get(
        PRODUCTS, query_string={"limit": 100, "cursor": page["nextCursor"]}, headers=bearer(admin)
    )
    assert [i["id"] for i in assert_envelope(rest, 200)["data"]["items"]] == ids[4:]


def test_limit_is_capped_at_a_hundred(app, client, make_user):
    viewer = make_user(role="VIEWER")
    seed_products(app, viewer.organization_id, 105)
    for limit in (101, 1000, 10**12):
        big = client.get(PRODUCTS, query_string={"limit": limit}, headers=bearer(viewer))
        data = assert_envelope(big, 200)["data"]
        assert len(data["items"]) == 100 and data["nextCursor"]
    default = assert_envelope(client.get(PRODUCTS, headers=bearer(viewer)), 200)["data"]
    assert 1 <= len(default["items"]) <= 100 and default["nextCursor"]
    pages = walk(client, PRODUCTS, viewer, 1000)
    assert [len(page) for page in pages] == [100, 5]


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "1.5", "10x"])
@pytest.mark.parametrize("kind", ["products", "customers"])
def test_bad_limit_is_400(client, make_user, kind, limit):
    viewer = make_user(role="VIEWER")
    response = client.get(URLS[kind], query_string={"limit": limit}, headers=bearer(viewer))
    assert validation_errors(response) == {
        "limit": "El límite debe ser un número entero entre 1 y 100"
    }
    english = client.get(URLS[kind], query_string={"limit": limit}, headers=bearer(viewer, **EN))
    assert validation_errors(english, "en") == {
        "limit": "The limit must be a whole number between 1 and 100"
    }


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage!!",
        "abc",
        "%%%",
        b64(b'{"name": "x"}'),
        b64(b'["only one"]'),
        b64(b'["a", "b", "c"]'),
        b64(b"[1, 2]"),
        b64(b'[null, "prod_x"]'),
        b64(b"\xff\xfe\x00"),
        b64(b"not json"),
    ],
)
@pytest.mark.parametrize("kind", ["products", "customers"])
def test_bad_cursor_is_400(make_app, make_user, kind, cursor):
    client = make_app(PROPAGATE_INTERNAL_ERRORS=False).test_client()
    viewer = make_user(role="VIEWER")
    response = client.get(URLS[kind], query_string={"cursor": cursor}, headers=bearer(viewer))
    assert validation_errors(response) == {"cursor": "Cursor inválido"}
    english = client.get(URLS[kind], query_string={"cursor": cursor}, headers=bearer(viewer, **EN))
    assert validation_errors(english, "en") == {"cursor": "Invalid cursor"}


def test_forged_cursor_with_a_nul_character_is_400(make_app, make_user):
    client = make_app(PROPAGATE_INTERNAL_ERRORS=False).test_client()
    viewer = make_user(role="VIEWER")
    cursor = b64(json.dumps(["a\u0000", "prod_x"]).encode())
    response = client.get(PRODUCTS, query_string={"cursor": cursor}, headers=bearer(viewer))
    assert validation_errors(response) == {"cursor": "Cursor inválido"}


# --- Query count -----------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["products", "customers"])
def test_list_uses_the_same_number_of_queries_for_5_or_60_rows(app, client, make_user, kind):
    small = make_user(role="VIEWER")
    large = make_user(role="VIEWER")
    seed_rows(app, kind, small.organization_id, 5, lambda n: f"Fila {n}")
    seed_rows(app, kind, large.organization_id, 60, lambda n: f"Fila {n}")
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = app.extensions["portal.db"]
    counts = {}
    event.listen(engine, "before_cursor_execute", count)
    try:
        for label, member in (("small", small), ("large", large), ("small again", small)):
            identity_cache.forget_all()  # each caller read afresh, as the first time
            statements.clear()
            response = client.get(URLS[kind], query_string={"limit": 100}, headers=bearer(member))
            data = assert_envelope(response, 200)["data"]
            assert len(data["items"]) == (60 if label == "large" else 5)
            counts[label] = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert counts["small"] == counts["large"] == counts["small again"], counts
    assert counts["small"] <= 10, counts
