"""The quote as a document type: its series, states, transitions and what fills it."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select

from portal.accounts.models import User
from portal.clock import utcnow
from portal.dashboard import totals
from portal.documents.history import lines_summary
from portal.documents.kernel import DocumentType, Sending, Transition
from portal.documents.lines import apply_lines
from portal.documents.pdf import render_quote
from portal.documents.services import customer_of, new_public_token
from portal.errors import QuoteAlreadyConverted, QuoteNotFound, ValidationError
from portal.extensions import db
from portal.quotes.forms import DecisionForm, QuoteForm
from portal.quotes.models import Quote, QuoteLine
from portal.quotes.models import QuoteStatus as S
from portal.quotes.serializers import quote_json
from portal.web import external_url

DEFAULT_VALIDITY_DAYS = 30
ZERO = Decimal("0")

ONLY_SENT_DECIDED = _l("Only sent quotes can be accepted or rejected")
QUOTE_EXPIRED = _l("This quote has expired")
VALID_UNTIL_BEFORE_ISSUE = _l("Valid until cannot be before the issue date")
ONLY_DRAFT_OR_SENT_SENT = _l("Only draft or sent quotes can be sent")
QUOTE_SENT = _l("Quote sent")


def _send(quote: Quote) -> None:
    quote.sent_at = utcnow()
    if not quote.public_token:  # the sending made it (documents.services.send_document)
        quote.public_token = new_public_token()


def _decide(quote: Quote, reason: str = "") -> dict[str, Any]:
    quote.decided_at = utcnow()
    quote.decision_reason = reason or ""
    return {"reason": reason} if reason else {}


def _accept(quote: Quote, reason: str = "") -> dict[str, Any]:
    changes = _decide(quote, reason)
    totals.quote_accepted(quote)
    return changes


def _decision(action: str, target: str, done: Any) -> Transition:
    return Transition(
        action=action,
        sources=frozenset({S.SENT}),
        target=target,
        permission="quotes.write",
        event=target.lower(),
        done=done,
        refused=ONLY_SENT_DECIDED,
        refusals={S.EXPIRED: QUOTE_EXPIRED},
        effect=_accept if target == S.ACCEPTED else _decide,
        form=DecisionForm,
    )


TRANSITIONS = (
    Transition(
        action="send",
        sources=frozenset({S.DRAFT}),
        target=S.SENT,
        permission="quotes.write",
        event="sent",
        done=QUOTE_SENT,
        refused=_l("Only draft quotes can be sent"),
        effect=_send,
        routed=False,  # taken by the first sending, with its e-mail (SENDING below)
    ),
    _decision("accept", S.ACCEPTED, _l("Quote accepted")),
    _decision("reject", S.REJECTED, _l("Quote rejected")),
    Transition(
        action="convert",
        sources=frozenset({S.ACCEPTED}),
        target=S.CONVERTED,
        permission="quotes.convert",
        event="converted",
        done=_l("Invoice created"),
        refused=_l("Only accepted quotes can be converted into an invoice"),
        refusals={S.CONVERTED: QuoteAlreadyConverted.default_message},
        routed=False,  # answers with the new invoice (quotes/services.convert_quote)
    ),
)


def fill(quote: Quote, actor: User, data: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    customer = customer_of(actor, data["customer_id"])
    quote.customer = customer
    quote.customer_name = customer.name
    quote.issue_date = data.get("issue_date") or quote.issue_date or actor.organization.today()
    quote.valid_until = data.get("valid_until") or quote.issue_date + timedelta(
        days=DEFAULT_VALIDITY_DAYS
    )
    if quote.valid_until < quote.issue_date:
        raise ValidationError({"valid_until": VALID_UNTIL_BEFORE_ISSUE})
    quote.notes = data.get("notes") or ""
    quote.withholding_percent = data.get("withholding_percent") or ZERO
    apply_lines(
        quote,
        QuoteLine,
        lines,
        surcharge=customer.surcharge,
        tax_rates=actor.organization.tax_rates,
    )


def snapshot(quote: Quote) -> dict[str, Any]:
    return {
        "customer": quote.customer_name,
        "issueDate": quote.issue_date.isoformat() if quote.issue_date else None,
        "validUntil": quote.valid_until.isoformat() if quote.valid_until else None,
        "notes": quote.notes,
        "lines": lines_summary(quote),
        "total": str(quote.total),
    }


def status_filter(status: str, today: date) -> list:
    """EXPIRED is derived (sent, and past its date), so SENT excludes it."""
    if status == S.EXPIRED:
        return [Quote.status == S.SENT, Quote.valid_until < today]
    if status == S.SENT:
        return [Quote.status == S.SENT, Quote.valid_until >= today]
    return [Quote.status == status]


def invoice_of(quote: Quote) -> Any:
    """The invoice this quote was converted into, if any. Only a converted quote has one
    (CONVERTED is final): the others, nearly every quote read or written, ask nothing."""
    if quote.status != S.CONVERTED:
        return None
    return db.session.scalar(_invoice_of(), {"quote_id": quote.id})


@functools.cache
def _invoice_of() -> Any:
    from portal.invoices.models import Invoice  # invoices import quotes

    return select(Invoice).where(Invoice.quote_id == bindparam("quote_id"))


SENDING = Sending(
    sources=frozenset({S.DRAFT, S.SENT}),
    permission="quotes.write",
    event="sent",
    done=QUOTE_SENT,
    refused=ONLY_DRAFT_OR_SENT_SENT,
    refusals={S.EXPIRED: QUOTE_EXPIRED},
    public_endpoint="public_quotes.show",
    transition="send",
)


def input_of(quote: Quote) -> dict[str, Any]:
    """The quote's fields as a body sends them (what a PATCH merges into); a validity the
    portal derived (30 days) is left out, so that it follows a new issue date."""
    derived = quote.valid_until == quote.issue_date + timedelta(days=DEFAULT_VALIDITY_DAYS)
    return {
        "customerId": quote.customer.public_id if quote.customer is not None else None,
        "issueDate": quote.issue_date.isoformat(),
        "validUntil": None if derived or not quote.valid_until else quote.valid_until.isoformat(),
        "notes": quote.notes,
        "withholdingPercent": str(quote.withholding_percent),
    }


def to_json(quote: Quote, *, detail: bool = False) -> dict[str, Any]:
    if not detail:
        return quote_json(quote)
    invoice = invoice_of(quote)
    body = quote_json(quote, detail=True, invoice_id=invoice.public_id if invoice else None)
    # The public page stays after the customer's decision (it shows it), so does its link.
    body["publicUrl"] = public_link(quote)
    return body


def public_link(quote: Quote) -> str | None:
    if not quote.public_token:
        return None
    return external_url(SENDING.public_endpoint, token=quote.public_token)


QUOTES = DocumentType(
    key="quote",
    plural="quotes",
    model=Quote,
    line_model=QuoteLine,
    prefix="COT",
    number_key="quoteNumber",
    date_field="issue_date",
    statuses=S.ALL,
    initial=S.DRAFT,
    editable=frozenset({S.DRAFT}),
    transitions=TRANSITIONS,
    not_found=QuoteNotFound,
    write_permission="quotes.write",
    form=QuoteForm,
    messages={
        "created": _l("Quote created"),
        "updated": _l("Quote updated"),
        "not_editable": _l("Only draft quotes can be edited"),
    },
    to_json=to_json,
    render_pdf=render_quote,
    fill=fill,
    snapshot=snapshot,
    effective_status=lambda quote: quote.effective_status,
    status_filter=status_filter,
    counted=totals.quote_counted,
    recount=totals.quote_recount,
    sending=SENDING,
    input_of=input_of,
)
