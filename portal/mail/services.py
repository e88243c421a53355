"""Queueing e-mail to customers and reading what became of it.

``queue_document_mail`` composes the whole message now (subject, text and HTML, in the
customer's language) and writes it as an ``OutgoingMessage`` in the caller's transaction:
an outbox, so nothing is sent from a request and a rolled-back change sends nothing. The
worker (``portal.mail.jobs``) attaches the PDF and sends it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import Organization, User
from portal.clock import utcnow
from portal.errors import ValidationError
from portal.extensions import db
from portal.forms import EMAIL_INVALID
from portal.jobs.models import JobStatus
from portal.mail.compose import (
    BUTTON_LABELS,
    LANGUAGES,
    compose,
    document_values,
    template_for,
)
from portal.mail.models import OutgoingMessage

NO_RECIPIENT = _l("The customer has no e-mail address: write one in To")
TOO_MANY_RECIPIENTS = _l("At most %(max)d addresses", max=20)
MAX_RECIPIENTS = 20

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
    schedule = current_app.config["MAIL_RETRY_SCHEDULE"]
    row = OutgoingMessage(
        organization_id=organization.id,
        document_type=kind_key,
        document_id=document.id,
        purpose="document",
        to_addresses=recipients,
        cc_addresses=copies,
        reply_to=reply_to_of(organization),
        subject=composed.subject,
        text_body=composed.text,
        html_body=composed.html,
        locale=language,
        attach_pdf=True,
        sent_by_id=actor.id,
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


def _addresses(field: str, values: list[str]) -> list[str]:
    found: list[str] = []
    seen: set[str] = set()
    for value in values:
        address = (value or "").strip()
        if not address:
            continue
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            raise ValidationError({field: EMAIL_INVALID}) from None
        if address.lower() not in seen:
            seen.add(address.lower())
            found.append(address)
    if len(found) > MAX_RECIPIENTS:
        raise ValidationError({field: TOO_MANY_RECIPIENTS})
    return found
