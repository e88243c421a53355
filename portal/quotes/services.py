"""Quotes: writing them, their lifecycle, the public link and conversion into an invoice."""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.catalog.models import Customer
from portal.db import utcnow
from portal.documents.history import diff, lines_summary, record
from portal.documents.lines import apply_lines
from portal.documents.numbering import SERIES_PATTERN, next_number
from portal.errors import (
    CustomerNotFound,
    InvalidState,
    QuoteAlreadyConverted,
    QuoteNotFound,
    ValidationError,
)
from portal.extensions import db
from portal.pagination import keyset_page
from portal.quotes.models import Quote, QuoteLine, QuoteStatus
from portal.tenancy import get_for_organization

PREFIX = "COT"
DEFAULT_VALIDITY_DAYS = 30
DOCUMENT = "quote"

ONLY_DRAFT_EDITED = _l("Only draft quotes can be edited")
ONLY_DRAFT_SENT = _l("Only draft quotes can be sent")
ONLY_SENT_DECIDED = _l("Only sent quotes can be accepted or rejected")
QUOTE_EXPIRED = _l("This quote has expired")
ONLY_ACCEPTED_CONVERTED = _l("Only accepted quotes can be converted into an invoice")
INVALID_STATUS = _l("Unknown status")
YEAR_FIXED = _l("The date must stay in %(year)s, the year of number %(number)s")


def list_quotes(
    actor: User, *, status: str | None, customer_id: str | None, limit: int, cursor: str | None
) -> tuple[list[Quote], str | None]:
    stmt = select(Quote).where(Quote.organization_id == actor.organization_id)
    if status:
        if status not in QuoteStatus.ALL:
            raise ValidationError({"status": INVALID_STATUS})
        stmt = stmt.where(*_status_filter(status, actor.organization.today()))
    if customer_id:
        customer = get_for_organization(
            Customer, customer_id, actor.organization_id, CustomerNotFound
        )
        stmt = stmt.where(Quote.customer_id == customer.id)
    return keyset_page(stmt, (Quote.created_at, Quote.public_id), limit, cursor)


def _status_filter(status: str, today: date) -> list:
    if status == QuoteStatus.EXPIRED:
        return [Quote.status == QuoteStatus.SENT, Quote.valid_until < today]
    if status == QuoteStatus.SENT:
        return [Quote.status == QuoteStatus.SENT, Quote.valid_until >= today]
    return [Quote.status == status]


def get_quote(actor: User, public_id: str, *, for_update: bool = False) -> Quote:
    return get_for_organization(
        Quote, public_id, actor.organization_id, QuoteNotFound, for_update=for_update
    )


def _customer(actor: User, public_id: str) -> Customer:
    customer = db.session.scalar(
        select(Customer).where(
            Customer.public_id == public_id, Customer.organization_id == actor.organization_id
        )
    )
    if customer is None:
        raise ValidationError({"customer_id": CustomerNotFound().message})
    return customer


def _fill(quote: Quote, actor: User, data: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    customer = _customer(actor, data["customer_id"])
    quote.customer = customer
    quote.customer_name = customer.name
    quote.issue_date = data.get("issue_date") or quote.issue_date or actor.organization.today()
    quote.valid_until = data.get("valid_until") or quote.issue_date + timedelta(
        days=DEFAULT_VALIDITY_DAYS
    )
    if quote.valid_until < quote.issue_date:
        raise ValidationError({"valid_until": _l("Valid until cannot be before the issue date")})
    quote.notes = data.get("notes") or ""
    apply_lines(quote, QuoteLine, lines)


def create_quote(actor: User, data: dict[str, Any], lines: list[dict[str, Any]]) -> Quote:
    organization = actor.organization
    quote = Quote(
        organization_id=organization.id,
        status=QuoteStatus.DRAFT,
        currency=organization.currency,
        created_by_id=actor.id,
    )
    _fill(quote, actor, data, lines)
    quote.number = next_number(organization.id, PREFIX, quote.issue_date.year)
    db.session.add(quote)
    db.session.flush()
    record(quote, DOCUMENT, "created", actor, {"number": quote.number, "total": str(quote.total)})
    return quote


def update_quote(
    actor: User, public_id: str, data: dict[str, Any], lines: list[dict[str, Any]]
) -> Quote:
    quote = get_quote(actor, public_id, for_update=True)
    if quote.status != QuoteStatus.DRAFT:
        raise InvalidState(ONLY_DRAFT_EDITED)
    before = _snapshot(quote)
    series = SERIES_PATTERN.match(quote.number)
    issue_date = data.get("issue_date") or quote.issue_date
    if series and issue_date.year != int(series.group("year")):
        # Renumbering would leave a hole in the old year's series.
        raise ValidationError(
            {"issue_date": YEAR_FIXED % {"year": series.group("year"), "number": quote.number}}
        )
    _fill(quote, actor, data, lines)
    db.session.flush()
    changes = diff(before, _snapshot(quote))
    if changes:
        record(quote, DOCUMENT, "edited", actor, changes)
    return quote


def send_quote(actor: User, public_id: str) -> Quote:
    quote = get_quote(actor, public_id, for_update=True)
    if quote.status != QuoteStatus.DRAFT:
        raise InvalidState(ONLY_DRAFT_SENT)
    quote.status = QuoteStatus.SENT
    quote.sent_at = utcnow()
    quote.public_token = secrets.token_urlsafe(32)
    db.session.flush()
    record(quote, DOCUMENT, "sent", actor)
    return quote


def decide(quote: Quote, accepted: bool, reason: str, actor: User | None) -> Quote:
    """Accept or reject a sent quote, by a member (``actor``) or via the public link."""
    if quote.effective_status == QuoteStatus.EXPIRED:
        raise InvalidState(QUOTE_EXPIRED)
    if quote.status != QuoteStatus.SENT:
        raise InvalidState(ONLY_SENT_DECIDED)
    quote.status = QuoteStatus.ACCEPTED if accepted else QuoteStatus.REJECTED
    quote.decided_at = utcnow()
    quote.decision_reason = reason or ""
    db.session.flush()
    changes = {"reason": reason} if reason else {}
    label = "" if actor else "public_link"  # shown through documents.labels.ACTOR_LABELS
    record(quote, DOCUMENT, quote.status.lower(), actor, changes, actor_label=label)
    return quote


def decide_as_member(actor: User, public_id: str, *, accepted: bool, reason: str = "") -> Quote:
    return decide(get_quote(actor, public_id, for_update=True), accepted, reason, actor)


def quote_by_token(token: str, *, for_update: bool = False) -> Quote | None:
    """The quote behind a public link, only while it awaits the customer's answer."""
    if not token or len(token) > 64:
        return None
    stmt = select(Quote).where(Quote.public_token == token)
    if for_update:
        stmt = stmt.with_for_update(of=Quote).execution_options(populate_existing=True)
    quote = db.session.scalar(stmt)
    if quote is None or quote.effective_status != QuoteStatus.SENT:
        return None
    return quote


def convert_quote(actor: User, public_id: str):
    """Turn an accepted quote into a draft invoice with the same lines and totals."""
    from portal.invoices.services import create_invoice_from_quote

    quote = get_quote(actor, public_id, for_update=True)
    if quote.status == QuoteStatus.CONVERTED:
        raise QuoteAlreadyConverted()
    if quote.status != QuoteStatus.ACCEPTED:
        raise InvalidState(ONLY_ACCEPTED_CONVERTED)
    invoice = create_invoice_from_quote(actor, quote)
    quote.status = QuoteStatus.CONVERTED
    db.session.flush()
    record(quote, DOCUMENT, "converted", actor, {"invoice": invoice.number})
    return invoice


def _snapshot(quote: Quote) -> dict[str, Any]:
    return {
        "customer": quote.customer_name,
        "issueDate": quote.issue_date.isoformat() if quote.issue_date else None,
        "validUntil": quote.valid_until.isoformat() if quote.valid_until else None,
        "notes": quote.notes,
        "lines": lines_summary(quote),
        "total": str(quote.total),
    }


def invoice_of(quote: Quote):
    """The invoice this quote was converted into, if any."""
    from portal.invoices.models import Invoice

    return db.session.scalar(select(Invoice).where(Invoice.quote_id == quote.id))
