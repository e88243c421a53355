"""Invoice pages: the document pages of the kernel, the list with its filters, payments."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.documents import pages
from portal.documents.labels import STATUS_LABELS
from portal.documents.views import detail_page, document_pages
from portal.errors import PortalError
from portal.forms import apply_error
from portal.invoices import services
from portal.invoices.document import INVOICES
from portal.invoices.forms import PAYMENT_METHODS, PaymentForm
from portal.invoices.models import InvoiceStatus
from portal.pagination import DEFAULT_LIMIT
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = Blueprint("invoices", __name__, url_prefix="/invoices")


def _detail_context(invoice, payment_form: PaymentForm | None = None) -> dict:
    if payment_form is None:
        today = invoice.organization.today()
        payment_form = PaymentForm(formdata=None, paid_on=today, amount=invoice.balance)
    return {
        "payments": services.payments_of(invoice),
        "payment_form": payment_form,
        "PAYMENT_METHODS": PAYMENT_METHODS,
    }


def _new_defaults(form) -> None:
    form.invoice_date.data = acting_user().organization.today()


invoice_page = document_pages(
    bp,
    INVOICES,
    edit_data=lambda invoice: {
        "customer_name": invoice.customer_name,
        "invoice_date": invoice.invoice_date,
        "due_date": invoice.due_date,
        "invoice_number": invoice.number,
    },
    detail_context=_detail_context,
    new_defaults=_new_defaults,
)


@bp.get("/")
@require("portal.read")
def index() -> ResponseReturnValue:
    actor = acting_user()
    status = request.args.get("status") or None
    customer = request.args.get("customer") or None
    overdue = request.args.get("overdue") == "1"
    try:
        invoices, next_cursor = services.list_invoices(
            actor,
            status=status,
            overdue=overdue,
            customer_id=customer,
            limit=DEFAULT_LIMIT,
            cursor=request.args.get("cursor") or None,
        )
    except PortalError:
        return redirect(url_for("invoices.index"))
    return render_template(
        "invoices/index.html",
        invoices=invoices,
        next_cursor=next_cursor,
        status=status,
        customer=customer,
        overdue=overdue,
        statuses=InvoiceStatus.ALL,
        STATUS_LABELS=STATUS_LABELS,
        **pages.choices(actor.organization_id),
    )


@bp.post("/<public_id>/payments")
@require(INVOICES.transition("record_payment").permission)
def record_payment(public_id: str) -> ResponseReturnValue:
    actor = acting_user()
    invoice = services.get_invoice(actor, public_id)
    form = PaymentForm()
    if not form.validate_on_submit():
        return detail_page(INVOICES, invoice, lambda i: _detail_context(i, form), 400)
    try:
        services.record_payment(actor, public_id, form.data)
    except PortalError as exc:
        if exc.status >= 500:
            raise
        if not apply_error(form, exc):
            flash(str(exc.error), "error")
        invoice = services.get_invoice(actor, public_id)
        return detail_page(INVOICES, invoice, lambda i: _detail_context(i, form), exc.status)
    flash(str(INVOICES.transition("record_payment").done), "success")
    return redirect(invoice_page(public_id))
