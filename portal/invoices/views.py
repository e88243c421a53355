"""Invoice pages: list with filters, write, detail with payments, actions, history, PDF."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.api.documents import pdf_response
from portal.documents import pages
from portal.documents.history import events_of
from portal.documents.labels import ACTION_LABELS, STATUS_LABELS
from portal.documents.pdf import render_invoice
from portal.errors import PortalError
from portal.forms import apply_error
from portal.invoices import services
from portal.invoices.forms import PAYMENT_METHODS, InvoiceForm, PaymentForm
from portal.invoices.models import InvoiceStatus
from portal.pagination import DEFAULT_LIMIT
from portal.security.identity import current_identity
from portal.security.permissions import require
from portal.team.services import names_of
from portal.web import refusals_go_back

bp = Blueprint("invoices", __name__, url_prefix="/invoices")


@bp.get("/")
@require("portal.read")
def index():
    actor = current_identity()
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


def _form_page(form: InvoiceForm, invoice=None, status: int = 200):
    return pages.form_page("invoices/form.html", form, invoice, status)


def _save(form: InvoiceForm, invoice=None):
    return pages.save(
        form,
        invoice,
        template="invoices/form.html",
        create=services.create_invoice,
        update=services.update_invoice,
        show_endpoint="invoices.show",
        created=_("Invoice created"),
        updated=_("Invoice updated"),
    )


@bp.route("/new", methods=["GET", "POST"])
@require("invoices.write")
def new():
    form = InvoiceForm()
    if request.method == "POST":
        return _save(form)
    form.invoice_date.data = current_identity().organization.today()
    form.customer_id.data = request.args.get("customer", "")
    return _form_page(form)


@bp.route("/<public_id>/edit", methods=["GET", "POST"])
@require("invoices.write")
def edit(public_id: str):
    invoice = services.get_invoice(current_identity(), public_id)
    if invoice.status != InvoiceStatus.DRAFT:
        flash(str(services.ONLY_DRAFT_EDITED), "error")
        return redirect(url_for("invoices.show", public_id=public_id))
    if request.method == "POST":
        return _save(InvoiceForm(), invoice)
    data = pages.document_data(
        invoice,
        customer_name=invoice.customer_name,
        invoice_date=invoice.invoice_date,
        due_date=invoice.due_date,
        invoice_number=invoice.number,
    )
    return _form_page(InvoiceForm(data=data), invoice)


def _detail(invoice, payment_form: PaymentForm | None = None, status: int = 200):
    events = events_of(invoice, services.DOCUMENT)
    if payment_form is None:
        payment_form = PaymentForm(
            formdata=None, paid_on=invoice.organization.today(), amount=invoice.balance
        )
    return render_template(
        "invoices/detail.html",
        invoice=invoice,
        payments=services.payments_of(invoice),
        payment_form=payment_form,
        events=events,
        actors=names_of({e.actor_id for e in events if e.actor_id}),
        STATUS_LABELS=STATUS_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        PAYMENT_METHODS=PAYMENT_METHODS,
    ), status


@bp.get("/<public_id>")
@require("portal.read")
def show(public_id: str):
    return _detail(services.get_invoice(current_identity(), public_id))


def _invoice_page(public_id: str) -> str:
    return url_for("invoices.show", public_id=public_id)


def _act(public_id: str, run, message: str):
    """Run one state change (a refusal goes back to the invoice's page: refusals_go_back)."""
    run()
    flash(message, "success")
    return redirect(_invoice_page(public_id))


@bp.post("/<public_id>/issue")
@require("invoices.write")
@refusals_go_back(_invoice_page)
def issue(public_id: str):
    return _act(
        public_id,
        lambda: services.issue_invoice(current_identity(), public_id),
        _("Invoice issued"),
    )


@bp.post("/<public_id>/void")
@require("invoices.write")
@refusals_go_back(_invoice_page)
def void(public_id: str):
    return _act(
        public_id, lambda: services.void_invoice(current_identity(), public_id), _("Invoice voided")
    )


@bp.post("/<public_id>/payments")
@require("payments.record")
def record_payment(public_id: str):
    actor = current_identity()
    invoice = services.get_invoice(actor, public_id)
    form = PaymentForm()
    if form.validate_on_submit():
        try:
            services.record_payment(actor, public_id, form.data)
        except PortalError as exc:
            if exc.status >= 500:
                raise
            if not apply_error(form, exc):
                flash(str(exc.error), "error")
            return _detail(services.get_invoice(actor, public_id), form, exc.status)
        flash(_("Payment recorded"), "success")
        return redirect(url_for("invoices.show", public_id=public_id))
    return _detail(invoice, form, 400)


@bp.get("/<public_id>/pdf")
@require("portal.read")
def pdf(public_id: str):
    actor = current_identity()
    invoice = services.get_invoice(actor, public_id)
    return pdf_response(render_invoice(invoice, actor.organization), invoice.number)
