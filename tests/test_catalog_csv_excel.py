"""CSV that opens in Spanish Excel (issue 15.4): the Excel (es) export (a BOM, ``;``, decimal
commas, Spanish headers) and an import that reads it, any separator of three, either decimal
mark where it is not ambiguous, and Spanish or JSON headers; the page names each error's row
and column as the file does, the API keeps ``rows[<line>].<column>``."""

from __future__ import annotations

import csv
import io
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import assert_envelope, bearer
from tests.test_catalog_csv import (
    CUSTOMER_ROWS,
    CUSTOMERS,
    EN,
    PRODUCT_ROWS,
    PRODUCTS,
    URLS,
    count,
    create_all,
    import_errors,
    listing,
    upload,
)
from tests.test_catalog_pages import _error_lines
from tests.test_catalog_pages import upload as page_upload
from tests.test_pages import logged_in, page, speak_english

BOM = b"\xef\xbb\xbf"
PRODUCT_HEADER_ES = ["Nombre", "SKU", "Precio", "Impuesto (%)", "Unidad", "Activo"]
CUSTOMER_HEADER_ES = [
    "Nombre",
    "Correo electrónico",
    "Teléfono",
    "Identificación fiscal",
    "Calle y número",
    "Código postal",
    "Ciudad",
    "Provincia / estado",
    "País",
    "Recargo de equivalencia",
    "Idioma de los correos",
]


def excel_export(client, url: str, member, headers=None):
    response = client.get(
        f"{url}/export",
        query_string={"format": "excel-es"},
        headers=bearer(member, **(headers or {})),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return response


def rows_of(content: bytes) -> list[list[str]]:
    assert content.startswith(BOM)
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


def by_sku(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda item: item.get("sku") or item["name"])


# --- Export ----------------------------------------------------------------------------------


@pytest.mark.parametrize("headers", [{}, EN], ids=["es", "en"])
def test_products_export_for_excel_es(client, make_user, headers):
    """A BOM, semicolons, CRLF, decimal commas, sí/no and the Spanish headers — in whatever
    language the request speaks: a file format does not change with the reader."""
    operator = make_user(role="OPERATOR")
    create_all(
        client,
        PRODUCTS,
        operator,
        [
            {"name": "Martillo; de uña", "sku": "HER-1", "price": "1234.5", "taxRate": 16},
            {"name": "Clavo", "sku": "CLA-1", "price": "0,5", "unit": "caja", "active": False},
        ],
    )
    response = excel_export(client, PRODUCTS, operator, headers)
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="products-excel-es.csv"'
    )
    content = response.get_data()
    assert content.startswith(BOM + b"Nombre;SKU;Precio;")
    assert content.decode("utf-8-sig").splitlines(keepends=True)[0].endswith("\r\n")
    assert rows_of(content) == [
        PRODUCT_HEADER_ES,
        ["Clavo", "CLA-1", "0,50", "0,00", "caja", "no"],
        ["Martillo; de uña", "HER-1", "1234,50", "16,00", "", "sí"],
    ]
    assert b'"Martillo; de u\xc3\xb1a"' in content  # a cell holding the separator is quoted


def test_customers_export_for_excel_es(client, make_user):
    operator = make_user(role="OPERATOR")
    create_all(client, CUSTOMERS, operator, CUSTOMER_ROWS[:2])
    rows = rows_of(excel_export(client, CUSTOMERS, operator).get_data())
    assert rows[0] == CUSTOMER_HEADER_ES
    assert rows[1] == ["Abarrotes Díaz", "", "", "", "", "", "", "", "", "no", ""]
    assert rows[2][:3] == ["Ferretería López", "compras@lopez.example.mx", "+52 55 1234 5678"]


def test_the_plain_export_is_unchanged_and_an_unknown_format_is_a_400(client, make_user):
    operator = make_user(role="OPERATOR")
    create_all(client, PRODUCTS, operator, PRODUCT_ROWS[:1])
    for query in ({}, {"format": "csv"}, {"format": "CSV"}):
        response = client.get(f"{PRODUCTS}/export", query_string=query, headers=bearer(operator))
        assert response.get_data() == (
            b"name,sku,price,taxRate,unit,active\r\n"
            + "Martillo de uña,HER-001,12.50,16.00,pieza,true\r\n".encode()
        )
    for lang, message in (
        ("es", "Formato desconocido: usa csv o excel-es"),
        ("en", "Unknown format: use csv or excel-es"),
    ):
        response = client.get(
            f"{PRODUCTS}/export",
            query_string={"format": "xlsx"},
            headers=bearer(operator, **(EN if lang == "en" else {})),
        )
        assert import_errors(response, lang) == {"format": message}


def test_the_list_page_offers_both_exports(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    html = page(client, "/products/")
    assert 'href="/products/export"' in html
    assert 'href="/products/export?format=excel-es"' in html
    assert "Exportar para Excel (es)" in html
    response = client.get("/products/export?format=excel-es")
    assert response.status_code == 200 and response.get_data().startswith(BOM)
    assert client.get("/products/export?format=nada").status_code == 400


def test_the_import_page_names_the_spanish_headers_too(app, make_user):
    client = logged_in(app, make_user(role="OPERATOR"))
    html = page(client, "/products/import")
    assert "(Nombre, SKU, Precio, Impuesto (%), Unidad, Activo)" in html
    assert "guarda como «CSV UTF-8»" in html
    english = page(speak_english(client), "/customers/import")
    assert "(Nombre, Correo electrónico, Teléfono, Identificación fiscal," in english


def test_openapi_describes_the_format_of_an_export(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for url in ("/products/export", "/customers/export"):
        (param,) = [p for p in paths[url]["get"]["parameters"] if p.get("name") == "format"]
        assert param["in"] == "query"
        assert param["schema"]["enum"] == ["csv", "excel-es"]
    report = paths["/reports/{name}"]["get"]  # the reports' format keeps its own values
    (param,) = [p for p in report["parameters"] if p.get("name") == "format"]
    assert param["schema"]["enum"] == ["json", "csv"]


# --- Round trip ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "rows"), [("products", PRODUCT_ROWS), ("customers", CUSTOMER_ROWS)]
)
def test_excel_export_imports_back_unchanged(client, make_user, kind, rows):
    url = URLS[kind]
    source = make_user(role="OPERATOR")
    target = make_user(role="OPERATOR")
    create_all(client, url, source, rows)
    exported = excel_export(client, url, source).get_data()

    body = assert_envelope(upload(client, url, target, exported), 201)
    assert body["data"] == {"imported": len(rows)}
    assert listing(client, url, target) == listing(client, url, source)
    assert excel_export(client, url, target).get_data() == exported


def test_excel_export_imports_back_through_the_page(app, client, make_user):
    source = make_user(role="OPERATOR")
    target = make_user(role="OPERATOR")
    create_all(client, PRODUCTS, source, PRODUCT_ROWS)
    exported = excel_export(client, PRODUCTS, source).get_data()
    response = page_upload(logged_in(app, target), "products", exported)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert listing(client, PRODUCTS, target) == listing(client, PRODUCTS, source)


# --- Import: what is read --------------------------------------------------------------------


def test_a_hand_written_semicolon_file_with_decimal_commas(client, make_user):
    """Headers in any case, with or without accents; the comma is the decimal mark; a
    point with two decimals still reads; Excel's VERDADERO/FALSO and sí/no are booleans;
    an empty spreadsheet row (";;;") is skipped."""
    operator = make_user(role="OPERATOR")
    content = (
        "NOMBRE;sku;precio;Impuesto (%);unidad;ACTIVO\r\n"
        "Tornillo;T-1;0,25;16;pieza;VERDADERO\r\n"
        "Tuerca;T-2;1234,5;10,5;;falso\r\n"
        ";;;;;\r\n"
        "Arandela;T-3;7.25;0;;Sí\r\n"
        "Perno;T-4;12;;;no\r\n"
    ).encode()
    assert_envelope(upload(client, PRODUCTS, operator, content), 201)
    assert by_sku(listing(client, PRODUCTS, operator)) == [
        {"name": "Tornillo", "sku": "T-1", "price": "0.25", "taxRate": "16.00", "unit": "pieza",
         "active": True},
        {"name": "Tuerca", "sku": "T-2", "price": "1234.50", "taxRate": "10.50", "unit": "",
         "active": False},
        {"name": "Arandela", "sku": "T-3", "price": "7.25", "taxRate": "0.00", "unit": "",
         "active": True},
        {"name": "Perno", "sku": "T-4", "price": "12.00", "taxRate": "0.00", "unit": "",
         "active": False},
    ]  # fmt: skip


def test_a_tab_separated_file(client, make_user):
    operator = make_user(role="OPERATOR")
    content = b"name\tsku\tprice\ttaxRate\nA\tA-1\t12.50\t16\nB\tB-1\t3,75\t8,5\n"
    assert_envelope(upload(client, PRODUCTS, operator, content), 201)
    assert [
        (p["sku"], p["price"], p["taxRate"]) for p in by_sku(listing(client, PRODUCTS, operator))
    ] == [
        ("A-1", "12.50", "16.00"),
        ("B-1", "3.75", "8.50"),
    ]


def test_json_headers_and_commas_still_import(client, make_user):
    operator = make_user(role="OPERATOR")
    content = b'name,email,phone\r\nAna,ana@example.com,"+34 91 123 45 67"\r\n'
    assert_envelope(upload(client, CUSTOMERS, operator, content), 201)
    (customer,) = listing(client, CUSTOMERS, operator)
    assert customer["email"] == "ana@example.com" and customer["phone"] == "+34 91 123 45 67"


def test_spanish_customer_headers_with_or_without_accents(client, make_user):
    operator = make_user(role="OPERATOR")
    content = BOM + (
        b"nombre;correo electronico;TELEFONO;codigo postal;ciudad;pais;"
        b"recargo de equivalencia\r\n"
        b"Ana;ana@example.com;+34 91 123 45 67;28001;Madrid;ES;VERDADERO\r\n"
    )
    assert_envelope(upload(client, CUSTOMERS, operator, content), 201)
    (customer,) = listing(client, CUSTOMERS, operator)
    assert customer["email"] == "ana@example.com"
    assert customer["address"]["postalCode"] == "28001" and customer["country"] == "ES"
    assert customer["surcharge"] is True


# --- Import: refused, and nothing written ----------------------------------------------------

SEVERAL_MARKS = "Escribe el número sin separador de miles y con un solo separador decimal"
MIXED = [
    pytest.param(
        b"name;sku,price\r\nA;A-1;1\r\n",
        {
            "file": "La cabecera separa sus columnas con más de uno de coma, punto y coma y "
            "tabulador"
        },
        id="header-with-two-separators",
    ),
    pytest.param(
        b"name;sku;price\r\nA,A-1,1\r\nB;B-1;2\r\n",
        {"rows[2]": "La fila no separa sus celdas con el punto y coma de la cabecera"},
        id="rows-by-another-separator",
    ),
    pytest.param(
        b"name,sku,price\r\nA,A-1,12,50\r\n",
        {"rows[2]": "La fila tiene 4 celdas y la cabecera 3"},
        id="an-unquoted-decimal-comma",
    ),
    pytest.param(
        b"name;sku;price\r\nA;A-1;1.234\r\n",
        {
            "rows[2].price": "«1.234» es ambiguo: escribe los números sin separador de miles y "
            "con dos decimales como máximo"
        },
        id="a-thousand-or-one-with-semicolons",
    ),
    pytest.param(
        b'name,sku,price\r\nA,A-1,"1,234"\r\n',
        {
            "rows[2].price": "«1,234» es ambiguo: escribe los números sin separador de miles y "
            "con dos decimales como máximo"
        },
        id="a-thousand-or-one-with-commas",
    ),
    pytest.param(
        b"name\tsku\tprice\r\nA\tA-1\t2,500\r\n",
        {
            "rows[2].price": "«2,500» es ambiguo: escribe los números sin separador de miles y "
            "con dos decimales como máximo"
        },
        id="a-thousand-or-two-and-a-half-with-tabs",
    ),
    pytest.param(
        b"name;sku;price\r\nA;A-1;1.234,50\r\n",
        {"rows[2].price": SEVERAL_MARKS},
        id="thousands-separator-es",
    ),
    pytest.param(
        b'name,sku,price\r\nA,A-1,"1,234.50"\r\n',
        {"rows[2].price": SEVERAL_MARKS},
        id="thousands-separator-en",
    ),
    pytest.param(  # "Nombre" and "name": which one to believe?
        b"Nombre;SKU;Precio;name\r\nA;A-1;1;B\r\n",
        {"file": "La columna name aparece dos veces"},
        id="a-column-twice",
    ),
]


@pytest.mark.parametrize(("content", "errors"), MIXED)
def test_mixed_or_ambiguous_files_are_refused_whole(client, make_user, content, errors):
    operator = make_user(role="OPERATOR")
    assert import_errors(upload(client, PRODUCTS, operator, content)) == errors
    assert count(client.application, "products", operator.organization_id) == 0


def test_separator_and_mark_errors_in_english(client, make_user):
    operator = make_user(role="OPERATOR")
    content = b"name;sku;price\r\nA,A-1,1\r\nB;B-1;1.234\r\n"
    assert import_errors(upload(client, PRODUCTS, operator, content, EN), "en") == {
        "rows[2]": "The row does not separate its cells with the header's semicolon",
        "rows[3].price": "“1.234” is ambiguous: write numbers without thousands separators and "
        "with at most two decimals",
    }


# --- Errors on the page and in the API -------------------------------------------------------

BAD_EMAIL_ES = "Nombre;Correo electrónico\r\nAna;ana@example.com\r\nBeto;beto@\r\n".encode()
BAD_EMAIL_JSON = b"name,email\r\nAna,ana@example.com\r\nBeto,beto@\r\n"


def test_the_page_names_row_and_column_as_the_file_does(app, make_user):
    operator = make_user(role="OPERATOR")
    client = logged_in(app, operator)
    cases = [
        (BAD_EMAIL_ES, "Fila 3, columna «Correo electrónico»: Correo electrónico inválido"),
        (BAD_EMAIL_JSON, "Fila 3, columna «email»: Correo electrónico inválido"),
        (
            b"name,email\r\nAna,a@example.com,x\r\n",
            "Fila 2: La fila tiene 3 celdas y la cabecera 2",
        ),
    ]
    for content, line in cases:
        response = page_upload(client, "customers", content)
        assert response.status_code == 400
        assert _error_lines(response.get_data(as_text=True)) == [line]
    english = speak_english(client)
    for content, line in (
        (BAD_EMAIL_JSON, "Row 3, column “email”: Invalid email address"),
        (BAD_EMAIL_ES, "Row 3, column “Correo electrónico”: Invalid email address"),
    ):
        response = page_upload(english, "customers", content)
        assert _error_lines(response.get_data(as_text=True)) == [line]
    assert count(app, "customers", operator.organization_id) == 0


def test_the_api_keeps_its_error_shape_whatever_the_header(client, make_user):
    operator = make_user(role="OPERATOR")
    for content in (BAD_EMAIL_ES, BAD_EMAIL_JSON):
        assert import_errors(upload(client, CUSTOMERS, operator, content)) == {
            "rows[3].email": "Correo electrónico inválido"
        }
        assert import_errors(upload(client, CUSTOMERS, operator, content, EN), "en") == {
            "rows[3].email": "Invalid email address"
        }
    assert count(client.application, "customers", operator.organization_id) == 0


# --- Property: any products table survives Excel (es) and back -------------------------------

# Text a spreadsheet user types: letters with accents, digits, the separators, quotes, the
# formula characters and line breaks; stripped and never blank, as the form keeps it.
_TEXT_CHARS = string.ascii_letters + string.digits + " ñÑáéíóúüÁÉÍÓÚ;,.\"'=+-@\n\t€%"
_text = st.text(alphabet=_TEXT_CHARS, min_size=1, max_size=30).map(str.strip).filter(bool)
_cents = st.integers(min_value=1, max_value=999_999_999_999)
_rate = st.integers(min_value=0, max_value=10_000)


@st.composite
def product_tables(draw) -> list[dict]:
    skus = draw(
        st.lists(
            st.text(
                alphabet=string.ascii_uppercase + string.digits + "-;,ÑÁ", min_size=1, max_size=12
            ),
            max_size=6,
            unique_by=lambda sku: sku.lower(),
        )
    )
    return [
        {
            "name": draw(_text),
            "sku": sku,
            "price": _money(draw(_cents)),
            "taxRate": _money(draw(_rate)),
            "unit": draw(st.one_of(st.just(""), _text.map(lambda unit: unit[:20].strip()))),
            "active": draw(st.booleans()),
        }
        for sku in skus
    ]


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@settings(
    max_examples=25,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(table=product_tables())
def test_any_products_table_round_trips_through_excel_es(client, make_user, table):
    source = make_user(role="OPERATOR")
    target = make_user(role="OPERATOR")
    create_all(client, PRODUCTS, source, table)
    exported = excel_export(client, PRODUCTS, source).get_data()
    if table:
        assert_envelope(upload(client, PRODUCTS, target, exported), 201)
    else:
        assert import_errors(upload(client, PRODUCTS, target, exported)) == {
            "file": "El archivo no tiene filas para importar"
        }
    assert by_sku(listing(client, PRODUCTS, target)) == by_sku(listing(client, PRODUCTS, source))
