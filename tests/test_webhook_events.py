"""Webhook events (issue 12, scope 2 and 3): every change writes its event to the outbox in
its own transaction, with the resource exactly as the API answers it.

No receiver is needed: the outbox rows (events, and one delivery per endpoint that wants
them) are what the worker sends, so checking them is enough.
"""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from portal.accounts.models import Organization
from portal.errors import InvalidState
from portal.extensions import db
from portal.webhooks.events import EVENT_TYPES
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from tests.conftest import assert_envelope, bearer, csrf_from, login
from tests.test_api_quotes import (
    INVOICES,
    QUOTES,
    act,
    create_invoice,
    create_quote,
    new_customer,
    new_product,
    simple_line,
)

WEBHOOKS = "/api/v1/webhooks"
URL = "https://93.184.216.34/hooks/portal"


# --- helpers ----------------------------------------------------------------------------------


def subscribe(client, member, events=None, url=URL) -> str:
    body = {"url": url, "events": events or []}
    created = client.post(WEBHOOKS, json=body, headers=bearer(member))
    return assert_envelope(created, 201)["data"]["id"]


def received(app, endpoint_id: str) -> list[tuple[str, dict]]:
    """(type, data) of every event queued for the endpoint, oldest first."""
    with app.app_context():
        rows = db.session.execute(
            select(WebhookEvent.type, WebhookEvent.data)
            .join(WebhookDelivery, WebhookDelivery.event_id == WebhookEvent.id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookEndpoint.public_id == endpoint_id)
            .order_by(WebhookEvent.id)
        ).all()
        return [(row.type, row.data) for row in rows]


def types(app, endpoint_id: str) -> list[str]:
    return [event_type for event_type, _data in received(app, endpoint_id)]


def last(app, endpoint_id: str, event_type: str) -> dict:
    found = [data for kind, data in received(app, endpoint_id) if kind == event_type]
    assert len(found) == 1, (event_type, types(app, endpoint_id))
    return found[0]


def get(client, member, path: str) -> dict:
    return assert_envelope(client.get(path, headers=bearer(member)), 200)["data"]


def post(client, member, path: str, json=None, status=200, code=None) -> dict:
    return act(client, member, path, status, code, json=json)


@pytest.fixture
def owner(make_user):
    return make_user(role="OWNER")


@pytest.fixture
def hook(client, owner):
    """An endpoint subscribed to every event."""
    return subscribe(client, owner)


def event_count(app) -> int:
    with app.app_context():
        return len(db.session.scalars(select(WebhookEvent.id)).all())


# --- the catalog ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "body", "change"),
    [
        ("product", {"name": "Tornillo", "sku": "T-1", "price": "0.35"}, {"price": "0.40"}),
        ("customer", {"name": "Cliente Uno", "email": "c@example.com"}, {"phone": "555 123"}),
    ],
)
def test_catalog_created_and_updated(app, client, owner, hook, kind, body, change):
    path = f"/api/v1/{kind}s"
    created = assert_envelope(client.post(path, json=body, headers=bearer(owner)), 201)["data"]
    assert received(app, hook) == [(f"{kind}.created", created)]
    updated = assert_envelope(
        client.patch(f"{path}/{created['id']}", json=change, headers=bearer(owner)), 200
    )["data"]
    assert received(app, hook)[1:] == [(f"{kind}.updated", updated)]
    assert updated == get(client, owner, f"{path}/{created['id']}")
    # A PATCH that changes nothing tells nothing.
    client.patch(f"{path}/{created['id']}", json=change, headers=bearer(owner))
    assert len(received(app, hook)) == 2


def test_a_page_edit_tells_the_change_too(app, client, owner, hook):
    product = new_product(client, owner, name="Tuerca", sku="TU-1", price="1.00")
    login(client, owner.email)
    page = client.get(f"/products/{product}/edit")
    form = {
        "csrf_token": csrf_from(page.get_data(as_text=True)),
        "name": "Tuerca grande",
        "sku": "TU-1",
        "price": "1.00",
        "tax_rate": "16",
        "unit": "",
        "active": "y",
    }
    assert client.post(f"/products/{product}/edit", data=form).status_code == 302
    assert types(app, hook) == ["product.created", "product.updated"]
    assert last(app, hook, "product.updated") == get(client, owner, f"/api/v1/products/{product}")
    client.post(f"/products/{product}/edit", data=form)  # saved again, unchanged
    assert types(app, hook) == ["product.created", "product.updated"]


def test_a_csv_import_tells_each_new_row(app, client, owner, hook):
    csv = "name,sku,price\nUno,CSV-1,1.00\nDos,CSV-2,2.00\nTres,CSV-3,3.00\n"
    imported = client.post(
        "/api/v1/products/import",
        data={"file": (io.BytesIO(csv.encode()), "products.csv")},
        headers=bearer(owner),
    )
    assert assert_envelope(imported, 201)["data"] == {"imported": 3}
    events = received(app, hook)
    assert [kind for kind, _data in events] == ["product.created"] * 3
    assert [data["sku"] for _kind, data in events] == ["CSV-1", "CSV-2", "CSV-3"]  # file order
    for _kind, data in events:
        assert data == get(client, owner, f"/api/v1/products/{data['id']}")


def test_a_csv_import_of_customers_tells_them_too(app, client, owner, hook):
    csv = "name,email\nAna,ana@example.com\nBeto,beto@example.com\n"
    imported = client.post(
        "/api/v1/customers/import",
        data={"file": (io.BytesIO(csv.encode()), "customers.csv")},
        headers=bearer(owner),
    )
    assert_envelope(imported, 201)
    events = received(app, hook)
    assert [kind for kind, _data in events] == ["customer.created"] * 2
    for _kind, data in events:
        assert data == get(client, owner, f"/api/v1/customers/{data['id']}")


def test_a_refused_csv_import_tells_nothing(app, client, owner, hook):
    csv = "name,sku,price\nUno,CSV-1,1.00\nDos,CSV-2,-5\n"
    refused = client.post(
        "/api/v1/products/import",
        data={"file": (io.BytesIO(csv.encode()), "products.csv")},
        headers=bearer(owner),
    )
    assert_envelope(refused, 400, "VALIDATION_ERROR")
    assert received(app, hook) == []


# --- quotes and invoices ----------------------------------------------------------------------


def test_a_quotes_life_and_its_invoice(app, client, owner, hook):
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    assert types(app, hook) == ["customer.created"]  # a draft quote is no event
    sent = post(client, owner, f"{QUOTES}/{quote['id']}/send")["data"]
    email = sent.pop("email")  # the answer adds the queued e-mail to the quote
    assert last(app, hook, "quote.sent") == sent
    assert sent["publicUrl"] and email["status"] == "QUEUED"
    accepted = post(client, owner, f"{QUOTES}/{quote['id']}/accept")["data"]
    assert last(app, hook, "quote.accepted") == accepted
    invoice = post(client, owner, f"{QUOTES}/{quote['id']}/convert", status=201)["data"]
    assert last(app, hook, "invoice.created") == invoice
    converted = get(client, owner, f"{QUOTES}/{quote['id']}")
    assert converted["status"] == "CONVERTED" and converted["invoiceId"] == invoice["id"]
    assert last(app, hook, "quote.converted") == converted
    assert types(app, hook) == [
        "customer.created",
        "quote.sent",
        "quote.accepted",
        "invoice.created",
        "quote.converted",
    ]


def test_a_rejected_quote(app, client, owner, hook):
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    post(client, owner, f"{QUOTES}/{quote['id']}/send")
    rejected = post(client, owner, f"{QUOTES}/{quote['id']}/reject", json={"reason": "Caro"})
    assert last(app, hook, "quote.rejected") == rejected["data"]
    assert rejected["data"]["decisionReason"] == "Caro"


def test_a_quote_accepted_through_its_public_link(app, client, owner, hook):
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    sent = post(client, owner, f"{QUOTES}/{quote['id']}/send")["data"]
    visitor = app.test_client()
    page = visitor.get(sent["publicUrl"].removeprefix("http://localhost"))
    assert page.status_code == 200
    token = csrf_from(page.get_data(as_text=True))
    answered = visitor.post(
        sent["publicUrl"].removeprefix("http://localhost") + "/accept",
        data={"csrf_token": token, "reason": ""},
    )
    assert answered.status_code == 200
    assert last(app, hook, "quote.accepted") == get(client, owner, f"{QUOTES}/{quote['id']}")


def test_an_invoices_life_with_payments(app, client, owner, hook):
    invoice = create_invoice(client, owner, lines=[simple_line("100.00")])
    assert last(app, hook, "invoice.created") == invoice
    issued = post(client, owner, f"{INVOICES}/{invoice['id']}/issue")["data"]
    assert last(app, hook, "invoice.issued") == issued
    payments = f"{INVOICES}/{invoice['id']}/payments"
    payment = {"amount": "40.00", "paidOn": issued["invoiceDate"], "method": "TRANSFER"}
    part = post(client, owner, payments, json=payment, status=201)["data"]
    assert last(app, hook, "payment.recorded") == part
    assert "invoice.paid" not in types(app, hook)
    rest = dict(payment, amount=part["invoice"]["balance"])
    paid = post(client, owner, payments, json=rest, status=201)["data"]
    assert paid["invoice"]["status"] == "PAID"
    events = received(app, hook)
    assert [kind for kind, _data in events][-2:] == ["payment.recorded", "invoice.paid"]
    assert events[-2][1] == paid  # the payment and the invoice, as the answer
    assert events[-1][1] == paid["invoice"]
    assert paid["invoice"] == get(client, owner, f"{INVOICES}/{invoice['id']}")


def test_a_voided_invoice(app, client, owner, hook):
    invoice = create_invoice(client, owner)
    post(client, owner, f"{INVOICES}/{invoice['id']}/issue")
    voided = post(client, owner, f"{INVOICES}/{invoice['id']}/void")["data"]
    assert last(app, hook, "invoice.voided") == voided
    assert types(app, hook) == ["invoice.created", "invoice.issued", "invoice.voided"]


def test_edits_of_drafts_are_no_events(app, client, owner, hook):
    invoice = create_invoice(client, owner)
    changed = client.patch(
        f"{INVOICES}/{invoice['id']}",
        json={
            "customerName": "Otro",
            "invoiceDate": invoice["invoiceDate"],
            "lines": [simple_line()],
        },
        headers=bearer(owner),
    )
    assert_envelope(changed, 200)
    assert types(app, hook) == ["invoice.created"]


def test_the_page_actions_tell_the_same_events(app, client, owner, hook):
    invoice = create_invoice(client, owner)
    login(client, owner.email)
    page = client.get(f"/invoices/{invoice['id']}")
    token = csrf_from(page.get_data(as_text=True))
    assert (
        client.post(f"/invoices/{invoice['id']}/issue", data={"csrf_token": token}).status_code
        == 302
    )
    assert last(app, hook, "invoice.issued") == get(client, owner, f"{INVOICES}/{invoice['id']}")


# --- nothing when the change does not happen ---------------------------------------------------


def test_a_refused_payment_tells_nothing(app, client, owner, hook):
    invoice = create_invoice(client, owner)
    post(client, owner, f"{INVOICES}/{invoice['id']}/issue")
    before = received(app, hook)
    too_much = {"amount": "5000.00", "paidOn": invoice["invoiceDate"], "method": "CASH"}
    post(client, owner, f"{INVOICES}/{invoice['id']}/payments", too_much, 400, "VALIDATION_ERROR")
    post(client, owner, f"{INVOICES}/{invoice['id']}/issue", status=409, code="INVALID_STATE")
    assert received(app, hook) == before


def test_a_conflict_tells_nothing(app, client, owner, hook):
    new_product(client, owner, name="Uno", sku="DUP-1")
    duplicate = client.post(
        "/api/v1/products",
        json={"name": "Otro", "sku": "dup-1", "price": "1"},
        headers=bearer(owner),
    )
    assert_envelope(duplicate, 409, "DUPLICATE_SKU")
    assert types(app, hook) == ["product.created"]


def test_a_change_that_fails_after_its_event_was_written_rolls_it_back(
    app, client, owner, hook, monkeypatch
):
    """Converting writes ``invoice.created`` and then moves the quote; when that move fails,
    the request rolls back: no invoice, no event."""
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    post(client, owner, f"{QUOTES}/{quote['id']}/send")
    post(client, owner, f"{QUOTES}/{quote['id']}/accept")
    before = received(app, hook)
    from portal.quotes import services as quote_services

    real_transit = quote_services.documents.transit

    def failing_transit(kind, document, action, *args, **kwargs):
        if action == "convert":
            assert "invoice.created" in [t for t, _ in pending_events()]
            raise InvalidState("no")
        return real_transit(kind, document, action, *args, **kwargs)

    def pending_events():
        # Inside the request: what its transaction has written so far.
        return db.session.execute(select(WebhookEvent.type, WebhookEvent.data)).all()

    monkeypatch.setattr(quote_services.documents, "transit", failing_transit)
    post(client, owner, f"{QUOTES}/{quote['id']}/convert", status=409, code="INVALID_STATE")
    monkeypatch.undo()
    assert received(app, hook) == before
    assert get(client, owner, INVOICES)["items"] == []
    with app.app_context():
        assert "invoice.created" not in db.session.scalars(select(WebhookEvent.type)).all()


# --- who hears what -----------------------------------------------------------------------


def test_an_organisation_without_endpoints_writes_no_event(app, client, owner):
    new_product(client, owner, sku="NONE-1")
    create_invoice(client, owner)
    assert event_count(app) == 0


def test_another_organisations_events_never_reach_this_endpoint(app, client, make_user):
    mine = make_user(role="ADMIN")
    theirs = make_user(role="ADMIN")
    my_hook = subscribe(client, mine)
    their_hook = subscribe(client, theirs)
    new_product(client, theirs, sku="THEIRS-1")
    create_invoice(client, theirs)
    assert received(app, my_hook) == []
    assert types(app, their_hook) == ["product.created", "invoice.created"]
    new_product(client, mine, sku="MINE-1")
    assert types(app, my_hook) == ["product.created"]
    assert types(app, their_hook) == ["product.created", "invoice.created"]


def test_an_endpoint_hears_only_the_events_it_chose(app, client, owner, hook):
    paid_only = subscribe(client, owner, ["invoice.paid"])
    catalog = subscribe(client, owner, ["product.created", "customer.created"])
    invoice = create_invoice(client, owner, lines=[simple_line("10.00")])
    post(client, owner, f"{INVOICES}/{invoice['id']}/issue")
    payment = {"amount": "10.00", "paidOn": invoice["invoiceDate"], "method": "CASH"}
    post(client, owner, f"{INVOICES}/{invoice['id']}/payments", payment, 201)
    new_product(client, owner, sku="ONLY-1")
    assert types(app, paid_only) == ["invoice.paid"]
    assert types(app, catalog) == ["product.created"]
    assert types(app, hook) == [
        "invoice.created",
        "invoice.issued",
        "payment.recorded",
        "invoice.paid",
        "product.created",
    ]
    with app.app_context():  # one event, one delivery per endpoint that wants it
        paid = db.session.scalars(
            select(WebhookEvent).where(WebhookEvent.type == "invoice.paid")
        ).one()
        assert (
            len(
                db.session.scalars(
                    select(WebhookDelivery).where(WebhookDelivery.event_id == paid.id)
                ).all()
            )
            == 2
        )


def test_an_endpoint_turned_off_hears_nothing(app, client, owner, hook):
    client.patch(f"{WEBHOOKS}/{hook}", json={"active": False}, headers=bearer(owner))
    new_product(client, owner, sku="OFF-1")
    assert received(app, hook) == []
    assert event_count(app) == 0


def test_an_organisation_moved_to_free_sends_nothing(app, client, owner, hook):
    with app.app_context():
        organization = db.session.scalars(
            select(Organization).where(Organization.public_id == owner.organization_id)
        ).one()
        organization.plan = "FREE"
        db.session.commit()
    new_product(client, owner, sku="FREE-1")
    assert received(app, hook) == []


def test_every_event_type_is_told_somewhere(app, client, owner, hook):
    """The tests above cover the whole table: a new event type needs its own test."""
    customer = new_customer(client, owner)
    client.patch(f"/api/v1/customers/{customer}", json={"phone": "1"}, headers=bearer(owner))
    product = new_product(client, owner, sku="ALL-1")
    client.patch(f"/api/v1/products/{product}", json={"price": "2"}, headers=bearer(owner))
    for decision in ("accept", "reject"):
        quote = create_quote(client, owner, customer)
        post(client, owner, f"{QUOTES}/{quote['id']}/send")
        post(client, owner, f"{QUOTES}/{quote['id']}/{decision}")
    accepted = next(q for q in get(client, owner, QUOTES)["items"] if q["status"] == "ACCEPTED")
    invoice = post(client, owner, f"{QUOTES}/{accepted['id']}/convert", status=201)["data"]
    post(client, owner, f"{INVOICES}/{invoice['id']}/issue")
    payment = {"amount": invoice["total"], "paidOn": invoice["invoiceDate"], "method": "CASH"}
    post(client, owner, f"{INVOICES}/{invoice['id']}/payments", payment, 201)
    other = create_invoice(client, owner)
    post(client, owner, f"{INVOICES}/{other['id']}/void")
    assert set(types(app, hook)) == set(EVENT_TYPES)
