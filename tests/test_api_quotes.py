"""Quotes over the API: server-side totals, lifecycle, roles, tenancy, messages, history.

The helpers at the top are shared by the other document test modules (invoices, money,
public link, PDF).
"""

from datetime import datetime, timedelta

import pytest

from tests.conftest import assert_envelope, bearer, org_today

QUOTES = "/api/v1/quotes"
INVOICES = "/api/v1/invoices"
EN = {"Accept-Language": "en"}
TODAY = org_today()
THIS_YEAR = TODAY.year


# --- shared helpers -------------------------------------------------------------------------


def new_customer(client, member, name="Cliente Uno", email="cliente@example.com") -> str:
    """A customer (with an e-mail address, so that its quotes can be sent)."""
    body = {"name": name, "email": email}
    body = client.post("/api/v1/customers", json=body, headers=bearer(member))
    return assert_envelope(body, 201)["data"]["id"]


def new_product(client, member, name="Tornillo", sku=None, price="0.35", tax="16") -> str:
    payload = {"name": name, "sku": sku or name.upper()[:8], "price": price, "taxRate": tax}
    return assert_envelope(
        client.post("/api/v1/products", json=payload, headers=bearer(member)), 201
    )["data"]["id"]


def mixed_lines(product_id: str) -> list[dict]:
    """Five lines whose amounts exercise half-up rounding, per line, as each is made.

    | line | gross | discount | net | tax | total |
    | 1 × 0.35 (product, 16 %) | 0.35 | 0.00 | 0.35 | 0.056 → 0.06 | 0.41 |
    | 3 × 19.99, 10 %, 16 % | 59.97 | 5.997 → 6.00 | 53.97 | 8.6352 → 8.64 | 62.61 |
    | 2.5 × 40.10, 12.5 %, 8 % | 100.25 | 12.53125 → 12.53 | 87.72 | 7.0176 → 7.02 | 94.74 |
    | 1 × 0.25, 0 %, 10 % | 0.25 | 0.00 | 0.25 | 0.025 → 0.03 | 0.28 |
    | 1 × 10.05, 50 %, 0 % | 10.05 | 5.025 → 5.03 | 5.02 | 0.00 | 5.02 |
    Rounding only the document total would give 163.05; rounding each line gives 163.06.
    """
    return [
        {"productId": product_id, "quantity": "1", "total": "999.99"},
        {
            "description": "Servicio de instalación",
            "quantity": 3,
            "unitPrice": "19.99",
            "discountPercent": "10",
            "taxPercent": "16",
            "tax": "0.00",
        },
        {
            "description": "Cable",
            "quantity": "2.5",
            "unitPrice": 40.10,
            "discountPercent": 12.5,
            "taxPercent": 8,
        },
        {"description": "Arandela", "quantity": "1", "unitPrice": "0.25", "taxPercent": "10"},
        {
            "description": "Mano de obra",
            "quantity": "1",
            "unitPrice": "10.05",
            "discountPercent": "50",
            "taxPercent": "0",
        },
    ]


EXPECTED_LINES = [
    # description, quantity, unitPrice, discount%, tax%, gross, discount, net, tax, total
    ("Tornillo", "1.000", "0.35", "0.00", "16.00", "0.35", "0.00", "0.35", "0.06", "0.41"),
    (
        "Servicio de instalación",
        "3.000",
        "19.99",
        "10.00",
        "16.00",
        "59.97",
        "6.00",
        "53.97",
        "8.64",
        "62.61",
    ),
    ("Cable", "2.500", "40.10", "12.50", "8.00", "100.25", "12.53", "87.72", "7.02", "94.74"),
    ("Arandela", "1.000", "0.25", "0.00", "10.00", "0.25", "0.00", "0.25", "0.03", "0.28"),
    ("Mano de obra", "1.000", "10.05", "50.00", "0.00", "10.05", "5.03", "5.02", "0.00", "5.02"),
]
EXPECTED_TOTALS = {
    "subtotal": "170.87",
    "discountTotal": "23.56",
    "taxTotal": "15.75",
    "total": "163.06",
}
LINE_KEYS = (
    "description",
    "quantity",
    "unitPrice",
    "discountPercent",
    "taxPercent",
    "gross",
    "discount",
    "net",
    "tax",
    "total",
)


def line_rows(document: dict) -> list[tuple]:
    return [tuple(line[key] for key in LINE_KEYS) for line in document["lines"]]


def totals_of(document: dict) -> dict:
    return {key: document[key] for key in EXPECTED_TOTALS}


def simple_line(price="100.00", **extra) -> dict:
    return {"description": "Consultoría", "quantity": "1", "unitPrice": price, **extra}


def quote_body(customer_id, lines=None, **extra) -> dict:
    lines = [simple_line()] if lines is None else lines
    return {"customerId": customer_id, "lines": lines, **extra}


def create_quote(client, member, customer_id, lines=None, **extra) -> dict:
    response = client.post(
        QUOTES, json=quote_body(customer_id, lines, **extra), headers=bearer(member)
    )
    return assert_envelope(response, 201)["data"]


def invoice_body(lines=None, **extra) -> dict:
    body = {"customerName": "Cliente Suelto", "invoiceDate": TODAY.isoformat()}
    body.update(extra)
    body["lines"] = [simple_line()] if lines is None else lines
    return body


def create_invoice(client, member, lines=None, **extra) -> dict:
    response = client.post(INVOICES, json=invoice_body(lines, **extra), headers=bearer(member))
    return assert_envelope(response, 201)["data"]


def act(client, member, path, status=200, code=None, json=None, **headers):
    response = client.post(path, json=json, headers=bearer(member, **headers))
    return assert_envelope(response, status, code)


def accepted_quote(client, member, customer_id, lines=None) -> dict:
    quote = create_quote(client, member, customer_id, lines)
    act(client, member, f"{QUOTES}/{quote['id']}/send")
    return act(client, member, f"{QUOTES}/{quote['id']}/accept")["data"]


def past_quote_body(customer_id) -> dict:
    """A quote written last year whose validity ended long ago."""
    return quote_body(
        customer_id, issueDate=f"{THIS_YEAR - 1}-01-10", validUntil=f"{THIS_YEAR - 1}-02-10"
    )


# --- computation and conversion ------------------------------------------------------------


def test_quote_totals_are_computed_per_line_half_up_and_survive_conversion(client, make_user):
    operator = make_user(role="OPERATOR")
    accountant = make_user(role="ACCOUNTANT", organization_id=operator.organization_id)
    customer = new_customer(client, operator)
    product = new_product(client, operator)
    payload = quote_body(customer, mixed_lines(product))
    payload.update(subtotal="1.00", discountTotal="0", taxTotal="0", total="1.00")  # ignored

    response = client.post(QUOTES, json=payload, headers=bearer(operator))
    created = assert_envelope(response, 201)
    assert created["message"] == "Cotización creada"
    quote = created["data"]
    assert quote["id"].startswith("quo_")
    assert quote["status"] == "DRAFT" and quote["currency"] == "USD"
    assert quote["quoteNumber"] == f"COT-{THIS_YEAR}-0001"
    assert quote["customerId"] == customer and quote["customerName"] == "Cliente Uno"
    assert line_rows(quote) == EXPECTED_LINES
    assert totals_of(quote) == EXPECTED_TOTALS
    assert quote["lines"][0]["productId"] == product
    assert all(line["productId"] is None for line in quote["lines"][1:])
    # Defaults: issued today, valid for 30 days.
    assert quote["issueDate"] == TODAY.isoformat()
    assert quote["validUntil"] == (TODAY + timedelta(days=30)).isoformat()
    assert quote["publicUrl"] is None and quote["invoiceId"] is None

    fetched = assert_envelope(client.get(f"{QUOTES}/{quote['id']}", headers=bearer(operator)), 200)
    assert line_rows(fetched["data"]) == EXPECTED_LINES
    assert totals_of(fetched["data"]) == EXPECTED_TOTALS

    act(client, operator, f"{QUOTES}/{quote['id']}/send")
    act(client, operator, f"{QUOTES}/{quote['id']}/accept")
    converted = act(client, accountant, f"{QUOTES}/{quote['id']}/convert", 201)
    assert converted["message"] == "Factura creada"
    invoice = converted["data"]
    assert invoice["id"].startswith("inv_")
    assert invoice["status"] == "DRAFT"
    assert invoice["invoiceNumber"] == f"INV-{THIS_YEAR}-0001"
    assert invoice["customerId"] == customer and invoice["customerName"] == "Cliente Uno"
    assert line_rows(invoice) == EXPECTED_LINES
    assert [line["productId"] for line in invoice["lines"]] == [product, None, None, None, None]
    assert totals_of(invoice) == EXPECTED_TOTALS
    assert invoice["amountPaid"] == "0.00" and invoice["balance"] == "163.06"

    after = assert_envelope(client.get(f"{QUOTES}/{quote['id']}", headers=bearer(operator)), 200)
    assert after["data"]["status"] == "CONVERTED"
    assert after["data"]["invoiceId"] == invoice["id"]
    stored = client.get(f"{INVOICES}/{invoice['id']}", headers=bearer(accountant))
    assert totals_of(assert_envelope(stored, 200)["data"]) == EXPECTED_TOTALS


def test_a_product_line_takes_the_products_values_unless_given(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    product = new_product(client, owner, name="Taladro", price="1250.50", tax="16")
    quote = create_quote(
        client,
        owner,
        customer,
        [
            {"productId": product, "quantity": "2"},
            {
                "productId": product,
                "quantity": "1",
                "description": "Taladro (usado)",
                "unitPrice": "900",
                "taxPercent": "0",
            },
        ],
    )
    first, second = quote["lines"]
    assert (first["description"], first["unitPrice"], first["taxPercent"]) == (
        "Taladro",
        "1250.50",
        "16.00",
    )
    assert (first["gross"], first["tax"], first["total"]) == ("2501.00", "400.16", "2901.16")
    assert (second["description"], second["unitPrice"], second["taxPercent"]) == (
        "Taladro (usado)",
        "900.00",
        "0.00",
    )
    assert second["productId"] == product and second["total"] == "900.00"
    assert quote["total"] == "3801.16"

    # The line is a copy: changing the catalog later leaves the quote as written.
    patched = client.patch(
        f"/api/v1/products/{product}", json={"price": "2000", "name": "X"}, headers=bearer(owner)
    )
    assert_envelope(patched, 200)
    again = assert_envelope(client.get(f"{QUOTES}/{quote['id']}", headers=bearer(owner)), 200)
    assert again["data"]["lines"][0]["unitPrice"] == "1250.50"
    assert again["data"]["lines"][0]["description"] == "Taladro"


def test_editing_a_draft_recomputes_totals_and_ignores_client_totals(client, make_user):
    operator = make_user(role="OPERATOR")
    customer = new_customer(client, operator)
    quote = create_quote(client, operator, customer)
    assert quote["total"] == "100.00"
    body = quote_body(
        customer,
        [simple_line("10.00", quantity="3", taxPercent="16")],
        notes="Precio especial",
        total="5.00",
        taxTotal="0.00",
    )
    response = client.patch(f"{QUOTES}/{quote['id']}", json=body, headers=bearer(operator))
    updated = assert_envelope(response, 200)
    assert updated["message"] == "Cotización actualizada"
    data = updated["data"]
    assert data["quoteNumber"] == quote["quoteNumber"]
    assert len(data["lines"]) == 1 and data["notes"] == "Precio especial"
    assert totals_of(data) == {
        "subtotal": "30.00",
        "discountTotal": "0.00",
        "taxTotal": "4.80",
        "total": "34.80",
    }


# --- lifecycle -----------------------------------------------------------------------------


def test_lifecycle_conflicts_have_clear_messages(client, make_user):
    operator = make_user(role="OPERATOR")
    accountant = make_user(role="ACCOUNTANT", organization_id=operator.organization_id)
    customer = new_customer(client, operator)
    quote = create_quote(client, operator, customer)
    url = f"{QUOTES}/{quote['id']}"

    draft_accept = act(client, operator, f"{url}/accept", 409, "INVALID_STATE")
    assert draft_accept["error"] == "Solo las cotizaciones enviadas se pueden aceptar o rechazar"
    draft_convert = act(client, accountant, f"{url}/convert", 409, "INVALID_STATE")
    assert (
        draft_convert["error"] == "Solo las cotizaciones aceptadas se pueden convertir en factura"
    )

    sent = act(client, operator, f"{url}/send")
    assert sent["message"] == "Cotización enviada" and sent["data"]["status"] == "SENT"
    assert sent["data"]["publicUrl"].startswith("http://localhost/q/")
    twice = act(client, operator, f"{url}/send")  # sending again: recorded, still SENT
    assert twice["data"]["status"] == "SENT"
    assert twice["data"]["publicUrl"] == sent["data"]["publicUrl"]

    edit = client.patch(url, json=quote_body(customer), headers=bearer(operator))
    assert (
        assert_envelope(edit, 409, "INVALID_STATE")["error"]
        == "Solo se pueden editar cotizaciones en borrador"
    )
    edit_en = client.patch(url, json=quote_body(customer), headers=bearer(operator, **EN))
    assert assert_envelope(edit_en, 409, "INVALID_STATE")["error"] == (
        "Only draft quotes can be edited"
    )

    accepted = act(client, operator, f"{url}/accept", json={"reason": "Buen precio"})
    assert accepted["message"] == "Cotización aceptada"
    assert accepted["data"]["status"] == "ACCEPTED"
    assert accepted["data"]["decisionReason"] == "Buen precio"
    assert accepted["data"]["publicUrl"] == sent["data"]["publicUrl"]  # it shows the decision
    reject_after = act(client, operator, f"{url}/reject", 409, "INVALID_STATE")
    assert reject_after["error"] == "Solo las cotizaciones enviadas se pueden aceptar o rechazar"
    send_after = act(client, operator, f"{url}/send", 409, "INVALID_STATE", **EN)
    assert send_after["error"] == "Only draft or sent quotes can be sent"

    act(client, accountant, f"{url}/convert", 201)
    again = act(client, accountant, f"{url}/convert", 409, "INVALID_STATE")
    assert again["error"] == "Esta cotización ya fue convertida en factura"
    again_en = act(client, accountant, f"{url}/convert", 409, "INVALID_STATE", **EN)
    assert again_en["error"] == "This quote has already been converted into an invoice"
    # Still exactly one invoice.
    listing = assert_envelope(client.get(INVOICES, headers=bearer(accountant)), 200)["data"]
    assert len(listing["items"]) == 1


def test_reject_with_reason_and_no_conversion_afterwards(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    url = f"{QUOTES}/{quote['id']}"
    act(client, owner, f"{url}/send")
    rejected = act(client, owner, f"{url}/reject", json={"reason": "Muy caro"})
    assert rejected["message"] == "Cotización rechazada"
    assert rejected["data"]["status"] == "REJECTED"
    assert rejected["data"]["decisionReason"] == "Muy caro"
    refused = act(client, owner, f"{url}/convert", 409, "INVALID_STATE")
    assert refused["error"] == "Solo las cotizaciones aceptadas se pueden convertir en factura"


def test_an_expired_quote_cannot_be_accepted(client, make_user):
    operator = make_user(role="OPERATOR")
    customer = new_customer(client, operator)
    response = client.post(QUOTES, json=past_quote_body(customer), headers=bearer(operator))
    quote = assert_envelope(response, 201)["data"]
    assert quote["quoteNumber"] == f"COT-{THIS_YEAR - 1}-0001"
    assert quote["status"] == "DRAFT"
    url = f"{QUOTES}/{quote['id']}"
    sent = act(client, operator, f"{url}/send")
    assert sent["data"]["status"] == "EXPIRED"
    assert sent["data"]["publicUrl"].startswith("http://localhost/q/")  # it says it expired
    for action in ("accept", "reject"):
        expired = act(client, operator, f"{url}/{action}", 409, "INVALID_STATE")
        assert expired["error"] == "Esta cotización está vencida"
    english = act(client, operator, f"{url}/accept", 409, "INVALID_STATE", **EN)
    assert english["error"] == "This quote has expired"
    listing = client.get(f"{QUOTES}?status=EXPIRED", headers=bearer(operator))
    assert [q["id"] for q in assert_envelope(listing, 200)["data"]["items"]] == [quote["id"]]
    listing = client.get(f"{QUOTES}?status=SENT", headers=bearer(operator))
    assert assert_envelope(listing, 200)["data"]["items"] == []


def test_list_filters_by_status_and_customer(client, make_user):
    owner = make_user()
    first = new_customer(client, owner, "Primero")
    second = new_customer(client, owner, "Segundo")
    a = create_quote(client, owner, first)
    b = create_quote(client, owner, second)
    act(client, owner, f"{QUOTES}/{b['id']}/send")

    def ids(query):
        response = client.get(QUOTES + query, headers=bearer(owner))
        return {q["id"] for q in assert_envelope(response, 200)["data"]["items"]}

    assert ids("") == {a["id"], b["id"]}
    assert ids("?status=DRAFT") == {a["id"]}
    assert ids("?status=SENT") == {b["id"]}
    assert ids(f"?customerId={second}") == {b["id"]}
    assert ids(f"?customerId={first}&status=SENT") == set()
    bad = client.get(f"{QUOTES}?status=NOPE", headers=bearer(owner))
    assert assert_envelope(bad, 400, "VALIDATION_ERROR")["errors"] == {
        "status": "Estado desconocido"
    }


# --- roles ---------------------------------------------------------------------------------


def test_operator_writes_quotes_but_only_an_accountant_converts(client, make_user):
    operator = make_user(role="OPERATOR")
    customer = new_customer(client, operator)
    quote = accepted_quote(client, operator, customer)
    url = f"{QUOTES}/{quote['id']}/convert"
    denied = act(client, operator, url, 403, "FORBIDDEN")
    assert denied["error"] == "Sin permisos"
    denied_en = act(client, operator, url, 403, "FORBIDDEN", **EN)
    assert denied_en["error"] == "Access denied — ACCOUNTANT role required"
    after = assert_envelope(client.get(f"{QUOTES}/{quote['id']}", headers=bearer(operator)), 200)
    assert after["data"]["status"] == "ACCEPTED"
    admin = make_user(role="ADMIN", organization_id=operator.organization_id)
    act(client, admin, url, 201)  # and every role above it


def test_viewer_reads_quotes_but_cannot_write_them(client, make_user):
    owner = make_user()
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    url = f"{QUOTES}/{quote['id']}"

    create = client.post(QUOTES, json=quote_body(customer), headers=bearer(viewer))
    assert assert_envelope(create, 403, "FORBIDDEN")["error"] == "Sin permisos"
    create_en = client.post(QUOTES, json=quote_body(customer), headers=bearer(viewer, **EN))
    assert (
        assert_envelope(create_en, 403, "FORBIDDEN")["error"]
        == "Access denied — OPERATOR role required"
    )
    patch = client.patch(url, json=quote_body(customer), headers=bearer(viewer, **EN))
    assert assert_envelope(patch, 403, "FORBIDDEN")["error"] == (
        "Access denied — OPERATOR role required"
    )
    for action in ("send", "accept", "reject"):
        denied = act(client, viewer, f"{url}/{action}", 403, "FORBIDDEN", **EN)
        assert denied["error"] == "Access denied — OPERATOR role required"
    convert = act(client, viewer, f"{url}/convert", 403, "FORBIDDEN", **EN)
    assert convert["error"] == "Access denied — ACCOUNTANT role required"

    assert (
        assert_envelope(client.get(url, headers=bearer(viewer)), 200)["data"]["id"] == quote["id"]
    )
    listing = assert_envelope(client.get(QUOTES, headers=bearer(viewer)), 200)["data"]
    assert [q["id"] for q in listing["items"]] == [quote["id"]]
    assert_envelope(client.get(f"{url}/history", headers=bearer(viewer)), 200)
    pdf = client.get(f"{url}/pdf", headers=bearer(viewer))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    # Nothing changed.
    assert assert_envelope(client.get(url, headers=bearer(owner)), 200)["data"]["status"] == "DRAFT"


# --- tenancy -------------------------------------------------------------------------------


QUOTE_ENDPOINTS = [
    ("get", ""),
    ("patch", ""),
    ("post", "/send"),
    ("post", "/accept"),
    ("post", "/reject"),
    ("post", "/convert"),
    ("get", "/history"),
    ("get", "/pdf"),
]


@pytest.mark.parametrize(("method", "suffix"), QUOTE_ENDPOINTS)
def test_unknown_and_foreign_quotes_are_404(client, make_user, method, suffix):
    me = make_user(role="ACCOUNTANT")
    stranger = make_user()  # another organisation
    mine = new_customer(client, me)
    theirs = create_quote(client, stranger, new_customer(client, stranger))
    for quote_id in (theirs["id"], "quo_doesnotexist"):
        response = getattr(client, method)(
            f"{QUOTES}/{quote_id}{suffix}", json=quote_body(mine), headers=bearer(me)
        )
        assert assert_envelope(response, 404, "NOT_FOUND")["error"] == "Cotización no encontrada"
    english = getattr(client, method)(
        f"{QUOTES}/{theirs['id']}{suffix}", json=quote_body(mine), headers=bearer(me, **EN)
    )
    assert assert_envelope(english, 404, "NOT_FOUND")["error"] == "Quote not found"
    # The stranger's quote is untouched.
    still = client.get(f"{QUOTES}/{theirs['id']}", headers=bearer(stranger))
    assert assert_envelope(still, 200)["data"]["status"] == "DRAFT"


def test_quotes_are_listed_per_organisation_and_numbered_per_organisation(client, make_user):
    one = make_user()
    two = make_user()
    q1 = create_quote(client, one, new_customer(client, one))
    q2 = create_quote(client, two, new_customer(client, two))
    q3 = create_quote(client, one, new_customer(client, one, "Otro"))
    assert q1["quoteNumber"] == q2["quoteNumber"] == f"COT-{THIS_YEAR}-0001"
    assert q3["quoteNumber"] == f"COT-{THIS_YEAR}-0002"
    listing = assert_envelope(client.get(QUOTES, headers=bearer(one)), 200)["data"]["items"]
    assert {q["id"] for q in listing} == {q1["id"], q3["id"]}


# --- validation ----------------------------------------------------------------------------


def errors_of(response) -> dict:
    return assert_envelope(response, 400, "VALIDATION_ERROR")["errors"]


def test_quote_validation_messages(client, make_user):
    owner = make_user()
    stranger = make_user()
    customer = new_customer(client, owner)
    foreign_customer = new_customer(client, stranger)
    foreign_product = new_product(client, stranger)
    h = bearer(owner)

    def post(body, **headers):
        return client.post(QUOTES, json=body, headers=bearer(owner, **headers))

    assert errors_of(post({"customerId": customer, "lines": []})) == {
        "lines": "Agrega al menos una línea"
    }
    assert errors_of(post({"customerId": customer})) == {"lines": "Agrega al menos una línea"}
    assert errors_of(post({"customerId": customer}, **EN)) == {"lines": "Add at least one line"}
    missing = post({"lines": [simple_line()]})
    assert errors_of(missing) == {"customerId": "El cliente es requerido"}
    assert errors_of(post(quote_body("cus_doesnotexist"))) == {
        "customerId": "Cliente no encontrado"
    }
    assert errors_of(post(quote_body(foreign_customer))) == {"customerId": "Cliente no encontrado"}
    assert errors_of(post(quote_body(foreign_customer), **EN)) == {
        "customerId": "Customer not found"
    }
    lines = [simple_line(), simple_line(quantity="abc"), simple_line(unitPrice="-1")]
    body = assert_envelope(post(quote_body(customer, lines)), 400, "VALIDATION_ERROR")
    assert body["message"] == "La validación falló"
    assert body["errors"] == {
        "lines[1].quantity": "Debe ser un número",
        "lines[2].unitPrice": "El precio unitario no puede ser negativo",
    }
    assert body["error"] == "Debe ser un número"
    english = assert_envelope(post(quote_body(customer, lines), **EN), 400, "VALIDATION_ERROR")
    assert english["message"] == "Validation failed"
    assert english["errors"]["lines[1].quantity"] == "Must be a number"
    assert errors_of(
        post(quote_body(customer, [{"productId": foreign_product, "quantity": 1}]))
    ) == {"lines[0].productId": "Producto no encontrado"}
    dates = quote_body(customer, issueDate=f"{THIS_YEAR}-03-10", validUntil=f"{THIS_YEAR}-03-01")
    assert errors_of(post(dates)) == {
        "validUntil": "La validez no puede terminar antes de la fecha de emisión"
    }
    assert errors_of(post(quote_body(customer, issueDate="10/03/2026"))) == {
        "issueDate": "Fecha inválida"
    }
    assert client.get(QUOTES, headers=h).get_json()["data"]["items"] == []


def test_editing_with_bad_lines_changes_nothing(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    url = f"{QUOTES}/{quote['id']}"
    bad = client.patch(
        url, json=quote_body(customer, [simple_line(quantity="0")]), headers=bearer(owner)
    )
    assert errors_of(bad) == {"lines[0].quantity": "La cantidad debe ser mayor a 0"}
    data = assert_envelope(client.get(url, headers=bearer(owner)), 200)["data"]
    assert data["total"] == "100.00" and data["lines"][0]["quantity"] == "1.000"


def test_history_of_a_quote(client, make_user):
    operator = make_user(role="OPERATOR")
    accountant = make_user(role="ACCOUNTANT", organization_id=operator.organization_id)
    customer = new_customer(client, operator)
    quote = create_quote(client, operator, customer)
    url = f"{QUOTES}/{quote['id']}"
    edited = client.patch(
        url,
        json=quote_body(customer, [simple_line("80.00")], notes="Con descuento"),
        headers=bearer(operator),
    )
    assert_envelope(edited, 200)
    act(client, operator, f"{url}/send")
    act(client, operator, f"{url}/accept", json={"reason": "Aprobado por gerencia"})
    invoice = act(client, accountant, f"{url}/convert", 201)["data"]

    history = assert_envelope(client.get(f"{url}/history", headers=bearer(operator)), 200)
    items = history["data"]["items"]
    assert [e["action"] for e in items] == ["created", "edited", "sent", "accepted", "converted"]
    actors = [e["actor"] for e in items]
    operator_ref = {"id": operator.id, "name": "Operator User"}
    assert actors == [operator_ref] * 4 + [{"id": accountant.id, "name": "Accountant User"}]
    assert items[0]["changes"]["number"] == quote["quoteNumber"]
    assert items[1]["changes"]["total"] == ["100.00", "80.00"]
    assert items[1]["changes"]["notes"] == ["", "Con descuento"]
    assert "customer" not in items[1]["changes"]
    assert items[3]["changes"] == {"reason": "Aprobado por gerencia"}
    assert items[4]["changes"] == {"invoice": invoice["invoiceNumber"]}
    stamps = [datetime.fromisoformat(e["at"]) for e in items]
    assert stamps == sorted(stamps)
    assert all(abs((stamps[0] - s).total_seconds()) < 120 for s in stamps)


def test_history_records_a_rejection_with_its_reason(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    url = f"{QUOTES}/{quote['id']}"
    act(client, owner, f"{url}/send")
    act(client, owner, f"{url}/reject", json={"reason": "Fuera de presupuesto"})
    items = assert_envelope(client.get(f"{url}/history", headers=bearer(owner)), 200)["data"]
    last = items["items"][-1]
    assert last["action"] == "rejected"
    assert last["changes"] == {"reason": "Fuera de presupuesto"}
    assert last["actor"] == {"id": owner.id, "name": "Owner User"}


def test_quote_body_must_be_a_json_object(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    for data in ("{broken", "[1, 2]", '"text"'):
        response = client.post(
            QUOTES, data=data, content_type="application/json", headers=bearer(owner)
        )
        assert errors_of(response) == {"body": "El cuerpo de la solicitud debe ser un objeto JSON"}
    wrong = client.post(
        QUOTES,
        json={"customerId": 5, "lines": [{"description": 7, "quantity": [1]}, "x"]},
        headers=bearer(owner),
    )
    assert errors_of(wrong) == {
        "customerId": "Valor inválido",
        "lines[0].description": "Valor inválido",
        "lines[0].quantity": "Valor inválido",
        "lines[1]": "Valor inválido",
    }
    not_a_list = client.post(QUOTES, json=quote_body(customer, "x"), headers=bearer(owner))
    assert errors_of(not_a_list) == {"lines": "Valor inválido"}


def test_history_records_an_edit_of_a_line_description(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer, [simple_line("10", description="Tornillos")])
    url = f"{QUOTES}/{quote['id']}"
    changed = quote_body(customer, [simple_line("10", description="Tuercas")])
    assert assert_envelope(client.patch(url, json=changed, headers=bearer(owner)), 200)
    items = assert_envelope(client.get(f"{url}/history", headers=bearer(owner)), 200)["data"]
    assert [e["action"] for e in items["items"]] == ["created", "edited"]


def test_a_quote_number_always_matches_the_year_of_its_issue_date(client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer, issueDate=f"{THIS_YEAR}-01-02")
    assert quote["quoteNumber"] == f"COT-{THIS_YEAR}-0001"
    moved = client.patch(
        f"{QUOTES}/{quote['id']}",
        json=quote_body(
            customer, issueDate=f"{THIS_YEAR - 1}-12-30", validUntil=f"{THIS_YEAR + 1}-01-30"
        ),
        headers=bearer(owner),
    )
    # Either refused, or renumbered in the series of the new year.
    if moved.status_code == 400:
        assert "issueDate" in moved.get_json()["errors"]
    else:
        data = assert_envelope(moved, 200)["data"]
        assert data["quoteNumber"].startswith(f"COT-{data['issueDate'][:4]}-")


def test_only_a_converted_quote_looks_for_its_invoice(app, client, make_user):
    """A quote's detail names the invoice it became (``invoiceId``); only a converted quote
    has one, so the others (creation, every read of a draft, sent or accepted quote) ask
    the invoices nothing."""
    from sqlalchemy import event

    accountant = make_user(role="ACCOUNTANT")
    customer = new_customer(client, accountant)
    asked: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if "FROM invoices" in statement:
            asked.append(statement)

    engine = app.extensions["portal.db"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        quote = accepted_quote(client, accountant, customer)
        read = assert_envelope(
            client.get(f"{QUOTES}/{quote['id']}", headers=bearer(accountant)), 200
        )
        assert read["data"]["invoiceId"] is None and asked == []
        invoice = act(client, accountant, f"{QUOTES}/{quote['id']}/convert", 201)["data"]
        asked.clear()
        read = assert_envelope(
            client.get(f"{QUOTES}/{quote['id']}", headers=bearer(accountant)), 200
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert read["data"]["status"] == "CONVERTED"
    assert read["data"]["invoiceId"] == invoice["id"] and len(asked) == 1
