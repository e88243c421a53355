"""The invoice as a document type: its series, states, transitions and what fills it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.accounts.models import User
from portal.clock import utcnow
from portal.dashboard import totals
from portal.documents.history import lines_summary
from portal.documents.kernel import DocumentType, Sending, Transition
from portal.documents.lines import apply_lines
from portal.documents.numbering import SERIES_PATTERN
from portal.documents.pdf import render_invoice
from portal.documents.services import customer_of
from portal.errors import DuplicateInvoiceNumber, InvoiceNotFound, ValidationError
from portal.extensions import db
from portal.fiscal.parties import keep_parties
from portal.invoices.forms import InvoiceForm
from portal.invoices.models import Invoice, InvoiceLine
from portal.invoices.models import InvoiceStatus as S
from portal.invoices.serializers import invoice_json
from portal.web import external_url

PREFIX = "INV"

ALREADY_PAID = _l("The invoice is already paid")
ALREADY_VOID = _l("The invoice is void")
CLOSED = {S.PAID: ALREADY_PAID, S.VOID: ALREADY_VOID}
PAYMENTS_NEED_ISSUED = _l("Payments are recorded on issued invoices only")
NUMBER_FIXED = _l("The number of an invoice cannot change")
ISSUE_BEFORE_SENDING = _l("Issue the invoice before sending it")
SERIES_RESERVED = _l("Numbers of the form %(prefix)s-YYYY-NNNN are assigned by the portal")


def _issue(invoice: Invoice) -> None:
    invoice.issued_at = utcnow()
    keep_parties(invoice, invoice.organization)
    totals.invoice_issued(invoice)


def _void(invoice: Invoice) -> None:
    if invoice.status == S.ISSUED:  # it counted as invoiced; a voided draft never did
        totals.invoice_withdrawn(invoice)
    invoice.voided_at = utcnow()


def _pay(invoice: Invoice, *, amount: Decimal) -> None:
    """A payment's amount is paid: inside the move, so that the running totals the kernel
    keeps around it (the open balances) see the balance before and after."""
    invoice.amount_paid += amount


def _payment(
    target: str, event: str, action: str, effect: Callable[..., None] | None = None
) -> Transition:
    """Payments move an open invoice: part paid, or paid in full (``invoices.services``)."""
    return Transition(
        action=action,
        sources=frozenset(S.OPEN),
        target=target,
        permission="payments.record",
        event=event,
        done=_l("Payment recorded"),
        refused=PAYMENTS_NEED_ISSUED,
        refusals=CLOSED,
        effect=effect,
        routed=False,
    )


TRANSITIONS = (
    Transition(
        action="issue",
        sources=frozenset({S.DRAFT}),
        target=S.ISSUED,
        permission="invoices.write",
        event="issued",
        done=_l("Invoice issued"),
        refused=_l("Only draft invoices can be issued"),
        refusals=CLOSED,
        effect=_issue,
    ),
    Transition(
        action="void",  # VOID keeps the number: an invoice is never deleted
        sources=frozenset({S.DRAFT, S.ISSUED}),
        target=S.VOID,
        permission="invoices.write",
        event="voided",
        done=_l("Invoice voided"),
        refused=_l("An invoice with payments cannot be voided"),
        refusals=CLOSED,
        effect=_void,
    ),
    _payment(S.PARTIALLY_PAID, "payment_recorded", "record_payment", _pay),
    _payment(S.PAID, "paid", "settle"),
)


def fill(invoice: Invoice, actor: User, data: dict[str, Any], lines: list[dict[str, Any]]) -> None:
    customer = customer_of(actor, data["customer_id"]) if data.get("customer_id") else None
    invoice.customer = customer
    invoice.customer_name = data.get("customer_name") or (customer.name if customer else "")
    invoice.invoice_date = data["invoice_date"]
    invoice.due_date = data.get("due_date") or invoice.invoice_date + timedelta(
        days=actor.organization.payment_terms_days
    )
    invoice.notes = data.get("notes") or ""
    invoice.withholding_percent = data.get("withholding_percent") or Decimal("0")
    apply_lines(
        invoice,
        InvoiceLine,
        lines,
        surcharge=bool(customer and customer.surcharge),
        tax_rates=actor.organization.tax_rates,
    )


def own_number(actor: User, invoice: Invoice, data: dict[str, Any]) -> str | None:
    """A client's own number (history from another system), never one of our series;
    ``None``: the next of the series."""
    requested = data.get("invoice_number")
    if not requested:
        return None
    taken = db.session.scalar(
        select(Invoice.id).where(
            Invoice.organization_id == actor.organization_id, Invoice.number == requested
        )
    )
    if taken is not None:
        raise DuplicateInvoiceNumber()
    match = SERIES_PATTERN.match(requested.upper())
    prefix = actor.organization.invoice_prefix or PREFIX
    if match and match.group("prefix") == prefix:
        # Our own series stays gap-free: only the portal hands out its numbers.
        raise ValidationError({"invoice_number": SERIES_RESERVED % {"prefix": prefix}})
    return requested


def check_update(invoice: Invoice, data: dict[str, Any]) -> None:
    requested = data.get("invoice_number")
    if requested and requested != invoice.number:
        raise ValidationError({"invoice_number": NUMBER_FIXED})


def snapshot(invoice: Invoice) -> dict[str, Any]:
    return {
        "customerName": invoice.customer_name,
        "invoiceDate": invoice.invoice_date.isoformat() if invoice.invoice_date else None,
        "dueDate": invoice.due_date.isoformat() if invoice.due_date else None,
        "notes": invoice.notes,
        "lines": lines_summary(invoice),
        "total": str(invoice.total),
    }


SENDING = Sending(
    sources=frozenset({S.ISSUED, S.PARTIALLY_PAID, S.PAID}),
    permission="invoices.write",
    event="emailed",
    done=_l("Invoice sent"),
    refused=ISSUE_BEFORE_SENDING,
    refusals={S.VOID: ALREADY_VOID},
    public_endpoint="public_invoices.show",
)


def public_link(invoice: Invoice) -> str | None:
    if not invoice.public_token:
        return None
    return external_url(SENDING.public_endpoint, token=invoice.public_token)


def input_of(invoice: Invoice) -> dict[str, Any]:
    """The invoice's fields as a body sends them (what a PATCH merges into). What was
    derived is left out so that it follows what it came from: the name when it is the
    customer's, the due date when it is the organisation's terms after the invoice date."""
    customer = invoice.customer
    own_name = customer is None or invoice.customer_name != customer.name
    terms = timedelta(days=invoice.organization.payment_terms_days)
    derived_due = invoice.due_date == invoice.invoice_date + terms
    return {
        "invoiceNumber": invoice.number,
        "customerId": customer.public_id if customer is not None else None,
        "customerName": invoice.customer_name if own_name else None,
        "invoiceDate": invoice.invoice_date.isoformat(),
        "dueDate": None if derived_due or not invoice.due_date else invoice.due_date.isoformat(),
        "notes": invoice.notes,
        "withholdingPercent": str(invoice.withholding_percent),
    }


def to_json(invoice: Invoice, *, detail: bool = False) -> dict[str, Any]:
    body = invoice_json(invoice, detail=detail)
    if detail:
        body["publicUrl"] = public_link(invoice)
    return body


INVOICES = DocumentType(
    key="invoice",
    plural="invoices",
    model=Invoice,
    line_model=InvoiceLine,
    prefix=PREFIX,
    number_key="invoiceNumber",
    date_field="invoice_date",
    statuses=S.ALL,
    initial=S.DRAFT,
    editable=frozenset({S.DRAFT}),
    transitions=TRANSITIONS,
    not_found=InvoiceNotFound,
    write_permission="invoices.write",
    form=InvoiceForm,
    messages={
        "created": _l("Invoice created"),
        "updated": _l("Invoice updated"),
        "not_editable": _l("Only draft invoices can be edited"),
    },
    to_json=to_json,
    render_pdf=render_invoice,
    fill=fill,
    snapshot=snapshot,
    check_update=check_update,
    assign_number=own_number,
    counted=totals.invoice_open,
    recount=totals.open_recount,
    sending=SENDING,
    input_of=input_of,
)
