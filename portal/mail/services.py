"""Queueing e-mail to customers and reading what became of it.

``queue_document_mail`` composes the whole message now (subject, text and HTML, in the
customer's language) and writes it as an ``OutgoingMessage`` in the caller's transaction:
an outbox, so nothing is sent from a request and a rolled-back change sends nothing. The
worker (``portal.mail.jobs``) attaches the PDF and sends it.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import force_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.clock import utcnow
from portal.errors import ValidationError
from portal.extensions import db
from portal.forms import EMAIL_INVALID, TOO_LONG, WRONG_TYPE
from portal.jobs.models import JobStatus
from portal.mail.compose import (
    BODY_MAX,
    BUTTON_LABELS,
    LANGUAGES,
    PLACEHOLDERS,
    PURPOSES,
    SUBJECT_MAX,
    Composed,
    TemplateError,
    check_template,
    compose,
    document_values,
    format_total,
    template_for,
)
from portal.mail.models import OutgoingMessage

NO_RECIPIENT = _l("The customer has no e-mail address: write one in Send to")
TOO_MANY_RECIPIENTS = _l("At most %(max)d addresses", max=20)
MAX_RECIPIENTS = 20
UNKNOWN_PLACEHOLDER = _l("Unknown placeholder {%(name)s}: use %(known)s")
UNCLOSED_BRACE = _l("A brace is not closed: write {{ or }} for a brace itself")
TEMPLATE_PARTS = {"subject": SUBJECT_MAX, "body": BODY_MAX}

STATUS_NAMES = {
    JobStatus.PENDING: "QUEUED",
    JobStatus.DONE: "SENT",
    JobStatus.FAILED: "FAILED",
}


def customer_language(document: Any, organization: Organization) -> str:
    """The language the customer reads: the customer's own, else the organisation's."""
    customer = document.customer
    for language in (customer.locale if customer is not None else "", organization.locale):
        if language in LANGUAGES:
            return language
    return LANGUAGES[0]


def reply_to_of(organization: Organization) -> str:
    return organization.mail_reply_to or organization.email or ""


def queue_document_mail(
    kind_key: str,
    document: Any,
    *,
    actor: User,
    to: list[str] | None,
    cc: list[str],
    message: str,
    public_url: str,
) -> OutgoingMessage:
    """Queue the e-mail that sends a quote or an invoice (``kind_key``) to its customer,
    with the PDF attached, and return the row (flushed, not committed).

    ``to`` ``None`` or empty means the customer's address; when there is none the answer is
    a ``ValidationError`` on ``to``. Addresses are checked and de-duplicated.
    """
    organization = document.organization
    customer = document.customer
    recipients = _addresses("to", to or [])
    if not recipients and customer is not None and customer.email:
        recipients = [customer.email.strip()]
    if not recipients:
        raise ValidationError({"to": NO_RECIPIENT})
    copies = [a for a in _addresses("cc", cc) if a.lower() not in {r.lower() for r in recipients}]
    language = customer_language(document, organization)
    values = document_values(
        document,
        purpose=kind_key,
        language=language,
        organization_name=organization.name,
        customer_name=(customer.name if customer is not None else document.customer_name),
        link=public_url,
        message=(message or "").strip(),
    )
    composed = compose(
        template_for(organization.mail_templates, kind_key, language),
        values,
        button_label=BUTTON_LABELS[kind_key][language],
    )
    return _queue(
        organization,
        kind_key,
        document.id,
        purpose="document",
        to=recipients,
        cc=copies,
        composed=composed,
        language=language,
        sent_by_id=actor.id,
    )


def reminder_sentence(number: str, days_to_due: int, language: str) -> str:
    """What a reminder says of its due date, in the customer's language: due in 3 days,
    due today, 7 days late (the ``{message}`` of the reminder's template)."""
    with force_locale(language):
        if days_to_due > 0:
            return ngettext(
                "Invoice %(number)s is due in %(num)d day.",
                "Invoice %(number)s is due in %(num)d days.",
                days_to_due,
                number=number,
            )
        if days_to_due == 0:
            return _("Invoice %(number)s is due today.", number=number)
        return ngettext(
            "Invoice %(number)s was due %(num)d day ago.",
            "Invoice %(number)s was due %(num)d days ago.",
            -days_to_due,
            number=number,
        )


def queue_reminder_mail(
    invoice: Any, *, days_to_due: int, public_url: str
) -> OutgoingMessage | None:
    """Queue a payment reminder for ``invoice`` to its customer (the PDF attached), in the
    caller's transaction; ``None`` when the customer has no e-mail address."""
    organization = invoice.organization
    customer = invoice.customer
    address = (customer.email or "").strip() if customer is not None else ""
    if not address:
        return None
    language = customer_language(invoice, organization)
    values = document_values(
        invoice,
        purpose="reminder",
        language=language,
        organization_name=organization.name,
        customer_name=customer.name,
        link=public_url,
        message=reminder_sentence(invoice.number, days_to_due, language),
    )
    composed = compose(
        template_for(organization.mail_templates, "reminder", language),
        values,
        button_label=BUTTON_LABELS["reminder"][language],
    )
    return _queue(
        organization,
        "invoice",
        invoice.id,
        purpose="reminder",
        to=[address],
        cc=[],
        composed=composed,
        language=language,
        sent_by_id=None,
    )


def _queue(
    organization: Organization,
    document_type: str,
    document_id: int,
    *,
    purpose: str,
    to: list[str],
    cc: list[str],
    composed: Composed,
    language: str,
    sent_by_id: int | None,
) -> OutgoingMessage:
    """The message as a row of the worker's queue, due at once (flushed, not committed)."""
    schedule = current_app.config["MAIL_RETRY_SCHEDULE"]
    row = OutgoingMessage(
        organization_id=organization.id,
        document_type=document_type,
        document_id=document_id,
        purpose=purpose,
        to_addresses=to,
        cc_addresses=cc,
        reply_to=reply_to_of(organization),
        subject=composed.subject,
        text_body=composed.text,
        html_body=composed.html,
        locale=language,
        attach_pdf=True,
        sent_by_id=sent_by_id,
        status=JobStatus.PENDING,
        attempts=0,
        next_attempt_at=utcnow() + timedelta(seconds=schedule[0]),
        last_error="",
        last_reply="",
    )
    db.session.add(row)
    db.session.flush()
    return row


def messages_for(kind_key: str, document_id: int) -> list[OutgoingMessage]:
    """The e-mails queued for one document, newest first."""
    return list(
        db.session.scalars(
            select(OutgoingMessage)
            .where(
                OutgoingMessage.document_type == kind_key,
                OutgoingMessage.document_id == document_id,
            )
            .order_by(OutgoingMessage.created_at.desc(), OutgoingMessage.id.desc())
        )
    )


def message_json(message: OutgoingMessage) -> dict[str, Any]:
    """A message as the API and the document's page show it."""
    return {
        "id": message.public_id,
        "status": STATUS_NAMES.get(message.status, message.status),
        "to": list(message.to_addresses or []),
        "cc": list(message.cc_addresses or []),
        "subject": message.subject,
        "attempts": message.attempts,
        "lastReply": message.last_reply or message.last_error or None,
        "sentAt": message.sent_at.isoformat() if message.sent_at else None,
        "createdAt": message.created_at.isoformat() if message.created_at else None,
    }


def clean_mail_templates(value: Any) -> dict[str, dict[str, dict[str, str]]]:
    """An organisation's templates as sent (``{purpose: {language: {"subject", "body"}}}``),
    checked and trimmed; blank parts are left out (the portal's wording then). Raises
    ``ValidationError`` naming the part: ``mail_templates.invoice.es.subject``."""
    field = "mail_templates"
    if not isinstance(value, dict):
        raise ValidationError({field: WRONG_TYPE})
    clean: dict[str, dict[str, dict[str, str]]] = {}
    for purpose, languages in value.items():
        if purpose not in PURPOSES or not isinstance(languages, dict):
            raise ValidationError({f"{field}.{purpose}": WRONG_TYPE})
        for language, parts in languages.items():
            where = f"{field}.{purpose}.{language}"
            if language not in LANGUAGES or not isinstance(parts, dict):
                raise ValidationError({where: WRONG_TYPE})
            for part, text in parts.items():
                if part not in TEMPLATE_PARTS or not isinstance(text, str | None):
                    raise ValidationError({f"{where}.{part}": WRONG_TYPE})
                text = (text or "").strip()
                if not text:
                    continue
                _check_part(f"{where}.{part}", text, TEMPLATE_PARTS[part])
                clean.setdefault(purpose, {}).setdefault(language, {})[part] = text
    return clean


def _check_part(field: str, text: str, maximum: int) -> None:
    if len(text) > maximum:
        raise ValidationError({field: TOO_LONG % {"max": maximum}})
    try:
        check_template(text)
    except TemplateError as exc:
        if exc.reason == "syntax":
            raise ValidationError({field: UNCLOSED_BRACE}) from None
        known = ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
        message = UNKNOWN_PLACEHOLDER % {"name": exc.placeholder, "known": known}
        raise ValidationError({field: message}) from None


def preview_mail(
    organization: Organization, templates: dict[str, Any], purpose: str, language: str
) -> Composed:
    """What a customer would get with ``templates`` (checked first), filled with an example
    document of the organisation's: shown on the settings page before saving."""
    prefix = organization.quote_prefix if purpose == "quote" else organization.invoice_prefix
    base = current_app.config.get("BASE_URL") or ""
    sample = {
        "customer": {"es": "Ana García", "en": "Jane Doe"}[language],
        "number": f"{prefix}-{organization.today().year}-0042",
        "total": format_total(Decimal("1234.50"), organization.currency, language),
        "due_date": format_date(organization.today() + timedelta(days=30), "long", locale=language),
        "organization": organization.name,
        "link": f"{base}/{'q' if purpose == 'quote' else 'i'}/example",
        "message": {
            "es": "Gracias por su confianza.",
            "en": "Thank you for your business.",
        }[language],
    }
    if purpose == "reminder":  # a week late, as the ladder's third step would say it
        sample["message"] = reminder_sentence(sample["number"], -7, language)
    return compose(
        template_for(templates, purpose, language),
        sample,
        button_label=BUTTON_LABELS[purpose][language],
    )


def _addresses(field: str, values: list[str]) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for value in values:
        address = (value or "").strip()
        if not address:
            continue
        try:
            # ASCII only: the transport does not speak SMTPUTF8, which few servers offer.
            validate_email(address, check_deliverability=False, allow_smtputf8=False)
        except EmailNotValidError:
            raise ValidationError({field: EMAIL_INVALID}) from None
        if address.lower() not in seen:
            seen.add(address.lower())
            found.append(address)
    if len(found) > MAX_RECIPIENTS:
        raise ValidationError({field: TOO_MANY_RECIPIENTS})
    return found
