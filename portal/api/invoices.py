from flask import request
from flask_babel import gettext as _

from portal.api import bp
from portal.api.documents import document_input, history_json, pdf_response
from portal.documents.pdf import render_invoice
from portal.envelope import created, ok
from portal.forms import form_from_json
from portal.invoices import services
from portal.invoices.forms import InvoiceForm, PaymentForm
from portal.invoices.serializers import invoice_json, payment_json, summary_json
from portal.pagination import page_args
from portal.security.identity import current_identity
from portal.security.permissions import require

TRUE_WORDS = {"1", "true", "yes"}


@bp.get("/invoices")
@require("portal.read")
def list_invoices():
    limit, cursor = page_args()
    actor = current_identity()
    invoices, next_cursor = services.list_invoices(
        actor,
        status=request.args.get("status") or None,
        overdue=request.args.get("overdue", "").lower() in TRUE_WORDS,
        customer_id=request.args.get("customerId") or None,
        limit=limit,
        cursor=cursor,
        summaries=True,
    )
    on = actor.organization.today()
    return ok(
        _("Request completed"),
        {"items": [summary_json(row, on) for row in invoices], "nextCursor": next_cursor},
    )


@bp.post("/invoices")
@require("invoices.write")
def create_invoice():
    actor = current_identity()
    data, lines = document_input(InvoiceForm, actor)
    invoice = services.create_invoice(actor, data, lines)
    return created(_("Invoice created"), invoice_json(invoice, detail=True))


@bp.get("/invoices/<public_id>")
@require("portal.read")
def get_invoice(public_id: str):
    invoice = services.get_invoice(current_identity(), public_id)
    return ok(_("Request completed"), invoice_json(invoice, detail=True))


@bp.patch("/invoices/<public_id>")
@require("invoices.write")
def update_invoice(public_id: str):
    actor = current_identity()
    services.get_invoice(actor, public_id)  # another tenant's id: 404 before any 400
    data, lines = document_input(InvoiceForm, actor)
    invoice = services.update_invoice(actor, public_id, data, lines)
    return ok(_("Invoice updated"), invoice_json(invoice, detail=True))


@bp.post("/invoices/<public_id>/issue")
@require("invoices.write")
def issue_invoice(public_id: str):
    invoice = services.issue_invoice(current_identity(), public_id)
    return ok(_("Invoice issued"), invoice_json(invoice, detail=True))


@bp.post("/invoices/<public_id>/void")
@require("invoices.write")
def void_invoice(public_id: str):
    invoice = services.void_invoice(current_identity(), public_id)
    return ok(_("Invoice voided"), invoice_json(invoice, detail=True))


@bp.get("/invoices/<public_id>/payments")
@require("portal.read")
def list_payments(public_id: str):
    invoice = services.get_invoice(current_identity(), public_id)
    items = [payment_json(p) for p in services.payments_of(invoice)]
    return ok(_("Request completed"), {"items": items, "nextCursor": None})


@bp.post("/invoices/<public_id>/payments")
@require("payments.record")
def record_payment(public_id: str):
    actor = current_identity()
    services.get_invoice(actor, public_id)  # another tenant's id: 404 before any 400
    form = form_from_json(PaymentForm)
    payment = services.record_payment(actor, public_id, form.data)
    invoice = services.get_invoice(actor, public_id)
    return created(
        _("Payment recorded"),
        {"payment": payment_json(payment), "invoice": invoice_json(invoice, detail=True)},
    )


@bp.get("/invoices/<public_id>/history")
@require("portal.read")
def invoice_history(public_id: str):
    invoice = services.get_invoice(current_identity(), public_id)
    return ok(_("Request completed"), history_json(invoice, services.DOCUMENT))


@bp.get("/invoices/<public_id>/pdf")
@require("portal.read")
def invoice_pdf(public_id: str):
    actor = current_identity()
    invoice = services.get_invoice(actor, public_id)
    return pdf_response(render_invoice(invoice, actor.organization), invoice.number)
