"""Sending a quote or an invoice: the API and the page, recipients, history, states, the link."""

from __future__ import annotations

from sqlalchemy import func, select, update

from portal.extensions import db
from portal.jobs.models import JobStatus
from portal.mail.models import OutgoingMessage
from tests.conftest import assert_envelope, bearer, csrf_from
from tests.test_api_quotes import (
    INVOICES,
    QUOTES,
    act,
    create_invoice,
    create_quote,
    new_customer,
)
from tests.test_pages import elements, field_error, logged_in, page

EN = {"Accept-Language": "en"}
EMAIL = "cliente@example.com"


def history(client, member, url: str) -> list[dict]:
    return assert_envelope(client.get(f"{url}/history", headers=bearer(member)), 200)["data"][
        "items"
    ]


def messages_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(OutgoingMessage))


def issued_invoice(client, member, customer: str) -> dict:
    invoice = create_invoice(client, member, customerId=customer)
    return act(client, member, f"{INVOICES}/{invoice['id']}/issue")["data"]


def test_sending_a_quote_queues_the_mail_and_records_it_each_time(app, client, make_user):
    operator = make_user(role="OPERATOR")
    quote = create_quote(client, operator, new_customer(client, operator))
    url = f"{QUOTES}/{quote['id']}"
    body = {"cc": "a@example.com, b@example.org", "message": "Aquí tiene"}
    sent = act(client, operator, f"{url}/send", json=body)
    assert sent["message"] == "Cotización enviada"
    data = sent["data"]
    assert data["status"] == "SENT" and data["publicUrl"].startswith("http://localhost/q/")
    assert data["email"]["status"] == "QUEUED"
    assert data["email"]["to"] == [EMAIL]
    assert data["email"]["cc"] == ["a@example.com", "b@example.org"]

    again = act(client, operator, f"{url}/send", json={"to": ["otro@example.com"], "cc": []})
    assert again["data"]["status"] == "SENT"
    assert again["data"]["publicUrl"] == data["publicUrl"]  # the same link
    assert again["data"]["email"]["to"] == ["otro@example.com"]
    events = [e for e in history(client, operator, url) if e["action"] == "sent"]
    assert [e["changes"] for e in events] == [
        {"to": EMAIL, "cc": "a@example.com, b@example.org"},
        {"to": "otro@example.com"},
    ]
    assert messages_count(app) == 2


def test_recipients_and_message_are_checked_and_a_refusal_changes_nothing(app, client, make_user):
    owner = make_user()
    quote = create_quote(client, owner, new_customer(client, owner))
    url = f"{QUOTES}/{quote['id']}/send"
    cases = [
        ({"to": "no-es-correo"}, "to", "Correo electrónico inválido"),
        ({"to": ["bien@example.com", "mal@"]}, "to", "Correo electrónico inválido"),
        ({"cc": "a@example.com,,x y@z"}, "cc", "Correo electrónico inválido"),
        ({"cc": [1, 2]}, "cc", None),
        ({"to": {"a": 1}}, "to", None),
        ({"message": 5}, "message", None),
        ({"message": "x" * 5001}, "message", "Debe tener como máximo 5000 caracteres"),
    ]
    for body, field, message in cases:
        response = act(client, owner, url, 400, "VALIDATION_ERROR", json=body)
        assert field in response["errors"], body
        if message:
            assert response["errors"][field] == message
    not_object = client.post(url, data="[1]", headers=bearer(owner))
    assert_envelope(not_object, 400, "VALIDATION_ERROR")
    get = client.get(f"{QUOTES}/{quote['id']}", headers=bearer(owner))
    assert assert_envelope(get, 200)["data"]["status"] == "DRAFT"
    assert messages_count(app) == 0


def test_a_customer_without_email_is_a_400_on_to(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner, email="")
    quote = create_quote(client, owner, customer)
    url = f"{QUOTES}/{quote['id']}"
    refused = act(client, owner, f"{url}/send", 400, "VALIDATION_ERROR", **EN)
    assert refused["errors"] == {"to": "The customer has no e-mail address: write one in Send to"}
    detail = assert_envelope(client.get(url, headers=bearer(owner)), 200)["data"]
    assert detail["status"] == "DRAFT" and detail["publicUrl"] is None
    assert [e["action"] for e in history(client, owner, url)] == ["created"]
    sent = act(client, owner, f"{url}/send", json={"to": "alguien@example.com"})
    assert sent["data"]["email"]["to"] == ["alguien@example.com"]


def test_invoices_are_sent_once_issued_and_never_void(app, client, make_user):
    accountant = make_user(role="ACCOUNTANT")
    customer = new_customer(client, accountant)
    draft = create_invoice(client, accountant, customerId=customer)
    url = f"{INVOICES}/{draft['id']}"
    early = act(client, accountant, f"{url}/send", 409, "INVALID_STATE", **EN)
    assert early["error"] == "Issue the invoice before sending it"
    assert draft["id"] and messages_count(app) == 0

    act(client, accountant, f"{url}/issue")
    sent = act(client, accountant, f"{url}/send")["data"]
    assert sent["status"] == "ISSUED" and sent["publicUrl"].startswith("http://localhost/i/")
    assert sent["email"]["to"] == [EMAIL]
    payment = {"amount": "10.00", "paidOn": sent["invoiceDate"], "method": "TRANSFER"}
    act(client, accountant, f"{url}/payments", 201, json=payment)
    partly = act(client, accountant, f"{url}/send")["data"]
    assert partly["status"] == "PARTIALLY_PAID" and partly["publicUrl"] == sent["publicUrl"]
    rest = {**payment, "amount": partly["balance"]}
    act(client, accountant, f"{url}/payments", 201, json=rest)
    paid = act(client, accountant, f"{url}/send")["data"]
    assert paid["status"] == "PAID" and paid["publicUrl"] == sent["publicUrl"]
    emailed = [e for e in history(client, accountant, url) if e["action"] == "emailed"]
    assert len(emailed) == 3 and emailed[0]["changes"] == {"to": EMAIL}

    voided = create_invoice(client, accountant, customerId=customer)
    act(client, accountant, f"{INVOICES}/{voided['id']}/void")
    void = act(client, accountant, f"{INVOICES}/{voided['id']}/send", 409, "INVALID_STATE", **EN)
    assert void["error"] == "The invoice is void"
    assert messages_count(app) == 3


def test_who_may_send(client, make_user):
    owner = make_user(role="OWNER")
    org = owner.organization_id
    operator = make_user(role="OPERATOR", organization_id=org)
    viewer = make_user(role="VIEWER", organization_id=org)
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    invoice = issued_invoice(client, owner, customer)
    act(client, viewer, f"{QUOTES}/{quote['id']}/send", 403, "FORBIDDEN")
    act(client, operator, f"{INVOICES}/{invoice['id']}/send", 403, "FORBIDDEN")
    act(client, operator, f"{QUOTES}/{quote['id']}/send")
    stranger = make_user()
    act(client, stranger, f"{QUOTES}/{quote['id']}/send", 404, "NOT_FOUND")
    act(client, stranger, f"{INVOICES}/{invoice['id']}/public-link", 404, "NOT_FOUND")


def test_a_new_link_revokes_the_old_one(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    refused = act(client, owner, f"{QUOTES}/{quote['id']}/public-link", 409, "INVALID_STATE")
    assert refused["data"] is None
    invoice = issued_invoice(client, owner, customer)
    old = act(client, owner, f"{INVOICES}/{invoice['id']}/send")["data"]["publicUrl"]
    new = act(client, owner, f"{INVOICES}/{invoice['id']}/public-link")["data"]["publicUrl"]
    assert new != old and new.startswith("http://localhost/i/")
    visitor = app.test_client()
    assert visitor.get(old.removeprefix("http://localhost")).status_code == 404
    assert visitor.get(new.removeprefix("http://localhost")).status_code == 200
    actions = [e["action"] for e in history(client, owner, f"{INVOICES}/{invoice['id']}")]
    assert actions[-1] == "link_renewed"


def test_sending_from_the_page_with_csrf(app, client, make_user):
    owner = make_user()
    customer = new_customer(client, owner)
    quote = create_quote(client, owner, customer)
    show = f"/quotes/{quote['id']}"
    browser = logged_in(app, owner)
    html = page(browser, show)
    (to,) = elements(html, "input", name="to")
    assert to["attrs"]["value"] == EMAIL  # prefilled with the customer's address
    token = csrf_from(html)

    assert browser.post(f"{show}/send", data={"to": EMAIL}).status_code == 400  # no CSRF
    bad = browser.post(f"{show}/send", data={"csrf_token": token, "to": "x@", "cc": ""})
    assert bad.status_code == 400
    assert field_error(bad.get_data(as_text=True), "to") == "Correo electrónico inválido"

    data = {"csrf_token": token, "to": EMAIL, "cc": "jefe@example.com", "message": "Hola"}
    done = browser.post(f"{show}/send", data=data)
    assert done.status_code == 302 and done.headers["Location"] == show
    html = page(browser, show)
    (row,) = elements(html, "tr", class_="mail-queued")
    assert EMAIL in row["text"] and "jefe@example.com" in row["text"]
    (link,) = elements(html, "input", class_="copy-link")
    assert link["attrs"]["value"].startswith("http://localhost/q/")
    assert "readonly" in link["attrs"]
    assert elements(html, "button", **{"data-copy": "public-link-url"})
    assert "jefe@example.com" in html  # the history names the copy

    # The API with the session cookie needs the CSRF header too.
    api_url = f"{QUOTES}/{quote['id']}/send"
    assert browser.post(api_url, json={}).status_code in (400, 403)
    answer = browser.post(api_url, json={}, headers={"X-CSRFToken": token})
    assert assert_envelope(answer, 200)["data"]["email"]["to"] == [EMAIL]


def test_the_page_says_beside_to_when_the_customer_has_no_email(app, client, make_user):
    owner = make_user()
    invoice = issued_invoice(client, owner, new_customer(client, owner, email=""))
    show = f"/invoices/{invoice['id']}"
    browser = logged_in(app, owner)
    html = page(browser, show, headers=EN)
    token = csrf_from(html)
    response = browser.post(f"{show}/send", data={"csrf_token": token, "to": ""}, headers=EN)
    assert response.status_code == 400
    message = field_error(response.get_data(as_text=True), "to")
    assert message == "The customer has no e-mail address: write one in Send to"
    assert messages_count(app) == 0


def test_the_page_shows_a_failed_message_with_the_servers_reply(app, client, make_user):
    owner = make_user()
    invoice = issued_invoice(client, owner, new_customer(client, owner))
    act(client, owner, f"{INVOICES}/{invoice['id']}/send")
    with app.app_context():
        db.session.execute(
            update(OutgoingMessage).values(
                status=JobStatus.FAILED, last_reply="550 5.1.1 <cliente@example.com>: unknown"
            )
        )
        db.session.commit()
    html = page(logged_in(app, owner), f"/invoices/{invoice['id']}")
    (row,) = elements(html, "tr", class_="mail-failed")
    assert "550 5.1.1 <cliente@example.com>: unknown" in row["text"]
    answer = client.get(f"{INVOICES}/{invoice['id']}", headers=bearer(owner))
    assert assert_envelope(answer, 200)["data"]["publicUrl"].startswith("http://localhost/i/")
