"""Invoices over the API: numbering, lifecycle, payments, roles, tenancy, messages, history."""

from datetime import datetime, timedelta

import pytest

from tests.conftest import assert_envelope, bearer
from tests.test_api_quotes import (
    EN,
    EXPECTED_LINES,
    EXPECTED_TOTALS,
    INVOICES,
    QUOTES,
    THIS_YEAR,
    TODAY,
    accepted_quote,
    act,
    create_invoice,
    invoice_body,
    line_rows,
    mixed_lines,
    new_customer,
    new_product,
    simple_line,
    totals_of,
)

PAST = {"invoiceDate": f"{THIS_YEAR - 1}-01-05", "dueDate": f"{THIS_YEAR - 1}-02-04"}


def errors_of(response) -> dict:
    return assert_envelope(response, 400, "VALIDATION_ERROR")["errors"]


def pay(client, member, invoice_id, amount, status=201, code=None, **extra):
    body = {"amount": amount, "paidOn": TODAY.isoformat(), "method": "TRANSFER", **extra}
    response = client.post(f"{INVOICES}/{invoice_id}/payments", json=body, headers=bearer(member))
    return assert_envelope(response, status, code)


def issued_invoice(client, member, lines=None, **extra) -> dict:
    invoice = create_invoice(client, member, lines, **extra)
    return act(client, member, f"{INVOICES}/{invoice['id']}/issue")["data"]


# --- creation and computation --------------------------------------------------------------


def test_accountant_creates_an_invoice_with_server_side_totals(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    product = new_product(client, accountant)
    customer = new_customer(client, accountant, "Ferretería Sur")
    body = invoice_body(
        mixed_lines(product),
        customerId=customer,
        customerName="",
        invoiceDate=f"{THIS_YEAR}-03-01",
        subtotal="0",
        total="1",
        amountPaid="163.06",
        status="PAID",
    )
    response = client.post(INVOICES, json=body, headers=bearer(accountant))
    created = assert_envelope(response, 201)
    assert created["message"] == "Factura creada"
    invoice = created["data"]
    assert invoice["id"].startswith("inv_")
    assert invoice["invoiceNumber"] == f"INV-{THIS_YEAR}-0001"
    assert invoice["status"] == "DRAFT" and invoice["overdue"] is False
    assert invoice["customerId"] == customer and invoice["customerName"] == "Ferretería Sur"
    assert invoice["invoiceDate"] == f"{THIS_YEAR}-03-01"
    assert invoice["dueDate"] == f"{THIS_YEAR}-03-31"  # 30 days by default
    assert line_rows(invoice) == EXPECTED_LINES
    assert totals_of(invoice) == EXPECTED_TOTALS
    assert invoice["amountPaid"] == "0.00" and invoice["balance"] == "163.06"
    english = client.post(INVOICES, json=invoice_body(), headers=bearer(accountant, **EN))
    assert assert_envelope(english, 201)["message"] == "Invoice created"


def test_customer_name_without_a_catalog_customer(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    invoice = create_invoice(client, accountant, customerName="Juan Pérez")
    assert invoice["customerId"] is None and invoice["customerName"] == "Juan Pérez"


def test_operator_and_viewer_cannot_write_invoices(client, make_user):
    owner = make_user()
    operator = make_user(role="OPERATOR", organization_id=owner.organization_id)
    viewer = make_user(role="VIEWER", organization_id=owner.organization_id)
    invoice = create_invoice(client, owner)
    url = f"{INVOICES}/{invoice['id']}"
    for member in (operator, viewer):
        denied = client.post(INVOICES, json=invoice_body(), headers=bearer(member))
        assert assert_envelope(denied, 403, "FORBIDDEN")["error"] == "Sin permisos"
        denied_en = client.post(INVOICES, json=invoice_body(), headers=bearer(member, **EN))
        assert (
            assert_envelope(denied_en, 403, "FORBIDDEN")["error"]
            == "Access denied — ACCOUNTANT role required"
        )
        patch = client.patch(url, json=invoice_body(), headers=bearer(member, **EN))
        assert assert_envelope(patch, 403, "FORBIDDEN")["error"] == (
            "Access denied — ACCOUNTANT role required"
        )
        for action in ("issue", "void", "payments"):
            body = {"amount": "1", "paidOn": TODAY.isoformat(), "method": "CASH"}
            denied = act(client, member, f"{url}/{action}", 403, "FORBIDDEN", json=body, **EN)
            assert denied["error"] == "Access denied — ACCOUNTANT role required"
        # …but both read.
        assert (
            assert_envelope(client.get(url, headers=bearer(member)), 200)["data"]["id"]
            == (invoice["id"])
        )
        for suffix in ("/payments", "/history"):
            assert_envelope(client.get(url + suffix, headers=bearer(member)), 200)
    listing = assert_envelope(client.get(INVOICES, headers=bearer(viewer)), 200)["data"]["items"]
    assert [i["id"] for i in listing] == [invoice["id"]]
    assert listing[0]["status"] == "DRAFT"


# --- numbering -----------------------------------------------------------------------------


def test_numbers_per_organisation_and_year(client, make_user):
    one = make_user(role="ACCOUNTANT")
    two = make_user(role="ACCOUNTANT")
    a = create_invoice(client, one, invoiceDate=f"{THIS_YEAR}-02-01")
    b = create_invoice(client, two, invoiceDate=f"{THIS_YEAR}-02-01")
    assert a["invoiceNumber"] == b["invoiceNumber"] == f"INV-{THIS_YEAR}-0001"
    old = create_invoice(client, one, invoiceDate=f"{THIS_YEAR - 1}-12-31")
    assert old["invoiceNumber"] == f"INV-{THIS_YEAR - 1}-0001"
    c = create_invoice(client, one, invoiceDate=f"{THIS_YEAR}-01-01")
    assert c["invoiceNumber"] == f"INV-{THIS_YEAR}-0002"
    # A custom number is accepted and takes nothing from the series.
    legacy = create_invoice(client, one, invoiceNumber="LEGACY-0001")
    assert legacy["invoiceNumber"] == "LEGACY-0001"
    d = create_invoice(client, one)
    assert d["invoiceNumber"] == f"INV-{THIS_YEAR}-0003"
    # A refused request gives its number back: no gap.
    refused = client.post(INVOICES, json=invoice_body([]), headers=bearer(one))
    assert errors_of(refused) == {"lines": "Agrega al menos una línea"}
    e = create_invoice(client, one)
    assert e["invoiceNumber"] == f"INV-{THIS_YEAR}-0004"


def test_duplicate_and_reserved_numbers(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    stranger = make_user(role="ACCOUNTANT")
    first = create_invoice(client, accountant)
    create_invoice(client, accountant, invoiceNumber="LEGACY-0001")

    for number in ("LEGACY-0001", first["invoiceNumber"]):
        taken = client.post(
            INVOICES, json=invoice_body(invoiceNumber=number), headers=bearer(accountant)
        )
        body = assert_envelope(taken, 409, "DUPLICATE_INVOICE_NUMBER")
        assert body["error"] == "Ya existe una factura con ese número"
    taken_en = client.post(
        INVOICES, json=invoice_body(invoiceNumber="LEGACY-0001"), headers=bearer(accountant, **EN)
    )
    assert assert_envelope(taken_en, 409, "DUPLICATE_INVOICE_NUMBER")["error"] == (
        "An invoice with that number already exists"
    )
    # Another organisation may use the same custom number.
    assert create_invoice(client, stranger, invoiceNumber="LEGACY-0001")["invoiceNumber"] == (
        "LEGACY-0001"
    )

    reserved = client.post(
        INVOICES,
        json=invoice_body(invoiceNumber=f"INV-{THIS_YEAR}-0099"),
        headers=bearer(accountant),
    )
    assert errors_of(reserved) == {
        "invoiceNumber": "Los números de la forma INV-AAAA-NNNN los asigna el portal"
    }
    odd = client.post(INVOICES, json=invoice_body(invoiceNumber="A B?"), headers=bearer(accountant))
    assert errors_of(odd) == {"invoiceNumber": "Usa solo letras, dígitos y - _ . /"}
    listing = assert_envelope(client.get(INVOICES, headers=bearer(accountant)), 200)["data"]
    assert len(listing["items"]) == 2


def test_void_keeps_the_number_and_an_invoice_is_never_deleted(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    owner = make_user(role="OWNER", organization_id=accountant.organization_id)
    invoice = issued_invoice(client, accountant)
    url = f"{INVOICES}/{invoice['id']}"
    voided = act(client, accountant, f"{url}/void")
    assert voided["message"] == "Factura anulada"
    assert voided["data"]["status"] == "VOID"
    assert voided["data"]["invoiceNumber"] == invoice["invoiceNumber"]
    assert voided["data"]["voidedAt"]
    for member in (accountant, owner):
        deleted = client.delete(url, headers=bearer(member))
        assert_envelope(deleted, 405, "METHOD_NOT_ALLOWED")
    draft = create_invoice(client, accountant)
    assert_envelope(
        client.delete(f"{INVOICES}/{draft['id']}", headers=bearer(owner)), 405, "METHOD_NOT_ALLOWED"
    )
    still = assert_envelope(client.get(url, headers=bearer(accountant)), 200)["data"]
    assert still["status"] == "VOID" and still["invoiceNumber"] == invoice["invoiceNumber"]
    # The voided number is never handed out again.
    assert draft["invoiceNumber"] == f"INV-{TODAY.year}-0002"
    void_again = act(client, accountant, f"{url}/void", 409, "INVALID_STATE")
    assert void_again["error"] == "La factura está anulada"


# --- lifecycle and payments ----------------------------------------------------------------


def test_lifecycle_and_payments(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    product = new_product(client, accountant)
    invoice = create_invoice(client, accountant, mixed_lines(product))
    url = f"{INVOICES}/{invoice['id']}"

    draft_pay = pay(client, accountant, invoice["id"], "1.00", 409, "INVALID_STATE")
    assert draft_pay["error"] == "Los pagos solo se registran en facturas emitidas"

    issued = act(client, accountant, f"{url}/issue")
    assert issued["message"] == "Factura emitida"
    assert issued["data"]["status"] == "ISSUED" and issued["data"]["issuedAt"]
    twice = act(client, accountant, f"{url}/issue", 409, "INVALID_STATE")
    assert twice["error"] == "Solo se pueden emitir facturas en borrador"
    edit = client.patch(url, json=invoice_body(), headers=bearer(accountant))
    assert assert_envelope(edit, 409, "INVALID_STATE")["error"] == (
        "Solo se pueden editar facturas en borrador"
    )
    edit_en = client.patch(url, json=invoice_body(), headers=bearer(accountant, **EN))
    assert assert_envelope(edit_en, 409, "INVALID_STATE")["error"] == (
        "Only draft invoices can be edited"
    )

    for amount, message in (("0", "El importe debe ser mayor a 0"), ("-5", None)):
        errors = errors_of(
            client.post(
                f"{url}/payments",
                json={"amount": amount, "paidOn": TODAY.isoformat(), "method": "CASH"},
                headers=bearer(accountant),
            )
        )
        assert errors == {"amount": message or "El importe debe ser mayor a 0"}
    over = pay(client, accountant, invoice["id"], "163.07", 400, "VALIDATION_ERROR")
    assert over["errors"] == {"amount": "El pago no puede superar el saldo de 163,06\xa0US$"}

    first = pay(client, accountant, invoice["id"], "100.00", reference="TRF-1")
    assert first["message"] == "Pago registrado"
    assert first["data"]["payment"]["id"].startswith("pay_")
    assert first["data"]["payment"]["amount"] == "100.00"
    assert first["data"]["payment"]["reference"] == "TRF-1"
    state = first["data"]["invoice"]
    assert (state["status"], state["amountPaid"], state["balance"]) == (
        "PARTIALLY_PAID",
        "100.00",
        "63.06",
    )
    void_partial = act(client, accountant, f"{url}/void", 409, "INVALID_STATE")
    assert void_partial["error"] == "Una factura con pagos no se puede anular"
    over = pay(client, accountant, invoice["id"], "63.07", 400, "VALIDATION_ERROR")
    assert over["errors"] == {"amount": "El pago no puede superar el saldo de 63,06\xa0US$"}
    second = pay(client, accountant, invoice["id"], "63.06", method="CASH")
    state = second["data"]["invoice"]
    assert (state["status"], state["amountPaid"], state["balance"]) == ("PAID", "163.06", "0.00")

    paid_again = pay(client, accountant, invoice["id"], "1.00", 409, "INVALID_STATE")
    assert paid_again["error"] == "La factura ya está pagada"
    english = client.post(
        f"{url}/payments",
        json={"amount": "1", "paidOn": TODAY.isoformat(), "method": "CASH"},
        headers=bearer(accountant, **EN),
    )
    assert assert_envelope(english, 409, "INVALID_STATE")["error"] == "The invoice is already paid"
    void_paid = act(client, accountant, f"{url}/void", 409, "INVALID_STATE")
    assert void_paid["error"] == "La factura ya está pagada"

    payments = assert_envelope(client.get(f"{url}/payments", headers=bearer(accountant)), 200)
    items = payments["data"]["items"]
    assert [(p["amount"], p["method"]) for p in items] == [
        ("100.00", "TRANSFER"),
        ("63.06", "CASH"),
    ]
    assert items[0]["id"] == first["data"]["payment"]["id"]
    assert all(p["paidOn"] == TODAY.isoformat() for p in items)
    assert payments["data"]["nextCursor"] is None
    final = assert_envelope(client.get(url, headers=bearer(accountant)), 200)["data"]
    assert (final["status"], final["amountPaid"], final["balance"]) == ("PAID", "163.06", "0.00")
    assert totals_of(final) == EXPECTED_TOTALS


def test_payment_validation(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    invoice = issued_invoice(client, accountant)
    url = f"{INVOICES}/{invoice['id']}/payments"

    def post(body, **headers):
        return client.post(url, json=body, headers=bearer(accountant, **headers))

    assert errors_of(post({})) == {
        "amount": "El importe es requerido",
        "paidOn": "La fecha de pago es requerida",
    }
    assert errors_of(post({"amount": "abc", "paidOn": "ayer", "method": "BARTER"})) == {
        "amount": "Debe ser un número",
        "paidOn": "Fecha inválida",
        "method": "Elige un método de pago",
    }
    assert errors_of(post({"amount": "0", "paidOn": TODAY.isoformat()}, **EN)) == {
        "amount": "Amount must be greater than 0"
    }
    over = post({"amount": "100.01", "paidOn": TODAY.isoformat()}, **EN)
    assert errors_of(over) == {"amount": "The payment cannot exceed the balance of $100.00"}
    malformed = client.post(
        url, data="{nope", content_type="application/json", headers=bearer(accountant)
    )
    assert errors_of(malformed) == {"body": "El cuerpo de la solicitud debe ser un objeto JSON"}
    # Nothing was recorded; a method is optional (bank transfer).
    assert client.get(url, headers=bearer(accountant)).get_json()["data"]["items"] == []
    done = pay(client, accountant, invoice["id"], "100")
    assert done["data"]["payment"]["method"] == "TRANSFER"
    assert done["data"]["invoice"]["status"] == "PAID"


def test_a_void_invoice_takes_no_payment(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    draft = create_invoice(client, accountant)
    voided = act(client, accountant, f"{INVOICES}/{draft['id']}/void")
    assert voided["data"]["status"] == "VOID"
    refused = pay(client, accountant, draft["id"], "1.00", 409, "INVALID_STATE")
    assert refused["error"] == "La factura está anulada"
    issue = act(client, accountant, f"{INVOICES}/{draft['id']}/issue", 409, "INVALID_STATE")
    assert issue["error"] == "La factura está anulada"


def test_overdue_and_list_filters(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    first = new_customer(client, accountant, "Primero")
    second = new_customer(client, accountant, "Segundo")
    late = issued_invoice(client, accountant, customerId=first, **PAST)
    assert late["overdue"] is True
    late_paid = issued_invoice(client, accountant, customerId=second, **PAST)
    draft_late = create_invoice(client, accountant, customerId=second, **PAST)
    assert draft_late["overdue"] is False  # not issued: nothing is owed yet
    current = issued_invoice(
        client, accountant, customerId=second, dueDate=(TODAY + timedelta(days=5)).isoformat()
    )
    assert current["overdue"] is False
    pay(client, accountant, late_paid["id"], "40.00")
    partial = assert_envelope(
        client.get(f"{INVOICES}/{late_paid['id']}", headers=bearer(accountant)), 200
    )["data"]
    assert partial["status"] == "PARTIALLY_PAID" and partial["overdue"] is True

    def ids(query):
        response = client.get(INVOICES + query, headers=bearer(accountant))
        return {i["id"] for i in assert_envelope(response, 200)["data"]["items"]}

    assert ids("?overdue=true") == {late["id"], late_paid["id"]}
    assert ids(f"?overdue=true&customerId={first}") == {late["id"]}
    assert ids("?status=ISSUED") == {late["id"], current["id"]}
    assert ids("?status=DRAFT") == {draft_late["id"]}
    assert ids("?status=PARTIALLY_PAID") == {late_paid["id"]}
    assert ids(f"?customerId={second}") == {late_paid["id"], draft_late["id"], current["id"]}
    assert len(ids("")) == 4

    paid = pay(client, accountant, late_paid["id"], "60.00")["data"]["invoice"]
    assert paid["status"] == "PAID" and paid["overdue"] is False
    assert ids("?overdue=true") == {late["id"]}
    assert ids("?status=PAID") == {late_paid["id"]}
    listed = client.get(f"{INVOICES}?status=PAID", headers=bearer(accountant)).get_json()
    assert listed["data"]["items"][0]["overdue"] is False
    bad = client.get(f"{INVOICES}?status=LOST", headers=bearer(accountant))
    assert errors_of(bad) == {"status": "Estado desconocido"}
    unknown = client.get(f"{INVOICES}?customerId=cus_nobody", headers=bearer(accountant))
    assert assert_envelope(unknown, 404, "NOT_FOUND")["error"] == "Cliente no encontrado"


# --- conversion from quotes ----------------------------------------------------------------


def test_operator_cannot_convert_an_accountant_can(client, make_user):
    operator = make_user(role="OPERATOR")
    accountant = make_user(role="ACCOUNTANT", organization_id=operator.organization_id)
    quote = accepted_quote(client, operator, new_customer(client, operator))
    url = f"{QUOTES}/{quote['id']}/convert"
    assert act(client, operator, url, 403, "FORBIDDEN")["error"] == "Sin permisos"
    assert act(client, operator, url, 403, "FORBIDDEN", **EN)["error"] == (
        "Access denied — ACCOUNTANT role required"
    )
    invoice = act(client, accountant, url, 201)["data"]
    assert invoice["total"] == quote["total"] == "100.00"
    history = client.get(f"{INVOICES}/{invoice['id']}/history", headers=bearer(accountant))
    created = assert_envelope(history, 200)["data"]["items"][0]
    assert created["action"] == "created"
    assert created["changes"]["quote"] == quote["quoteNumber"]


# --- tenancy -------------------------------------------------------------------------------


INVOICE_ENDPOINTS = [
    ("get", ""),
    ("patch", ""),
    ("post", "/issue"),
    ("post", "/void"),
    ("get", "/payments"),
    ("post", "/payments"),
    ("get", "/history"),
    ("get", "/pdf"),
]


@pytest.mark.parametrize(("method", "suffix"), INVOICE_ENDPOINTS)
def test_unknown_and_foreign_invoices_are_404(client, make_user, method, suffix):
    me = make_user(role="ACCOUNTANT")
    stranger = make_user(role="ACCOUNTANT")
    theirs = issued_invoice(client, stranger)
    body = invoice_body(amount="1.00", paidOn=TODAY.isoformat(), method="CASH")
    for invoice_id in (theirs["id"], "inv_doesnotexist", "x" * 80):
        response = getattr(client, method)(
            f"{INVOICES}/{invoice_id}{suffix}", json=body, headers=bearer(me)
        )
        assert assert_envelope(response, 404, "NOT_FOUND")["error"] == "Factura no encontrada"
    english = getattr(client, method)(
        f"{INVOICES}/{theirs['id']}{suffix}", json=body, headers=bearer(me, **EN)
    )
    assert assert_envelope(english, 404, "NOT_FOUND")["error"] == "Invoice not found"
    # The stranger's invoice is untouched and listed only for them.
    still = assert_envelope(
        client.get(f"{INVOICES}/{theirs['id']}", headers=bearer(stranger)), 200
    )["data"]
    assert (still["status"], still["amountPaid"]) == ("ISSUED", "0.00")
    assert assert_envelope(client.get(INVOICES, headers=bearer(me)), 200)["data"]["items"] == []


# --- validation ----------------------------------------------------------------------------


def test_invoice_field_messages_in_spanish_and_english(client, make_user):
    accountant = make_user(role="ACCOUNTANT")

    def post(body, **headers):
        return client.post(INVOICES, json=body, headers=bearer(accountant, **headers))

    blank = {"customerName": "  ", "invoiceDate": None, "lines": [simple_line()]}
    body = assert_envelope(post(blank), 400, "VALIDATION_ERROR")
    assert body["errors"] == {
        "customerName": "No debe estar vacío",
        "invoiceDate": "La fecha de factura es requerida",
    }
    assert body["error"] == "No debe estar vacío"
    english = assert_envelope(post(blank, **EN), 400, "VALIDATION_ERROR")
    assert english["message"] == "Validation failed"
    assert english["errors"] == {
        "customerName": "must not be blank",
        "invoiceDate": "invoice date is required",
    }
    no_date = {"customerName": "Ana", "lines": [simple_line()]}
    assert errors_of(post(no_date)) == {"invoiceDate": "La fecha de factura es requerida"}
    assert errors_of(post(no_date, **EN)) == {"invoiceDate": "invoice date is required"}
    no_name = invoice_body(customerName="")
    assert errors_of(post(no_name)) == {"customerName": "No debe estar vacío"}
    assert errors_of(post(no_name, **EN)) == {"customerName": "must not be blank"}
    due = invoice_body(invoiceDate=f"{THIS_YEAR}-05-10", dueDate=f"{THIS_YEAR}-05-09")
    assert errors_of(post(due)) == {
        "dueDate": "La fecha de vencimiento no puede ser anterior a la fecha de factura"
    }
    assert errors_of(post(invoice_body(invoiceDate="2026-13-01"))) == {
        "invoiceDate": "Fecha inválida"
    }
    assert errors_of(post(invoice_body(invoiceDate=20260101))) == {"invoiceDate": "Fecha inválida"}


def test_invoice_line_validation(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    stranger = make_user()
    foreign_customer = new_customer(client, stranger)
    foreign_product = new_product(client, stranger)

    def post(lines=None, **extra):
        return client.post(INVOICES, json=invoice_body(lines, **extra), headers=bearer(accountant))

    assert errors_of(
        client.post(
            INVOICES,
            json={"customerName": "Ana", "invoiceDate": TODAY.isoformat(), "lines": []},
            headers=bearer(accountant),
        )
    ) == {"lines": "Agrega al menos una línea"}
    lines = [
        simple_line(),
        simple_line(quantity="abc"),
        simple_line(quantity="0"),
        simple_line(unitPrice="-0.01"),
        simple_line(discountPercent="100.01"),
        simple_line(taxPercent="-1"),
        {"quantity": "1", "unitPrice": "1"},
        {"description": "Sin cantidad", "unitPrice": "1"},
        {"description": "Sin precio", "quantity": "1"},
    ]
    form_errors = errors_of(post(lines))
    assert form_errors == {
        "lines[1].quantity": "Debe ser un número",
        "lines[2].quantity": "La cantidad debe ser mayor a 0",
        "lines[3].unitPrice": "El precio unitario no puede ser negativo",
        "lines[4].discountPercent": "Debe estar entre 0 y 100",
        "lines[5].taxPercent": "Debe estar entre 0 y 100",
    }
    completed = errors_of(post(lines[6:]))
    assert completed == {
        "lines[0].description": "La descripción es requerida",
        "lines[1].quantity": "La cantidad es requerida",
        "lines[2].unitPrice": "El precio unitario es requerido",
    }
    # Edges that are allowed: a free line, 100 % discount, a fractional quantity.
    free = create_invoice(
        client,
        accountant,
        [
            simple_line("0"),
            simple_line(discountPercent="100", taxPercent="100"),
            simple_line("3.00", quantity="0.333"),
        ],
    )
    assert [line["total"] for line in free["lines"]] == ["0.00", "0.00", "1.00"]
    assert free["total"] == "1.00"

    unknown = [simple_line(), {"productId": "prod_nothing", "quantity": "1"}]
    assert errors_of(post(unknown)) == {"lines[1].productId": "Producto no encontrado"}
    assert errors_of(post([{"productId": foreign_product, "quantity": "1"}])) == {
        "lines[0].productId": "Producto no encontrado"
    }
    for customer in ("cus_nothing", foreign_customer):
        assert errors_of(post(customerId=customer)) == {"customerId": "Cliente no encontrado"}
    too_many = [simple_line("1.00")] * 201
    assert errors_of(post(too_many)) == {"lines": "Como máximo 200 elementos"}
    assert create_invoice(client, accountant, [simple_line("1.00")] * 200)["total"] == "200.00"
    wrong = errors_of(
        post(
            [{"description": ["x"], "quantity": True, "unitPrice": {"v": 1}}, 3],
            customerName=12,
            notes=False,
        )
    )
    assert wrong == {
        "customerName": "Valor inválido",
        "notes": "Valor inválido",
        "lines[0].description": "Valor inválido",
        "lines[0].quantity": "Valor inválido",
        "lines[0].unitPrice": "Valor inválido",
        "lines[1]": "Valor inválido",
    }
    assert errors_of(post("all of them")) == {"lines": "Valor inválido"}
    for data in ("{broken", "[]", "null"):
        response = client.post(
            INVOICES, data=data, content_type="application/json", headers=bearer(accountant)
        )
        assert errors_of(response) == {"body": "El cuerpo de la solicitud debe ser un objeto JSON"}
    listing = assert_envelope(client.get(INVOICES, headers=bearer(accountant)), 200)["data"]
    assert len(listing["items"]) == 2  # only the two valid ones


def test_editing_a_draft_invoice(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    invoice = create_invoice(client, accountant, invoiceDate=f"{THIS_YEAR}-04-01")
    url = f"{INVOICES}/{invoice['id']}"
    body = invoice_body(
        [simple_line("50.00", quantity="2", taxPercent="16")],
        customerName="Cliente Corregido",
        invoiceDate=f"{THIS_YEAR}-04-02",
        dueDate=f"{THIS_YEAR}-04-30",
        total="1.00",
    )
    updated = assert_envelope(client.patch(url, json=body, headers=bearer(accountant)), 200)
    assert updated["message"] == "Factura actualizada"
    data = updated["data"]
    assert data["invoiceNumber"] == invoice["invoiceNumber"]
    assert (data["customerName"], data["dueDate"]) == ("Cliente Corregido", f"{THIS_YEAR}-04-30")
    assert (data["subtotal"], data["taxTotal"], data["total"]) == ("100.00", "16.00", "116.00")
    renumber = client.patch(
        url, json={**body, "invoiceNumber": "LEGACY-9"}, headers=bearer(accountant)
    )
    assert errors_of(renumber) == {"invoiceNumber": "El número de una factura no puede cambiar"}
    bad = client.patch(url, json={**body, "invoiceDate": ""}, headers=bearer(accountant))
    assert errors_of(bad) == {"invoiceDate": "La fecha de factura es requerida"}


def test_a_draft_cannot_move_out_of_the_year_of_its_number(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    invoice = create_invoice(client, accountant, invoiceDate=f"{THIS_YEAR}-01-02")
    number = invoice["invoiceNumber"]
    assert number == f"INV-{THIS_YEAR}-0001"
    url = f"{INVOICES}/{invoice['id']}"
    moved = client.patch(
        url, json=invoice_body(invoiceDate=f"{THIS_YEAR - 1}-12-30"), headers=bearer(accountant)
    )
    assert errors_of(moved) == {
        "invoiceDate": f"La fecha debe quedar en {THIS_YEAR}, el año del número {number}"
    }
    data = assert_envelope(client.get(url, headers=bearer(accountant)), 200)["data"]
    assert (data["invoiceNumber"], data["invoiceDate"]) == (number, f"{THIS_YEAR}-01-02")
    # Within the year the date may move; a custom number has no year to keep.
    within = client.patch(
        url, json=invoice_body(invoiceDate=f"{THIS_YEAR}-12-31"), headers=bearer(accountant)
    )
    assert assert_envelope(within, 200)["data"]["invoiceNumber"] == number
    legacy = create_invoice(client, accountant, invoiceNumber="LEGACY-7")
    old = client.patch(
        f"{INVOICES}/{legacy['id']}",
        json=invoice_body(invoiceDate=f"{THIS_YEAR - 3}-06-01"),
        headers=bearer(accountant),
    )
    assert assert_envelope(old, 200)["data"]["invoiceNumber"] == "LEGACY-7"


# --- history -------------------------------------------------------------------------------


def test_history_of_an_invoice(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    owner = make_user(role="OWNER", organization_id=accountant.organization_id)
    invoice = create_invoice(client, accountant)
    url = f"{INVOICES}/{invoice['id']}"
    edited = client.patch(
        url, json=invoice_body(customerName="Otra Razón Social"), headers=bearer(accountant)
    )
    assert_envelope(edited, 200)
    act(client, accountant, f"{url}/issue")
    pay(client, owner, invoice["id"], "30.00")
    pay(client, accountant, invoice["id"], "70.00", method="CASH")

    history = assert_envelope(client.get(f"{url}/history", headers=bearer(owner)), 200)["data"]
    items = history["items"]
    assert [e["action"] for e in items] == [
        "created",
        "edited",
        "issued",
        "payment_recorded",
        "payment_recorded",
        "paid",
    ]
    me = {"id": accountant.id, "name": "Accountant User"}
    boss = {"id": owner.id, "name": "Owner User"}
    assert [e["actor"] for e in items] == [me, me, me, boss, me, me]
    assert items[0]["changes"] == {"number": invoice["invoiceNumber"], "total": "100.00"}
    assert items[1]["changes"] == {"customerName": ["Cliente Suelto", "Otra Razón Social"]}
    assert items[3]["changes"] == {"amount": "30.00", "method": "TRANSFER", "balance": "70.00"}
    assert items[4]["changes"] == {"amount": "70.00", "method": "CASH", "balance": "0.00"}
    stamps = [datetime.fromisoformat(e["at"]) for e in items]
    assert stamps == sorted(stamps) and all(s.tzinfo is not None for s in stamps)

    other = issued_invoice(client, accountant)
    act(client, owner, f"{INVOICES}/{other['id']}/void")
    voided = client.get(f"{INVOICES}/{other['id']}/history", headers=bearer(accountant))
    items = assert_envelope(voided, 200)["data"]["items"]
    assert [e["action"] for e in items] == ["created", "issued", "voided"]
    assert items[-1]["actor"] == boss


def test_a_payment_reads_its_invoice_twice_and_answers_what_it_wrote(app, client, make_user):
    """The 404 check and the locked read; the answer is the session's object the payment
    changed (no third read), so it shows the new balance and the lines as they were."""
    from sqlalchemy import event

    accountant = make_user(role="ACCOUNTANT")
    product = new_product(client, accountant)
    invoice = issued_invoice(client, accountant, mixed_lines(product))
    reads: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "FROM invoices" in statement:
            reads.append(statement)

    engine = app.extensions["portal.db"]
    event.listen(engine, "before_cursor_execute", count)
    try:
        answer = pay(client, accountant, invoice["id"], "10.00")["data"]["invoice"]
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(reads) == 2, reads
    assert (answer["status"], answer["amountPaid"], answer["balance"]) == (
        "PARTIALLY_PAID",
        "10.00",
        "153.06",
    )
    assert line_rows(answer) == line_rows(invoice)
