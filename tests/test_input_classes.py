"""No 500 from any input (issue 8, item 4): every class of input once seen to give a 500,
against the real endpoints. The API answers 4xx in the envelope, pages an error page that
names the problem; what is merely unusual is served.

The test app propagates unexpected exceptions, so a regression fails here loudly.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from datetime import UTC, datetime
from html import unescape

import pytest
from werkzeug.exceptions import (
    HTTPException,
    MethodNotAllowed,
    RequestedRangeNotSatisfiable,
    TooManyRequests,
    default_exceptions,
)

from tests.conftest import assert_envelope, bearer, csrf_from, login, org_today

INVALID_CHARACTERS = {"body": "La solicitud contiene caracteres no permitidos"}
NOT_AN_OBJECT = {"body": "El cuerpo de la solicitud debe ser un objeto JSON"}
INVALID_CURSOR = {"cursor": "Cursor inválido"}
NOT_UTF8 = {"file": "El archivo debe ser un CSV codificado en UTF-8"}
SURROGATE = "\ud800"


def cursor_of(values) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def raw_cursor(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def csv_of(rows, newline="\r\n") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerows(rows)
    return buffer.getvalue().encode()


def product(**extra) -> dict:
    return {"name": "Tuerca", "sku": "T-1", "price": "1.50", **extra}


def invoice(**line) -> dict:
    today = datetime.now(UTC).date().isoformat()
    first = {"description": "Consultoría", "quantity": "1", "unitPrice": "100.00", **line}
    return {"customerName": "Cliente Suelto", "invoiceDate": today, "lines": [first]}


def too_large(maximum: str) -> str:
    return f"Debe ser como máximo {maximum}"


NOW = f"{org_today().year}-01-01T00:00:00+00:00"
HEADER = ["name", "sku", "price"]

# (method, path, request keyword arguments, status, code, errors)
REFUSED = {
    # --- control characters in path segments: ids and the like ---------------------------
    "NUL in a product id": ("GET", "/api/v1/products/prod_%00", {}, 400, None, None),
    "NUL in a customer id (PATCH)": (
        "PATCH",
        "/api/v1/customers/cus_%00x",
        {"json": {"name": "Ana"}},
        400,
        None,
        None,
    ),
    "NUL in an invoice id (action)": (
        "POST",
        "/api/v1/invoices/inv_%00/issue",
        {},
        400,
        None,
        None,
    ),
    "escape character in a quote id": ("GET", "/api/v1/quotes/quo_%1B", {}, 400, None, None),
    "unit separator in a user id": ("GET", "/api/v1/users/usr_%1F", {}, 400, None, None),
    "invalid UTF-8 escape in an id": (
        "GET",
        "/api/v1/products/prod_%ED%A0%80",
        {},
        404,
        "NOT_FOUND",
        None,
    ),
    "stray byte escape in an id": ("GET", "/api/v1/invoices/inv_%FF", {}, 404, "NOT_FOUND", None),
    "over-long id": ("GET", "/api/v1/customers/" + "c" * 65, {}, 404, "NOT_FOUND", None),
    # --- lone UTF-16 surrogates and control characters in JSON strings ------------------
    "surrogate in a product name": ("POST", "/api/v1/products", {"json": product(name=SURROGATE)}),
    "surrogate as a JSON key": ("POST", "/api/v1/products", {"json": {**product(), SURROGATE: 1}}),
    "low surrogate in a document line": (
        "POST",
        "/api/v1/invoices",
        {"json": invoice(description="a\udfffb")},
    ),
    "escape character in a customer name": (
        "POST",
        "/api/v1/customers",
        {"json": {"name": "Ana\x1b[31m"}},
    ),
    "surrogate in a JSON body sent as text/plain": (
        "POST",
        "/api/v1/products",
        {"data": json.dumps(product(name=SURROGATE)), "content_type": "text/plain"},
    ),
    "invalid UTF-8 in a JSON body": (
        "POST",
        "/api/v1/products",
        {
            "data": b'{"name": "\xff\xfe", "sku": "X", "price": "1"}',
            "content_type": "application/json",
        },
        400,
        "VALIDATION_ERROR",
        NOT_AN_OBJECT,
    ),
    # --- the query string ---------------------------------------------------------------
    "NUL in a search": ("GET", "/api/v1/products", {"query_string": {"q": "a\x00"}}),
    "control character in the limit": (
        "GET",
        "/api/v1/invoices",
        {"query_string": {"limit": "\x07"}},
    ),
    # --- forged or out-of-range pagination cursors --------------------------------------
    "naive datetime in a cursor": (
        "GET",
        "/api/v1/invoices",
        {"query_string": {"cursor": cursor_of([f"{org_today().year}-01-01T00:00:00", "inv_x"])}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "+14:00 past the end of the calendar": (
        "GET",
        "/api/v1/quotes",
        {"query_string": {"cursor": cursor_of(["9999-12-31T23:59:59-14:00", "quo_x"])}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "+14:00 before the start of the calendar": (
        "GET",
        "/api/v1/users",
        {"query_string": {"cursor": cursor_of(["0001-01-01T00:00:00+14:00", "usr_x"])}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "a year no row has": (
        "GET",
        "/api/v1/invoices",
        {"query_string": {"cursor": cursor_of(["1900-01-01T00:00:00+00:00", "inv_x"])}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "a number where a date goes": (
        "GET",
        "/api/v1/invoices",
        {"query_string": {"cursor": cursor_of([1e308, "inv_x"])}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "a name longer than the column": (
        "GET",
        "/api/v1/products",
        {"query_string": {"cursor": cursor_of(["n" * 201, "prod_x"])}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "an oversized cursor": (
        "GET",
        "/api/v1/customers",
        {"query_string": {"cursor": "A" * 9000}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "a control character inside a cursor": (
        "GET",
        "/api/v1/products",
        {"query_string": {"cursor": cursor_of(["a\x1f", "prod_x"])}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "a lone surrogate inside a cursor": (
        "GET",
        "/api/v1/customers",
        {"query_string": {"cursor": cursor_of([SURROGATE, "cus_x"])}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "a deeply nested cursor": (
        "GET",
        "/api/v1/quotes",
        {"query_string": {"cursor": raw_cursor("[" * 5000)}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    "a huge integer in a cursor": (
        "GET",
        "/api/v1/invoices",
        {"query_string": {"cursor": raw_cursor("[" + "9" * 5000 + ', "inv_x"]')}},
        400,
        "VALIDATION_ERROR",
        INVALID_CURSOR,
    ),
    # --- numbers whose exponent overflows Decimal arithmetic ----------------------------
    "a price of 1e999999999": (
        "POST",
        "/api/v1/products",
        {"json": product(price="1e999999999")},
        400,
        "VALIDATION_ERROR",
        {"price": too_large("9999999999.99")},
    ),
    "a price of -1e999999999": (
        "POST",
        "/api/v1/products",
        {"json": product(price="-1E+999999999")},
        400,
        "VALIDATION_ERROR",
        {"price": "El precio debe ser mayor a 0"},
    ),
    "a price of 1e-999999999": (
        "POST",
        "/api/v1/products",
        {"json": product(price="1e-999999999")},
        400,
        "VALIDATION_ERROR",
        {"price": "El precio debe ser mayor a 0"},
    ),
    "a price of 300 digits": (
        "POST",
        "/api/v1/products",
        {"json": product(price="9" * 300)},
        400,
        "VALIDATION_ERROR",
        {"price": too_large("9999999999.99")},
    ),
    "a tax rate of 1e999999": (
        "POST",
        "/api/v1/products",
        {"json": product(taxRate="1e999999")},
        400,
        "VALIDATION_ERROR",
        {"taxRate": "Debe estar entre 0 y 100"},
    ),
    "a quantity of 1e999999999": (
        "POST",
        "/api/v1/invoices",
        {"json": invoice(quantity="1e999999999")},
        400,
        "VALIDATION_ERROR",
        {"lines[0].quantity": too_large("999999999.999")},
    ),
    "a unit price of 1e999999999 written the Spanish way": (
        "POST",
        "/api/v1/invoices",
        {"json": invoice(unitPrice="1,5e999999999")},
        400,
        "VALIDATION_ERROR",
        {"lines[0].unitPrice": too_large("9999999999.99")},
    ),
    "not a number at all": (
        "POST",
        "/api/v1/products",
        {"json": product(price="sNaN")},
        400,
        "VALIDATION_ERROR",
        {"price": "Debe ser un número"},
    ),
    # --- CSV files ------------------------------------------------------------------------
    "a NUL byte in a CSV cell": (
        "POST",
        "/api/v1/products/import",
        {"data": b"name,sku,price\nTuerca,T\x00,1\n", "content_type": "text/csv"},
        400,
        "VALIDATION_ERROR",
        {"rows[2].sku": INVALID_CHARACTERS["body"]},
    ),
    "a control character in a CSV cell": (
        "POST",
        "/api/v1/products/import",
        {"data": b"name,sku,price\r\nTu\x08erca,T-1,1\r\n", "content_type": "text/csv"},
        400,
        "VALIDATION_ERROR",
        {"rows[2].name": INVALID_CHARACTERS["body"]},
    ),
    "a CSV cell above the csv module's field limit": (
        "POST",
        "/api/v1/products/import",
        {
            "data": csv_of([HEADER, ["a", "b", "1"], ["x" * 140_000, "c", "1"]]),
            "content_type": "text/csv",
        },
        400,
        "VALIDATION_ERROR",
        {"file": "El archivo no es un CSV válido: línea 3"},
    ),
    "a CSV header cell above the field limit": (
        "POST",
        "/api/v1/products/import",
        {
            "data": csv_of([[*HEADER, "h" * 140_000], ["a", "b", "1", ""]]),
            "content_type": "text/csv",
        },
        400,
        "VALIDATION_ERROR",
        {"file": "El archivo no es un CSV válido: línea 1"},
    ),
    "a CSV header of thousands of columns": (
        "POST",
        "/api/v1/products/import",
        {
            "data": csv_of([HEADER + [f"c{i}" for i in range(5000)], ["a", "b", "1"]]),
            "content_type": "text/csv",
        },
        400,
        "VALIDATION_ERROR",
        {"file": "El archivo tiene más de 100 columnas"},
    ),
    "binary garbage as a CSV": (
        "POST",
        "/api/v1/products/import",
        {"data": bytes(range(256)) * 40, "content_type": "text/csv"},
        400,
        "VALIDATION_ERROR",
        NOT_UTF8,
    ),
    "a Latin-1 CSV": (
        "POST",
        "/api/v1/products/import",
        {"data": "name,sku,price\nÑandú,Ñ-1,5\n".encode("latin-1"), "content_type": "text/csv"},
        400,
        "VALIDATION_ERROR",
        NOT_UTF8,
    ),
    "a CSV with surrogates encoded in UTF-8": (
        "POST",
        "/api/v1/products/import",
        {"data": b"name,sku,price\n\xed\xa0\x80,S-1,5\n", "content_type": "text/csv"},
        400,
        "VALIDATION_ERROR",
        NOT_UTF8,
    ),
    "an empty CSV upload": (
        "POST",
        "/api/v1/products/import",
        {"data": {"file": (io.BytesIO(b""), "vacio.csv")}},
        400,
        "VALIDATION_ERROR",
        {"file": "El archivo no tiene filas para importar"},
    ),
    "a CSV of just a byte order mark": (
        "POST",
        "/api/v1/products/import",
        {"data": b"\xef\xbb\xbf", "content_type": "text/csv"},
        400,
        "VALIDATION_ERROR",
        {"file": "El archivo no tiene filas para importar"},
    ),
}

# Unusual but valid: served.
SERVED = {
    "a CSV with only CR line endings": (
        "POST",
        "/api/v1/products/import",
        {
            "data": csv_of([HEADER, ["a", "A-1", "1"], ["b", "B-1", "2"]], "\r"),
            "content_type": "text/csv",
        },
        201,
        {"imported": 2},
    ),
    "a CSV with mixed line endings": (
        "POST",
        "/api/v1/products/import",
        {"data": b"name,sku,price\r\na,A-1,1\rb,B-1,2\nc,C-1,3", "content_type": "text/csv"},
        201,
        {"imported": 3},
    ),
    "a CSV with a byte order mark and a header line beyond 64 KiB": (
        "POST",
        "/api/v1/products/import",
        {
            "data": b"\xef\xbb\xbf" + csv_of([[*HEADER, "n" * 70_000], ["a", "A-1", "1", ""]]),
            "content_type": "text/csv",
        },
        201,
        {"imported": 1},
    ),
    "a CSV cell with line breaks inside quotes": (
        "POST",
        "/api/v1/customers/import",
        {
            "data": b'name,address\r\nAna,"Calle 1\rPiso 2\r\nCiudad"\r\n',
            "content_type": "text/csv",
        },
        201,
        {"imported": 1},
    ),
    "a surrogate pair (an emoji) in JSON": (
        "POST",
        "/api/v1/customers",
        {"data": '{"name": "Ana \\ud83d\\ude00"}', "content_type": "application/json"},
        201,
        None,
    ),
    "raw invalid UTF-8 in the query string (read as its escapes)": (
        "GET",
        "/api/v1/customers",
        {"environ_overrides": {"QUERY_STRING": "q=\xff\xfe"}},
        200,
        {"items": [], "nextCursor": None},
    ),
    "an invalid UTF-8 escape in a search": (
        "GET",
        "/api/v1/products",
        {"query_string": "q=%ED%A0%80%FF"},
        200,
        {"items": [], "nextCursor": None},
    ),
    "a tax rate of -0.001 (rounds to 0, not -0)": (
        "POST",
        "/api/v1/products",
        {"json": product(taxRate="-0.001")},
        201,
        {"taxRate": "0.00"},
    ),
    "a discount of 1e-999999999 (rounds to 0)": (
        "POST",
        "/api/v1/invoices",
        {"json": invoice(discountPercent="1e-999999999")},
        201,
        None,
    ),
}


@pytest.fixture
def owner(make_user):
    return make_user(role="OWNER", plan="PRO")


@pytest.mark.parametrize("case", sorted(REFUSED), ids=str)
def test_each_input_class_is_a_4xx_in_the_envelope(client, owner, case):
    method, path, kwargs, *expected = REFUSED[case]
    status, code, errors = expected or (400, None, None)
    response = client.open(path, method=method, headers=bearer(owner), **kwargs)
    body = assert_envelope(response, status, code or "VALIDATION_ERROR")
    if code is None:  # the one input-normalisation point
        assert body["errors"] == INVALID_CHARACTERS
    elif errors is not None:
        assert body["errors"] == errors


@pytest.mark.parametrize("case", sorted(SERVED), ids=str)
def test_unusual_but_valid_input_is_served(client, owner, case):
    method, path, kwargs, status, data = SERVED[case]
    body = assert_envelope(
        client.open(path, method=method, headers=bearer(owner), **kwargs), status
    )
    if data is not None:
        assert {key: body["data"][key] for key in data} == data


@pytest.mark.parametrize(
    ("path", "body"),
    [
        (
            "/api/v1/auth/register",
            {"organizationName": "Acme", "name": SURROGATE, "email": "a@example.com"},
        ),
        ("/api/v1/auth/token", {"email": f"ana{SURROGATE}@example.com", "password": "x" * 10}),
        ("/api/v1/auth/token", {"email": "ana@example.com", "password": "\x00" * 10}),
    ],
    ids=["register", "token", "token with NUL"],
)
def test_anonymous_endpoints_refuse_unacceptable_text(client, path, body):
    body = {"password": "x" * 10, **body}
    response = client.post(path, json=body)
    assert assert_envelope(response, 400, "VALIDATION_ERROR")["errors"] == INVALID_CHARACTERS
    english = client.post(path, json=body, headers={"Accept-Language": "en"})
    assert assert_envelope(english, 400, "VALIDATION_ERROR")["errors"] == {
        "body": "The request contains characters that are not allowed"
    }


# --- pages -------------------------------------------------------------------------------


def page_text(response) -> str:
    assert response.mimetype == "text/html", response.get_data(as_text=True)[:200]
    return unescape(response.get_data(as_text=True))


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        ("/q/abc%00def", 400, "La solicitud contiene caracteres no permitidos"),
        ("/q/%1B%5B2J", 400, "La solicitud contiene caracteres no permitidos"),
        ("/q/%ED%A0%80", 404, "Recurso no encontrado"),
        ("/q/" + "t" * 500, 404, "Recurso no encontrado"),
    ],
)
def test_public_links_with_odd_tokens_are_error_pages(client, path, status, words):
    response = client.get(path)
    assert response.status_code == status
    assert words in page_text(response)
    token = csrf_from(client.get("/login").get_data(as_text=True))
    answer = client.post(f"{path}/accept", data={"csrf_token": token, "reason": "x"})
    assert answer.status_code == status
    assert words in page_text(answer)


def test_public_link_post_with_a_nul_in_the_form_is_an_error_page(client):
    response = client.post("/q/some-token/reject", data={"reason": "no\x00"})
    assert response.status_code == 400
    assert "La solicitud contiene caracteres no permitidos" in page_text(response)


@pytest.mark.parametrize(
    ("path", "kwargs"),
    [
        ("/products/prod_%00", {}),
        ("/invoices/inv_%1F/edit", {}),
        ("/customers/", {"query_string": {"q": "a\x00"}}),
    ],
    ids=["NUL in an id", "control character in an id", "NUL in a search"],
)
def test_pages_refuse_unacceptable_text_with_an_error_page(client, owner, path, kwargs):
    login(client, owner.email)
    response = client.get(path, **kwargs)
    assert response.status_code == 400
    assert "La solicitud contiene caracteres no permitidos" in page_text(response)


@pytest.mark.parametrize("path", ["/products/", "/customers/"])
def test_pages_serve_raw_invalid_utf8_in_the_query_as_escapes(client, owner, path):
    login(client, owner.email)
    response = client.get(path, environ_overrides={"QUERY_STRING": "q=%C3%B1\xff"})
    assert response.status_code == 200
    assert 'value="ñ%FF"' in page_text(response)


FORGED = [[1, 2], ["a\x1f", "x"], ["a", "b", "c"], ["n" * 201, "x"]]
FORGED_DATES = [[f"{org_today().year}-01-01T00:00:00", "x"], ["9999-12-31T23:59:59-14:00", "x"]]


@pytest.mark.parametrize(
    ("path", "forged"),
    [
        ("/products/", FORGED),
        ("/customers/", FORGED),
        ("/invoices/", FORGED + FORGED_DATES),
        ("/quotes/", FORGED + FORGED_DATES),
    ],
)
def test_pages_start_over_on_a_forged_cursor(client, owner, path, forged):
    login(client, owner.email)
    for values in forged:
        response = client.get(path, query_string={"cursor": cursor_of(values)})
        assert response.status_code == 302, (values, response.status_code)


def test_product_page_with_an_overflowing_price_names_the_problem(client, owner):
    login(client, owner.email)
    token = csrf_from(client.get("/products/new").get_data(as_text=True))
    response = client.post(
        "/products/new",
        data={"csrf_token": token, "name": "Tuerca", "sku": "T-1", "price": "1e999999999"},
    )
    assert response.status_code == 400
    assert too_large("9999999999.99") in page_text(response)


def test_a_form_post_of_invalid_utf8_is_refused_not_crashed(client):
    response = client.post(
        "/login",
        data=b"email=\xff\xfe&password=x",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 400
    page_text(response)


# --- werkzeug's own errors keep their status and text ------------------------------------


def test_an_unsatisfiable_range_is_a_416_with_its_own_text(client):
    response = client.get("/static/css/portal.css", headers={"Range": "bytes=999999-"})
    assert response.status_code == 416
    assert response.headers["Content-Range"].startswith("bytes */")
    text = page_text(response)
    assert "El rango solicitado no está disponible" in text
    assert "Error interno" not in text
    english = client.get(
        "/static/css/portal.css", headers={"Range": "bytes=999999-", "Accept-Language": "en"}
    )
    assert "Range not satisfiable" in page_text(english)


CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    406: "NOT_ACCEPTABLE",
    408: "REQUEST_TIMEOUT",
    409: "CONFLICT",
    410: "GONE",
    411: "LENGTH_REQUIRED",
    412: "PRECONDITION_FAILED",
    413: "PAYLOAD_TOO_LARGE",
    414: "URI_TOO_LONG",
    415: "UNSUPPORTED_MEDIA_TYPE",
    416: "RANGE_NOT_SATISFIABLE",
    417: "EXPECTATION_FAILED",
    418: "IM_A_TEAPOT",
    421: "MISDIRECTED_REQUEST",
    422: "UNPROCESSABLE_CONTENT",
    423: "LOCKED",
    424: "FAILED_DEPENDENCY",
    428: "PRECONDITION_REQUIRED",
    429: "RATE_LIMITED",
    431: "REQUEST_HEADER_FIELDS_TOO_LARGE",
    451: "UNAVAILABLE_FOR_LEGAL_REASONS",
    500: "INTERNAL_ERROR",
    501: "NOT_IMPLEMENTED",
    502: "BAD_GATEWAY",
    503: "SERVICE_UNAVAILABLE",
    504: "GATEWAY_TIMEOUT",
    505: "HTTP_VERSION_NOT_SUPPORTED",
}
RAISED = {
    405: MethodNotAllowed(["GET", "HEAD"]),
    416: RequestedRangeNotSatisfiable(length=1234),
    429: TooManyRequests(retry_after=7),
}
HEADERS = {
    405: ("Allow", "GET, HEAD"),
    416: ("Content-Range", "bytes */1234"),
    429: ("Retry-After", "7"),
}


@pytest.fixture
def probe(make_app):
    """An app with a route raising any werkzeug error, under /api/ and as a page."""
    app = make_app(RATELIMIT_ENABLED=False)

    def fail(status: int):
        raise RAISED.get(status) or default_exceptions[status]()

    app.add_url_rule("/api/v1/probe/<int:status>", "api_probe", fail)
    app.add_url_rule("/probe/<int:status>", "page_probe", fail)
    return app.test_client()


def test_every_werkzeug_error_keeps_its_status_with_a_stable_code_and_its_own_text(probe):
    assert set(CODES) == set(default_exceptions)
    texts: dict[int, str] = {}
    for status, code in CODES.items():
        response = probe.get(f"/api/v1/probe/{status}")
        body = assert_envelope(response, status, code)
        english = probe.get(f"/api/v1/probe/{status}", headers={"Accept-Language": "en"})
        assert english.get_json()["code"] == code
        assert english.get_json()["message"] != body["message"], f"{status} is not translated"
        if status < 500:
            assert body["message"] != "Error interno del servidor", status
        if status in HEADERS:
            name, value = HEADERS[status]
            assert response.headers[name] == value
        texts[status] = english.get_json()["message"]
    client_errors = [text for status, text in texts.items() if status < 500]
    assert len(set(client_errors)) == len(client_errors), "two statuses share a text"


def test_werkzeug_errors_on_pages_show_their_own_text(probe):
    response = probe.get("/probe/414")
    assert response.status_code == 414
    assert "La URL de la solicitud es demasiado larga" in page_text(response)
    teapot = probe.get("/probe/431", headers={"Accept-Language": "en"})
    assert teapot.status_code == 431
    assert "The request headers are too large" in page_text(teapot)


def test_an_unknown_client_error_status_is_still_a_client_error(probe):
    class Unusual(HTTPException):
        code = 499

    app = probe.application

    @app.get("/api/v1/probe-unusual")
    def unusual():
        raise Unusual()

    body = assert_envelope(probe.get("/api/v1/probe-unusual"), 499, "HTTP_ERROR")
    assert body["message"] == "No se pudo procesar la solicitud"


def test_a_json_body_is_checked_after_the_callers_rights(client, make_user):
    """The body is read where the view reads it: another tenant's id is still a 404, and a
    role without the right still a 403, whatever characters the body holds."""
    owner = make_user(role="OWNER")
    stranger = make_user(role="OWNER")
    created = client.post("/api/v1/products", json=product(), headers=bearer(owner))
    product_id = assert_envelope(created, 201)["data"]["id"]
    body = {"name": SURROGATE}
    foreign = client.patch(f"/api/v1/products/{product_id}", json=body, headers=bearer(stranger))
    assert_envelope(foreign, 404, "NOT_FOUND")
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    refused = client.post("/api/v1/products", json=body, headers=bearer(viewer))
    assert_envelope(refused, 403, "FORBIDDEN")
    mine = client.patch(f"/api/v1/products/{product_id}", json=body, headers=bearer(owner))
    assert assert_envelope(mine, 400, "VALIDATION_ERROR")["errors"] == INVALID_CHARACTERS


def test_an_absurd_payment_amount_is_too_large_not_a_number(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    created = client.post("/api/v1/invoices", json=invoice(), headers=bearer(accountant))
    invoice_id = assert_envelope(created, 201)["data"]["id"]
    assert_envelope(
        client.post(f"/api/v1/invoices/{invoice_id}/issue", headers=bearer(accountant)), 200
    )
    for amount in ("1e30", "1E+999999999", 1e300):
        body = {"amount": amount, "paidOn": org_today().isoformat(), "method": "CASH"}
        answer = client.post(
            f"/api/v1/invoices/{invoice_id}/payments", json=body, headers=bearer(accountant)
        )
        errors = assert_envelope(answer, 400, "VALIDATION_ERROR")["errors"]
        assert errors == {"amount": too_large("9999999999.99")}
