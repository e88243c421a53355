"""The public invoice link: a customer without an account reads an invoice, downloads its
PDF and finds how to pay it (the organisation's IBAN and bank details, the due date)."""

from flask import Blueprint
from flask.typing import ResponseReturnValue

from portal.documents.views import public_document, public_missing, public_page, public_pdf
from portal.invoices.document import INVOICES
from portal.invoices.models import InvoiceStatus

bp = Blueprint("public_invoices", __name__, url_prefix="/i")


def _invoice(token: str):
    invoice = public_document(INVOICES, token)
    if invoice is None or invoice.status == InvoiceStatus.DRAFT:
        return None
    return invoice


@bp.get("/<token>")
def show(token: str) -> ResponseReturnValue:
    invoice = _invoice(token)
    if invoice is None:
        return public_missing()
    payable = invoice.status in InvoiceStatus.OPEN
    return public_page("invoices/public.html", invoice, invoice=invoice, payable=payable)


@bp.get("/<token>/pdf")
def pdf(token: str) -> ResponseReturnValue:
    invoice = _invoice(token)
    if invoice is None:
        return public_missing()
    return public_pdf(INVOICES, invoice)
