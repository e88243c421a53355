from __future__ import annotations

from typing import Any

from portal.documents.serializers import (
    breakdown_json,
    customer_id,
    line_json,
    totals_json,
)
from portal.quotes.models import Quote, QuoteStatus
from portal.web import external_url


def public_url(quote: Quote) -> str | None:
    if quote.public_token and quote.effective_status == QuoteStatus.SENT:
        return external_url("public_quotes.show", token=quote.public_token)
    return None


def quote_json(
    quote: Quote, *, detail: bool = False, invoice_id: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": quote.public_id,
        "quoteNumber": quote.number,
        "status": quote.effective_status,
        "customerId": customer_id(quote),
        "customerName": quote.customer_name,
        "issueDate": quote.issue_date.isoformat(),
        "validUntil": quote.valid_until.isoformat(),
        "currency": quote.currency,
        **totals_json(quote),
        "createdAt": quote.created_at.isoformat(),
    }
    if detail:
        body.update(
            notes=quote.notes,
            decisionReason=quote.decision_reason or None,
            publicUrl=public_url(quote),
            invoiceId=invoice_id,
            lines=[line_json(line) for line in quote.lines],
            taxBreakdown=breakdown_json(quote),
        )
    return body
