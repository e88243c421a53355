"""``Idempotency-Key`` on the API's POSTs: a retry gets the first answer, never a second
invoice; another body with the key is a 409; keys are the user's and live 24 hours."""

from __future__ import annotations

import io
from datetime import timedelta

import requests
from sqlalchemy import func, select

from portal.catalog.models import Product
from portal.clock import utcnow
from portal.extensions import db
from portal.idempotency.models import IdempotencyKey
from portal.idempotency.services import purge_expired
from portal.invoices.models import Invoice, Payment
from tests.conftest import assert_envelope, bearer, org_today
from tests.test_api_quotes import INVOICES, new_customer
from tests.test_document_races import invoice_body, race

EN = {"Accept-Language": "en"}


def post(client, member, path, key, json=None, **headers):
    return client.post(
        path, json=json, headers=bearer(member, **{"Idempotency-Key": key}, **headers)
    )


def invoices_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(Invoice.id)))


def test_a_retry_with_the_key_gets_the_first_answer_and_creates_nothing(app, client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    first = post(client, accountant, INVOICES, "retry-1", invoice_body(1))
    assert first.status_code == 201
    again = post(client, accountant, INVOICES, "retry-1", invoice_body(1))
    assert again.status_code == 201
    assert again.get_json() == first.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert invoices_count(app) == 1
    # Without a key, or with another one, the same body is a new invoice.
    assert_envelope(client.post(INVOICES, json=invoice_body(1), headers=bearer(accountant)), 201)
    assert_envelope(post(client, accountant, INVOICES, "retry-2", invoice_body(1)), 201)
    assert invoices_count(app) == 3


def test_the_key_with_another_body_is_refused(app, client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    assert_envelope(post(client, accountant, INVOICES, "k", invoice_body(1)), 201)
    refused = assert_envelope(
        post(client, accountant, INVOICES, "k", invoice_body(2)), 409, "IDEMPOTENCY_KEY_REUSED"
    )
    assert refused["message"] == "La clave de idempotencia ya se usó con otra solicitud"
    english = post(client, accountant, INVOICES, "k", invoice_body(2), **EN)
    assert english.get_json()["message"] == "Idempotency key already used with a different request"
    # Another path with the key is another request too.
    customer = {"name": "Otro", "email": "otro@example.com"}
    reused = post(client, accountant, "/api/v1/customers", "k", customer)
    assert_envelope(reused, 409, "IDEMPOTENCY_KEY_REUSED")
    assert invoices_count(app) == 1


def test_keys_are_each_users_own(app, client, make_user):
    first = make_user(role="ACCOUNTANT")
    second = make_user(role="ACCOUNTANT", organization_id=first.organization_id)
    one = assert_envelope(post(client, first, INVOICES, "shared", invoice_body(1)), 201)
    two = assert_envelope(post(client, second, INVOICES, "shared", invoice_body(1)), 201)
    assert one["data"]["id"] != two["data"]["id"]
    assert invoices_count(app) == 2


def test_a_refused_request_keeps_no_answer(app, client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    bad = invoice_body(1, lines=[])
    assert_envelope(post(client, accountant, INVOICES, "fix-me", bad), 400, "VALIDATION_ERROR")
    # The same key once the body is right: the work is done (nothing was kept).
    assert_envelope(post(client, accountant, INVOICES, "fix-me", invoice_body(1)), 201)
    viewer = make_user(role="VIEWER", organization_id=accountant.organization_id)
    assert_envelope(post(client, viewer, INVOICES, "v", invoice_body(1)), 403, "FORBIDDEN")
    with app.app_context():
        keys = db.session.scalars(select(IdempotencyKey.key)).all()
    assert keys == ["fix-me"]


def age_keys(app, hours: int) -> None:
    """Make every kept key ``hours`` older (a token would not live that long)."""
    with app.app_context():
        for row in db.session.scalars(select(IdempotencyKey)):
            row.created_at -= timedelta(hours=hours)
        db.session.commit()


def test_a_key_lives_24_hours(app, client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    assert_envelope(post(client, accountant, INVOICES, "day", invoice_body(1)), 201)
    age_keys(app, 23)
    assert post(client, accountant, INVOICES, "day", invoice_body(1)).headers.get(
        "Idempotent-Replayed"
    )
    age_keys(app, 2)
    fresh = post(client, accountant, INVOICES, "day", invoice_body(2))  # another body: fine
    assert_envelope(fresh, 201)
    assert "Idempotent-Replayed" not in fresh.headers
    assert invoices_count(app) == 2
    with app.app_context():
        assert purge_expired(utcnow() + timedelta(hours=48)) == 1
        db.session.commit()
        assert db.session.scalar(select(func.count(IdempotencyKey.id))) == 0


def test_malformed_keys_are_a_400(client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    for key in ("", "x" * 256, "con espacio", "ñ"):
        headers = bearer(accountant)
        headers["Idempotency-Key"] = key.encode().decode("latin-1")
        response = client.post(INVOICES, json=invoice_body(1), headers=headers)
        body = assert_envelope(response, 400, "VALIDATION_ERROR")
        assert "Idempotency-Key" in body["errors"]


def test_payments_conversions_actions_and_imports_take_a_key(app, client, make_user):
    owner = make_user(role="OWNER")
    invoice = assert_envelope(post(client, owner, INVOICES, "inv", invoice_body(1)), 201)["data"]
    url = f"{INVOICES}/{invoice['id']}"
    issued = post(client, owner, f"{url}/issue", "issue")
    assert_envelope(issued, 200)
    assert post(client, owner, f"{url}/issue", "issue").get_json() == issued.get_json()
    payment = {"amount": "1.00", "paidOn": org_today().isoformat(), "method": "CASH"}
    paid = post(client, owner, f"{url}/payments", "pay", payment)
    assert_envelope(paid, 201)
    assert post(client, owner, f"{url}/payments", "pay", payment).get_json() == paid.get_json()
    with app.app_context():
        assert db.session.scalar(select(func.count(Payment.id))) == 1
    csv = b"name,sku,price\nTornillo,TOR-1,0.35\n"
    for _ in range(2):
        response = client.post(
            "/api/v1/products/import",
            data={"file": (io.BytesIO(csv), "productos.csv")},
            headers=bearer(owner, **{"Idempotency-Key": "import"}),
        )
        assert_envelope(response, 201)
    other = client.post(
        "/api/v1/products/import",
        data={"file": (io.BytesIO(csv.replace(b"TOR-1", b"TOR-2")), "productos.csv")},
        headers=bearer(owner, **{"Idempotency-Key": "import"}),
    )
    assert_envelope(other, 409, "IDEMPOTENCY_KEY_REUSED")
    with app.app_context():
        assert db.session.scalar(select(func.count(Product.id))) == 1
    customer = new_customer(client, owner)
    assert customer


def test_twenty_concurrent_posts_with_one_key_create_one_invoice(app, live_server, make_user):
    accountant = make_user(role="ACCOUNTANT")
    url = f"{live_server.url}/api/v1/invoices"
    body = invoice_body(7)

    def send_with_key(_n):
        with requests.Session() as http:
            response = http.post(
                url,
                json=body,
                headers=bearer(accountant, **{"Idempotency-Key": "one-key"}),
                timeout=60,
            )
        return response.status_code, response.json()

    answers = race(send_with_key, 20)
    statuses = sorted(status for status, _ in answers)
    assert set(statuses) <= {201, 409, 503}, statuses
    created = [body for status, body in answers if status == 201]
    assert created and len({b["data"]["id"] for b in created}) == 1
    assert invoices_count(app) == 1
