"""Quotes: what is theirs beyond the document kernel — the public link and the conversion."""

from __future__ import annotations

from typing import Any

from portal.accounts.models import User
from portal.documents import services as documents
from portal.quotes.document import QUOTES
from portal.quotes.models import Quote, QuoteStatus

PUBLIC_LINK = "public_link"  # who decided, when no member did (documents.labels.ACTOR_LABELS)


def get_quote(actor: User, public_id: str, *, for_update: bool = False) -> Quote:
    return documents.get_document(QUOTES, actor, public_id, for_update=for_update)


def create_quote(actor: User, data: dict[str, Any], lines: list[dict[str, Any]]) -> Quote:
    return documents.create_document(QUOTES, actor, data, lines)


def update_quote(
    actor: User, public_id: str, data: dict[str, Any], lines: list[dict[str, Any]]
) -> Quote:
    return documents.update_document(QUOTES, actor, public_id, data, lines)


def decide(quote: Quote, accepted: bool, reason: str, actor: User | None) -> Quote:
    """Accept or reject a sent quote, by a member (``actor``) or via the public link."""
    action = "accept" if accepted else "reject"
    label = "" if actor else PUBLIC_LINK
    return documents.transit(QUOTES, quote, action, actor, actor_label=label, reason=reason)


def quote_by_token(token: str, *, for_update: bool = False) -> Quote | None:
    """The quote behind a public link, only while it awaits the customer's answer."""
    quote = documents.document_by_token(QUOTES, token, for_update=for_update)
    if quote is None or quote.effective_status != QuoteStatus.SENT:
        return None
    return quote


def convert_quote(actor: User, public_id: str) -> Any:
    """Turn an accepted quote into a draft invoice with the same lines and totals."""
    from portal.invoices.services import create_invoice_from_quote

    quote = get_quote(actor, public_id, for_update=True)
    QUOTES.check(quote, "convert")
    invoice = create_invoice_from_quote(actor, quote)
    documents.transit(QUOTES, quote, "convert", actor, changes={"invoice": invoice.number})
    return invoice
