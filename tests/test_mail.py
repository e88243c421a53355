"""Outgoing e-mail (issue 13.1): composed in the customer's language, queued in the caller's
transaction, sent by the worker to a real SMTP server on 127.0.0.1 with the PDF attached,
retried on 4xx, failed at once on 5xx with the reply kept, written to an outbox folder
when no server is configured."""

from __future__ import annotations

import email
import shutil
import socket
import ssl
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
import time_machine
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.catalog.models import Customer
from portal.clock import utcnow
from portal.config import ConfigError, check_mail_from, check_smtp_url
from portal.errors import ValidationError
from portal.extensions import db
from portal.invoices.models import Invoice
from portal.jobs.worker import run_once
from portal.mail import transport
from portal.mail.compose import TemplateError, check_template
from portal.mail.jobs import OUTGOING_MAIL
from portal.mail.models import OutgoingMessage
from portal.mail.services import message_json, messages_for, queue_document_mail
from portal.quotes.models import Quote
from tests.conftest import assert_envelope, bearer, csrf_from
from tests.test_api_quotes import EN, QUOTES, create_invoice, simple_line
from tests.test_pages import elements, logged_in, page, post_form

LINK = "http://localhost/i/tok123"
CUSTOMERS = "/api/v1/customers"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Handler:
    """An SMTP server's behaviour: accept, or answer ``data_replies`` to DATA (one each
    time, first to last) or ``rcpt_reply`` to every RCPT."""

    received: list[Any] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    rcpt_reply: str | None = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(envelope)
        return "250 2.0.0 Ok: queued as ABC123"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Handler, int]]:
    handler = Handler()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


@pytest.fixture
def mail_app(make_app, smtp_server, tmp_path):
    _handler, port = smtp_server
    return make_app(
        SMTP_URL=f"smtp://127.0.0.1:{port}",
        MAIL_FROM="Portal <billing@portal.example>",
        MAIL_RETRY_SCHEDULE="0,60,600",
        MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        MAIL_TIMEOUT_SECONDS=5.0,
    )


class Mailer:
    """A test's organisation, customer and documents, and the worker's clock."""

    def __init__(self, app, member) -> None:
        self.app = app
        self.member = member
        self.client = app.test_client()

    def customer(self, email: str = "ana@cliente.example", locale: str = "") -> str:
        response = self.client.post(
            "/api/v1/customers",
            json={"name": "Ana Cliente", "email": email},
            headers=bearer(self.member),
        )
        customer_id = assert_envelope(response, 201)["data"]["id"]
        with self.app.app_context():
            row = db.session.scalars(select(Customer).where(Customer.public_id == customer_id))
            row.one().locale = locale
            db.session.commit()
        return customer_id

    def invoice(self, customer_id: str | None) -> str:
        extra = {"customerId": customer_id} if customer_id else {}
        invoice = create_invoice(self.client, self.member, [simple_line("1234.50")], **extra)
        return invoice["id"]

    def queue(self, public_id: str, model: type = Invoice, **options: Any) -> str:
        kind = "invoice" if model is Invoice else "quote"
        arguments: dict[str, Any] = {"to": None, "cc": [], "message": "", "public_url": LINK}
        arguments.update(options)
        with self.app.test_request_context(method="POST"):  # the sending request writes
            document = db.session.scalars(select(model).where(model.public_id == public_id)).one()
            actor = db.session.scalars(select(User).where(User.public_id == self.member.id)).one()
            row = queue_document_mail(kind, document, actor=actor, **arguments)
            db.session.commit()
            return row.public_id

    def run(self, after_seconds: float = 0) -> int:
        if not after_seconds:
            return run_once(self.app, kinds=[OUTGOING_MAIL])
        with time_machine.travel(utcnow() + timedelta(seconds=after_seconds), tick=True):
            return run_once(self.app, kinds=[OUTGOING_MAIL])

    def message(self, public_id: str) -> OutgoingMessage:
        with self.app.app_context():
            row = db.session.scalars(
                select(OutgoingMessage).where(OutgoingMessage.public_id == public_id)
            ).one()
            db.session.expunge(row)
            return row

    def set_organization(self, **values: Any) -> None:
        with self.app.app_context():
            organization = db.session.scalars(
                select(Organization).where(Organization.public_id == self.member.organization_id)
            ).one()
            for name, value in values.items():
                setattr(organization, name, value)
            db.session.commit()


@pytest.fixture
def mailer(mail_app, make_user) -> Mailer:
    member = make_user("OWNER")
    mailer = Mailer(mail_app, member)
    mailer.set_organization(name="Taller Ñandú", email="hola@taller.example")
    return mailer


def parsed(envelope: Any) -> EmailMessage:
    message = email.message_from_bytes(envelope.original_content, policy=default_policy)
    assert isinstance(message, EmailMessage)
    return message


def attachments(message: EmailMessage) -> list[EmailMessage]:
    return list(message.iter_attachments())  # type: ignore[arg-type]


# --- sending to a real server -----------------------------------------------------------


def test_an_invoice_arrives_in_spanish_with_the_pdf(mailer, smtp_server):
    handler, _port = smtp_server
    customer = mailer.customer(locale="es")
    message_id = mailer.queue(mailer.invoice(customer), message="Gracias por su confianza.")
    assert mailer.message(message_id).status == "PENDING"
    assert not handler.received  # nothing is sent from the request

    assert mailer.run() == 1
    assert len(handler.received) == 1
    envelope = handler.received[0]
    assert envelope.rcpt_tos == ["ana@cliente.example"]
    assert envelope.mail_from == "billing@portal.example"
    message = parsed(envelope)
    assert message["To"] == "ana@cliente.example"
    assert message["Subject"].startswith("Factura INV-")
    assert message["Subject"].endswith("de Taller Ñandú")
    assert message["Reply-To"] == "hola@taller.example"
    assert message["From"].addresses[0].display_name == "Taller Ñandú"
    assert message["Content-Language"] == "es"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hola Ana Cliente:" in text and "Gracias por su confianza." in text
    assert "1.234,50" in text and LINK in text
    assert f'<a href="{LINK}"' in html and "Ver la factura" in html
    [pdf] = attachments(message)
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename().startswith("INV-") and pdf.get_filename().endswith(".pdf")
    assert pdf.get_content().startswith(b"%PDF")

    sent = mailer.message(message_id)
    assert sent.status == "DONE" and sent.attempts == 1
    assert sent.last_reply == "250 2.0.0 Ok: queued as ABC123"
    shown = _json(mailer, sent)
    assert shown["status"] == "SENT" and shown["sentAt"] and shown["lastReply"].startswith("250")


def test_an_english_customer_gets_english(mailer, smtp_server):
    handler, _port = smtp_server
    customer = mailer.customer(email="bob@client.example", locale="en")
    mailer.queue(mailer.invoice(customer), cc=["boss@client.example"])
    mailer.run()
    envelope = handler.received[0]
    assert sorted(envelope.rcpt_tos) == ["bob@client.example", "boss@client.example"]
    message = parsed(envelope)
    assert message["Subject"].startswith("Invoice INV-")
    assert message["Cc"] == "boss@client.example"
    text = message.get_body(("plain",)).get_content()
    assert "Hello Ana Cliente," in text and "$1,234.50" in text
    assert "View the invoice" in message.get_body(("html",)).get_content()


def test_the_customers_language_defaults_to_the_organisations(mailer, smtp_server):
    handler, _port = smtp_server
    mailer.set_organization(locale="en")
    mailer.queue(mailer.invoice(mailer.customer(locale="")))
    mailer.run()
    assert parsed(handler.received[0])["Subject"].startswith("Invoice ")


def test_a_quote_is_sent_with_its_pdf(mailer, smtp_server):
    handler, _port = smtp_server
    customer = mailer.customer()
    response = mailer.client.post(
        QUOTES,
        json={"customerId": customer, "lines": [simple_line()]},
        headers=bearer(mailer.member),
    )
    quote = assert_envelope(response, 201)["data"]
    mailer.queue(quote["id"], model=Quote, to=["otra@cliente.example"])
    mailer.run()
    envelope = handler.received[0]
    assert envelope.rcpt_tos == ["otra@cliente.example"]
    message = parsed(envelope)
    assert message["Subject"].startswith("Cotización COT-")
    assert attachments(message)[0].get_content().startswith(b"%PDF")


def test_a_refusal_with_4xx_is_retried_and_arrives(mailer, smtp_server):
    handler, _port = smtp_server
    handler.data_replies = ["451 4.7.1 try later"]
    message_id = mailer.queue(mailer.invoice(mailer.customer()))
    mailer.run()
    first = mailer.message(message_id)
    assert first.status == "PENDING" and first.attempts == 1
    assert first.last_reply == "451 4.7.1 try later"
    assert _json(mailer, first)["status"] == "QUEUED"
    assert not handler.received

    assert mailer.run() == 0  # not due before the schedule's next delay
    assert mailer.run(after_seconds=70) == 1
    assert len(handler.received) == 1
    done = mailer.message(message_id)
    assert done.status == "DONE" and done.attempts == 2
    assert done.last_reply.startswith("250")


def test_a_permanent_refusal_fails_at_once_with_the_reply(mailer, smtp_server):
    handler, _port = smtp_server
    handler.rcpt_reply = "550 5.1.1 no such user"
    message_id = mailer.queue(mailer.invoice(mailer.customer()))
    mailer.run()
    failed = mailer.message(message_id)
    assert failed.status == "FAILED" and failed.attempts == 1
    assert failed.last_reply == "550 5.1.1 no such user"
    shown = _json(mailer, failed)
    assert shown["status"] == "FAILED" and shown["lastReply"] == "550 5.1.1 no such user"
    assert shown["sentAt"] is None
    assert mailer.run(after_seconds=3600) == 0
    assert not handler.received


def test_a_password_is_never_sent_without_tls(make_app, make_user, smtp_server, tmp_path):
    handler, port = smtp_server  # offers no STARTTLS
    app = make_app(SMTP_URL=f"smtp://me:secret@127.0.0.1:{port}", MAIL_TIMEOUT_SECONDS=5.0)
    mailer = Mailer(app, make_user("OWNER"))
    message_id = mailer.queue(mailer.invoice(mailer.customer()))
    mailer.run()
    failed = mailer.message(message_id)
    assert failed.status == "FAILED"
    assert "offers no STARTTLS: the password is not sent in clear" in failed.last_reply
    assert not handler.received


def test_no_server_listening_is_retried_then_failed(make_app, make_user, tmp_path):
    app = make_app(
        SMTP_URL=f"smtp://127.0.0.1:{free_port()}",
        MAIL_RETRY_SCHEDULE="0,60",
        MAIL_TIMEOUT_SECONDS=2.0,
    )
    mailer = Mailer(app, make_user("OWNER"))
    message_id = mailer.queue(mailer.invoice(mailer.customer()))
    mailer.run()
    first = mailer.message(message_id)
    assert first.status == "PENDING" and "connection refused" in first.last_reply
    mailer.run(after_seconds=70)
    assert mailer.message(message_id).status == "FAILED"


def test_without_smtp_the_message_is_written_to_the_outbox(make_app, make_user, tmp_path):
    outbox = tmp_path / "outbox"
    app = make_app(SMTP_URL=None, MAIL_OUTBOX_DIR=str(outbox))
    mailer = Mailer(app, make_user("OWNER"))
    message_id = mailer.queue(mailer.invoice(mailer.customer()))
    mailer.run()
    [written] = list(outbox.glob("*.eml"))
    assert written.name == f"{message_id}.eml"
    message = email.message_from_bytes(written.read_bytes(), policy=default_policy)
    assert message["To"] == "ana@cliente.example"
    assert attachments(message)[0].get_content().startswith(b"%PDF")  # type: ignore[arg-type]
    row = mailer.message(message_id)
    assert row.status == "DONE" and row.last_reply == f"written to {written}"


def test_the_default_outbox_is_under_the_instance_folder(app):
    from portal.mail.jobs import outbox_folder

    with app.app_context():
        assert str(outbox_folder()) == f"{app.instance_path}/outbox"


# --- queueing ----------------------------------------------------------------------------


def test_no_customer_address_is_a_validation_error_and_nothing_is_queued(mailer):
    invoice = mailer.invoice(None)
    with pytest.raises(ValidationError) as refused:
        mailer.queue(invoice)
    assert (
        str(refused.value.errors["to"])
        == "The customer has no e-mail address: write one in Send to"
    )
    with mailer.app.app_context():
        assert db.session.scalars(select(OutgoingMessage)).all() == []


@pytest.mark.parametrize(
    ("field", "address"),
    [
        ("cc", "not an address"),
        ("to", "ana@cliente.example\r\nBcc: x@y.example"),
        ("to", "añá@x.es"),
    ],
)
def test_an_invalid_address_is_refused(mailer, field, address):
    invoice = mailer.invoice(mailer.customer())
    with pytest.raises(ValidationError) as refused:
        mailer.queue(invoice, **{field: [address]})
    assert field in refused.value.errors


def test_nothing_is_sent_when_the_transaction_rolls_back(mailer, smtp_server):
    handler, _port = smtp_server
    invoice_id = mailer.invoice(mailer.customer())
    with mailer.app.test_request_context(method="POST"):
        invoice = db.session.scalars(select(Invoice).where(Invoice.public_id == invoice_id)).one()
        actor = db.session.scalars(select(User).where(User.public_id == mailer.member.id)).one()
        queue_document_mail(
            "invoice", invoice, actor=actor, to=None, cc=[], message="", public_url=LINK
        )
        db.session.rollback()
    assert mailer.run() == 0
    assert not handler.received


def test_messages_for_lists_newest_first(mailer):
    invoice_id = mailer.invoice(mailer.customer())
    first = mailer.queue(invoice_id)
    second = mailer.queue(invoice_id, to=["x@y.example"])
    with mailer.app.app_context():
        invoice = db.session.scalars(select(Invoice).where(Invoice.public_id == invoice_id)).one()
        listed = [message_json(m) for m in messages_for("invoice", invoice.id)]
    assert [m["id"] for m in listed] == [second, first]
    assert listed[0]["to"] == ["x@y.example"] and listed[0]["status"] == "QUEUED"
    assert set(listed[0]) == {
        "id",
        "status",
        "to",
        "cc",
        "subject",
        "attempts",
        "lastReply",
        "sentAt",
        "createdAt",
    }


def test_the_organisations_template_and_reply_to_are_used(mailer, smtp_server):
    handler, _port = smtp_server
    mailer.set_organization(
        mail_reply_to="cobros@taller.example",
        mail_templates={
            "invoice": {
                "es": {
                    "subject": "Su factura {number} <{organization}>",
                    "body": "Estimado {customer}, total {total}.\n{message}\nVéala: {link}",
                }
            }
        },
    )
    mailer.queue(mailer.invoice(mailer.customer()), message="<b>ojo</b>")
    mailer.run()
    message = parsed(handler.received[0])
    assert message["Subject"].startswith("Su factura INV-")
    assert message["Subject"].endswith("<Taller Ñandú>")
    assert message["Reply-To"] == "cobros@taller.example"
    text = message.get_body(("plain",)).get_content()
    assert "Estimado Ana Cliente, total 1.234,50" in text and "<b>ojo</b>" in text
    html = message.get_body(("html",)).get_content()
    assert "&lt;b&gt;ojo&lt;/b&gt;" in html and "<b>ojo" not in html


# --- templates ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["{customer} {number} {total} {due_date}", "{{literal}} {link}"])
def test_known_placeholders_pass(text):
    check_template(text)


@pytest.mark.parametrize(
    ("text", "reason", "name"),
    [
        ("{nombre}", "unknown", "nombre"),
        ("{number.__class__}", "unknown", "number.__class__"),
        ("{total:>10}", "unknown", "total"),
        ("{number", "syntax", ""),
        ("}", "syntax", ""),
    ],
)
def test_bad_placeholders_are_refused(text, reason, name):
    with pytest.raises(TemplateError) as refused:
        check_template(text)
    assert (refused.value.reason, refused.value.placeholder) == (reason, name)


def _json(mailer: Mailer, row: OutgoingMessage) -> dict:
    with mailer.app.app_context():
        return message_json(row)


# --- configuration ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["smtp://user:p%40ss@mail.example:587", "smtps://mail.example", "smtp://127.0.0.1:2525"]
)
def test_smtp_urls_accepted(url):
    check_smtp_url(url)


@pytest.mark.parametrize(
    "url", ["http://mail.example", "smtp://", "smtp://mail.example:port", "smtp://h/path"]
)
def test_smtp_urls_refused(url):
    with pytest.raises(ConfigError, match="PORTAL_SMTP_URL"):
        check_smtp_url(url)


def test_mail_from_must_be_an_address():
    check_mail_from("Portal <billing@portal.example>")
    with pytest.raises(ConfigError, match="PORTAL_MAIL_FROM"):
        check_mail_from("billing")


# --- the customer's language ----------------------------------------------------------------


def test_the_customers_locale_in_the_api(client, make_user):
    operator = make_user("OPERATOR")
    body = {"name": "Bob", "email": "bob@client.example", "locale": "en"}
    created = assert_envelope(client.post(CUSTOMERS, json=body, headers=bearer(operator)), 201)
    customer_id = created["data"]["id"]
    assert created["data"]["locale"] == "en"
    patched = client.patch(
        f"{CUSTOMERS}/{customer_id}", json={"phone": "555"}, headers=bearer(operator)
    )
    assert assert_envelope(patched, 200)["data"]["locale"] == "en"  # untouched when absent
    cleared = client.patch(
        f"{CUSTOMERS}/{customer_id}", json={"locale": ""}, headers=bearer(operator)
    )
    assert assert_envelope(cleared, 200)["data"]["locale"] == ""
    plain = assert_envelope(
        client.post(CUSTOMERS, json={"name": "C"}, headers=bearer(operator)), 201
    )
    assert plain["data"]["locale"] == ""
    refused = client.post(
        CUSTOMERS, json={"name": "D", "locale": "fr"}, headers=bearer(operator, **EN)
    )
    errors = assert_envelope(refused, 400, "VALIDATION_ERROR")["errors"]
    assert errors == {"locale": "Choose Spanish, English or the organisation's language"}


def test_the_customers_locale_on_the_page(app, make_user):
    operator = make_user("OPERATOR")
    client = logged_in(app, operator)
    form = page(client, "/customers/new")
    assert elements(form, "select", name="locale")
    assert elements(form, "option", value="en")
    response = post_form(client, "/customers/new", {"name": "Bob", "locale": "en"})
    assert response.status_code == 302, response.get_data(as_text=True)
    public_id = response.headers["Location"].rsplit("/", 1)[-1]
    with app.app_context():
        row = db.session.scalars(select(Customer).where(Customer.public_id == public_id)).one()
        assert row.locale == "en"
    edit = page(client, f"/customers/{public_id}/edit")
    assert elements(edit, "option", value="en", selected="")


# --- the organisation's reply-to and templates -------------------------------------------------

ORGANIZATION = "/api/v1/organization"


def test_the_owner_sets_reply_to_and_templates_over_the_api(client, make_user):
    owner = make_user("OWNER")
    templates = {"invoice": {"en": {"subject": " Invoice {number} ", "body": ""}}}
    body = {"mailReplyTo": "Cobros@Taller.example", "mailTemplates": templates}
    data = assert_envelope(client.patch(ORGANIZATION, json=body, headers=bearer(owner)), 200)[
        "data"
    ]
    assert data["mailReplyTo"] == "cobros@taller.example"
    assert data["mailTemplates"] == {"invoice": {"en": {"subject": "Invoice {number}"}}}
    read = assert_envelope(client.get(ORGANIZATION, headers=bearer(owner)), 200)["data"]
    assert read["mailTemplates"] == data["mailTemplates"]
    other = client.patch(ORGANIZATION, json={"phone": "555"}, headers=bearer(owner))
    assert assert_envelope(other, 200)["data"]["mailTemplates"] == data["mailTemplates"]


@pytest.mark.parametrize(
    ("templates", "field", "message"),
    [
        (
            {"quote": {"es": {"subject": "Hola {nombre}"}}},
            "mailTemplates.quote.es.subject",
            "Unknown placeholder {nombre}: use {customer}, {number}, {total}, {due_date}, "
            "{organization}, {link}, {message}",
        ),
        (
            {"invoice": {"en": {"body": "Total {total"}}},
            "mailTemplates.invoice.en.body",
            "A brace is not closed: write {{ or }} for a brace itself",
        ),
        ({"receipt": {}}, "mailTemplates.receipt", "Invalid value"),
        ({"quote": {"fr": {}}}, "mailTemplates.quote.fr", "Invalid value"),
        ({"quote": {"es": {"subject": 3}}}, "mailTemplates.quote.es.subject", "Invalid value"),
        ([], "mailTemplates", "Invalid value"),
    ],
)
def test_bad_templates_are_400_naming_the_field(client, make_user, templates, field, message):
    owner = make_user("OWNER")
    body = {"mailTemplates": templates, "name": "Nuevo nombre"}
    refused = client.patch(ORGANIZATION, json=body, headers=bearer(owner, **EN))
    assert assert_envelope(refused, 400, "VALIDATION_ERROR")["errors"] == {field: message}
    read = assert_envelope(client.get(ORGANIZATION, headers=bearer(owner)), 200)["data"]
    assert read["name"] != "Nuevo nombre" and read["mailTemplates"] == {}


def test_a_bad_reply_to_is_refused(client, make_user):
    owner = make_user("OWNER")
    refused = client.patch(ORGANIZATION, json={"mailReplyTo": "nope"}, headers=bearer(owner))
    assert "mailReplyTo" in assert_envelope(refused, 400, "VALIDATION_ERROR")["errors"]


def test_only_the_owner_changes_the_templates(client, make_user):
    owner = make_user("OWNER")
    admin = make_user("ADMIN", organization_id=owner.organization_id)
    body = {"mailTemplates": {"quote": {"es": {"subject": "x"}}}}
    assert_envelope(client.patch(ORGANIZATION, json=body, headers=bearer(admin)), 403, "FORBIDDEN")


def settings_form(client, **fields: str) -> dict:
    html = page(client, "/settings/")
    return {
        "csrf_token": csrf_from(html),
        "name": "Acme",
        "currency": "USD",
        "locale": "es",
        "invoice_prefix": "INV",
        "quote_prefix": "COT",
        "payment_terms_days": "30",
        **fields,
    }


def test_the_settings_page_previews_then_saves_the_templates(app, make_user):
    owner = make_user("OWNER")
    client = logged_in(app, owner)
    html = page(client, "/settings/")
    assert elements(html, "input", name="mail_templates-invoice_es_subject")
    assert elements(html, "textarea", name="mail_templates-quote_en_body")
    assert elements(html, "button", name="preview")
    typed = {
        "mail_templates-invoice_es_subject": "Factura {number} <urgente>",
        "mail_templates-invoice_es_body": "Hola {customer}, total {total}.",
        "mail_reply_to": "cobros@acme.example",
    }
    preview = client.post("/settings/", data=settings_form(client, preview="1", **typed))
    assert preview.status_code == 200
    shown = preview.get_data(as_text=True)
    assert "Factura INV-" in shown and "&lt;urgente&gt;" in shown and "<urgente>" not in shown
    assert "Hola Ana García, total" in shown
    assert "Quote COT-" in shown  # the portal's wording where nothing was typed
    with app.app_context():
        organization = db.session.scalars(select(Organization)).one()
        assert organization.mail_templates == {} and organization.mail_reply_to == ""

    saved = client.post("/settings/", data=settings_form(client, **typed))
    assert saved.status_code == 302, saved.get_data(as_text=True)
    with app.app_context():
        organization = db.session.scalars(select(Organization)).one()
        assert organization.mail_reply_to == "cobros@acme.example"
        assert organization.mail_templates == {
            "invoice": {
                "es": {
                    "subject": "Factura {number} <urgente>",
                    "body": "Hola {customer}, total {total}.",
                }
            }
        }
    again = page(client, "/settings/")
    assert elements(
        again, "input", name="mail_templates-invoice_es_subject", value="Factura {number} <urgente>"
    )


def test_a_bad_placeholder_is_shown_beside_its_field(app, make_user):
    owner = make_user("OWNER")
    client = logged_in(app, owner)
    typed = {"mail_templates-quote_en_subject": "Quote {numero}"}
    for extra in ({"preview": "1"}, {}):
        response = client.post("/settings/", data=settings_form(client, **typed, **extra))
        assert response.status_code == 400
        html = response.get_data(as_text=True)
        assert elements(html, "p", id="mail_templates-quote_en_subject-error")
        assert "{numero}" in html
    with app.app_context():
        assert db.session.scalars(select(Organization)).one().mail_templates == {}


# --- TLS: STARTTLS with login, implicit TLS ------------------------------------------------------


def make_certificate(folder, *, for_ip: bool = True) -> tuple[str, str]:
    """A self-signed certificate (and key) for 127.0.0.1, or for no address at all."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = str(folder / "cert.pem"), str(folder / "key.pem")
    arguments = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
    arguments += ["-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1"]
    if for_ip:
        arguments += ["-addext", "subjectAltName=IP:127.0.0.1"]
    subprocess.run(arguments, check=True, capture_output=True)  # noqa: S603 - fixed arguments
    return cert, key


@pytest.fixture
def certificate(tmp_path, monkeypatch) -> tuple[str, str]:
    """A certificate for 127.0.0.1 that the transport trusts, for this test only."""
    cert, key = make_certificate(tmp_path)
    monkeypatch.setattr(transport, "tls_context", lambda: ssl.create_default_context(cafile=cert))
    return cert, key


class Logins:
    def __init__(self) -> None:
        self.seen: list[tuple[str, str]] = []

    def __call__(self, server, session, envelope, mechanism, auth_data) -> AuthResult:
        assert isinstance(auth_data, LoginPassword)
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.seen.append((login, password))
        return AuthResult(success=(login, password) == ("me@x.es", "p@ss:word"), handled=False)


def server_context(certificate: tuple[str, str]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def test_starttls_then_login(make_app, make_user, certificate):
    handler, logins, port = Handler(), Logins(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(certificate),
        require_starttls=True,
        authenticator=logins,
        auth_require_tls=True,
    )
    controller.start()
    try:
        app = make_app(SMTP_URL=f"smtp://me%40x.es:p%40ss%3Aword@127.0.0.1:{port}")
        mailer = Mailer(app, make_user("OWNER"))
        message_id = mailer.queue(mailer.invoice(mailer.customer()))
        mailer.run()
    finally:
        controller.stop()
    assert logins.seen == [("me@x.es", "p@ss:word")]
    assert len(handler.received) == 1
    assert mailer.message(message_id).status == "DONE"


def test_a_refused_login_fails_with_the_reply(make_app, make_user, certificate):
    handler, logins, port = Handler(), Logins(), free_port()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        tls_context=server_context(certificate),
        authenticator=logins,
        auth_require_tls=True,
    )
    controller.start()
    try:
        app = make_app(SMTP_URL=f"smtp://me%40x.es:wrong@127.0.0.1:{port}")
        mailer = Mailer(app, make_user("OWNER"))
        message_id = mailer.queue(mailer.invoice(mailer.customer()))
        mailer.run()
    finally:
        controller.stop()
    failed = mailer.message(message_id)
    assert failed.status == "FAILED" and failed.last_reply.startswith("535"), failed.last_reply
    assert not handler.received


def test_implicit_tls(make_app, make_user, certificate):
    handler, port = Handler(), free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, ssl_context=server_context(certificate)
    )
    controller.start()
    try:
        app = make_app(SMTP_URL=f"smtps://127.0.0.1:{port}")
        mailer = Mailer(app, make_user("OWNER"))
        message_id = mailer.queue(mailer.invoice(mailer.customer()))
        mailer.run()
    finally:
        controller.stop()
    assert len(handler.received) == 1
    assert mailer.message(message_id).status == "DONE"


def test_an_untrusted_certificate_is_retried_not_ignored(make_app, make_user, tmp_path):
    untrusted = make_certificate(tmp_path)
    handler, port = Handler(), free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=port, tls_context=server_context(untrusted)
    )
    controller.start()
    try:
        app = make_app(SMTP_URL=f"smtp://127.0.0.1:{port}", MAIL_RETRY_SCHEDULE="0,60")
        mailer = Mailer(app, make_user("OWNER"))
        message_id = mailer.queue(mailer.invoice(mailer.customer()))
        mailer.run()
    finally:
        controller.stop()
    row = mailer.message(message_id)
    assert row.status == "PENDING" and "CERTIFICATE_VERIFY_FAILED" in row.last_reply
    assert not handler.received
