"""The worker's job for each queued e-mail: build it (the PDF rendered now), hand it over,
keep the answer.

``load`` runs in the worker's short transaction: it reads the row and the document and
builds the whole MIME message (text and HTML alternatives, the PDF attached, one
``Message-ID`` per row so that a retry is recognisably the same message); ``perform`` talks
to the server with no transaction open; ``record`` keeps the server's reply and when it was
sent.
"""

from __future__ import annotations

import logging
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

from flask import current_app

from portal.accounts.models import Organization
from portal.extensions import db
from portal.jobs.models import JobStatus
from portal.jobs.queue import JobKind, Outcome
from portal.mail.models import OutgoingMessage
from portal.mail.transport import Envelope, deliver

log = logging.getLogger(__name__)

DOCUMENT_GONE = "the document no longer exists"


def document_type(key: str) -> Any:
    from portal.invoices.document import INVOICES
    from portal.quotes.document import QUOTES

    for kind in (QUOTES, INVOICES):
        if kind.key == key:
            return kind
    raise LookupError(key)


def build(
    row: OutgoingMessage, organization: Organization, attachment: tuple[str, bytes] | None
) -> EmailMessage:
    """The MIME message of ``row``: From the portal's address in the organisation's name."""
    _name, sender = parseaddr(current_app.config["MAIL_FROM"])
    message = EmailMessage(policy=SMTP)
    message["From"] = Address(display_name=organization.name, addr_spec=sender)
    message["To"] = ", ".join(row.to_addresses)
    if row.cc_addresses:
        message["Cc"] = ", ".join(row.cc_addresses)
    if row.reply_to:
        message["Reply-To"] = row.reply_to
    message["Subject"] = row.subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = f"<{row.public_id}@{sender.rpartition('@')[2] or 'localhost'}>"
    message.set_content(row.text_body)
    if row.html_body:
        message.add_alternative(row.html_body, subtype="html")
    if attachment is not None:
        filename, pdf = attachment
        message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    message["Content-Language"] = row.locale  # after the parts: set_content drops Content-*
    return message


def load_message(row: OutgoingMessage, now: datetime) -> Envelope | Outcome:
    organization = db.session.get(Organization, row.organization_id)
    assert organization is not None
    attachment = None
    if row.attach_pdf and row.document_type:
        kind = document_type(row.document_type)
        document = db.session.get(kind.model, row.document_id)
        if document is None or document.organization_id != row.organization_id:
            return Outcome.fail(DOCUMENT_GONE, detail=DOCUMENT_GONE)
        assert kind.render_pdf is not None
        attachment = (f"{document.number}.pdf", kind.render_pdf(document, organization))
    message = build(row, organization, attachment)
    _name, sender = parseaddr(current_app.config["MAIL_FROM"])
    return Envelope(
        name=row.public_id,
        sender=sender,
        recipients=tuple(row.to_addresses) + tuple(row.cc_addresses),
        data=message.as_bytes(),
    )


def outbox_folder() -> Path:
    """Where messages go when no SMTP server is configured: ``<instance>/outbox/``."""
    configured = current_app.config.get("MAIL_OUTBOX_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "outbox"


def perform_message(envelope: Envelope) -> Outcome:
    config = current_app.config
    handover = deliver(
        envelope,
        smtp_url=config["SMTP_URL"],
        outbox=outbox_folder(),
        timeout=config["MAIL_TIMEOUT_SECONDS"],
    )
    if handover.sent:
        return Outcome.done(handover.reply)
    if handover.permanent:
        return Outcome.fail(handover.reply, detail=handover.reply)
    return Outcome.retry(handover.reply, detail=handover.reply)


def record_message(
    row: OutgoingMessage, outcome: Outcome, next_attempt_at: datetime | None, now: datetime
) -> None:
    if outcome.detail is not None:
        row.last_reply = str(outcome.detail)[:1000]
    elif outcome.error:
        row.last_reply = outcome.error[:1000]
    if row.status == JobStatus.DONE:
        row.sent_at = now
    log.info(
        "mail %s (%s %s) to %s: %s%s",
        row.public_id,
        row.document_type or row.purpose,
        row.document_id or "",
        ", ".join(row.to_addresses),
        row.last_reply,
        f", next at {next_attempt_at:%Y-%m-%d %H:%M:%S}" if next_attempt_at else "",
    )


OUTGOING_MAIL = JobKind(
    name="mail",
    model=OutgoingMessage,
    schedule_setting="MAIL_RETRY_SCHEDULE",
    load=load_message,
    perform=perform_message,
    record=record_message,
    batch_size=10,
    # Half of it (150 s) covers five SMTP commands each stalled to its 30 s timeout; a send
    # that outlasts it is not recorded and is attempted again after the lease.
    lease_seconds=300.0,
)
