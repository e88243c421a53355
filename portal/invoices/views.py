"""Invoice pages: the document pages of the kernel, the list with its filters, payments and
payment reminders."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select

from portal.documents import pages
from portal.documents.labels import OVERDUE_LABEL, status_labels
from portal.documents.views import detail_page, document_pages
from portal.errors import PortalError
from portal.extensions import db
from portal.forms import apply_error
from portal.invoices import services
from portal.invoices.document import INVOICES
from portal.invoices.forms import PAYMENT_METHODS, PaymentForm
from portal.invoices.models import InvoiceStatus
from portal.mail.models import OutgoingMessage
from portal.mail.services import STATUS_NAMES
from portal.pagination import DEFAULT_LIMIT
from portal.reminders import services as reminders
from portal.reminders.models import ReminderOutcome
from portal.security.identity import acting_user
from portal.security.permissions import can, require

bp = Blueprint("invoices", __name__, url_prefix="/invoices")

# A reminder's e-mail as its queue says (``mail.services.STATUS_NAMES``).
REMINDER_MAIL_LABELS = {
    "QUEUED": _l("E-mail queued"),
    "SENT": _l("E-mail sent"),
    "FAILED": _l("E-mail failed"),
}
SENT_BY_EMAIL = _l("Sent by e-mail")


def _detail_context(invoice, payment_form: PaymentForm | None = None) -> dict:
    if payment_form is None:
        today = invoice.organization.today()
        payment_form = PaymentForm(formdata=None, paid_on=today, amount=invoice.balance)
    return {
        "payments": services.payments_of(invoice),
        "payment_form": payment_form,
        "PAYMENT_METHODS": PAYMENT_METHODS,
        "history_values": {"method": PAYMENT_METHODS},
        "reminders": _reminders_context(invoice),
        "recurring_url": _recurring_url(invoice),
    }


def _reminders_context(invoice) -> dict:
    """The invoice's payment reminders card: shown for an open invoice, or one that was
    reminded before it was paid or voided."""
    organization = invoice.organization
    sent = reminders.reminders_of(invoice)
    is_open = invoice.status in InvoiceStatus.OPEN
    mail_status = _mail_status({r.message_id for r in sent if r.message_id is not None})
    return {
        "shown": is_open or bool(sent),
        "open": is_open,
        "enabled": invoice.reminders_enabled,
        "organization_enabled": bool(organization.reminders_enabled and organization.reminder_days),
        "sent": [
            {
                "sent_on": r.sent_on,
                "days": r.days,
                "no_email": r.outcome == ReminderOutcome.NO_EMAIL,
                # No row left (a purged message): it went, as far as the page knows.
                "mail_status": REMINDER_MAIL_LABELS.get(
                    mail_status.get(r.message_id, "") if r.message_id is not None else "",
                    SENT_BY_EMAIL,
                ),
            }
            for r in sent
        ],
        "next_on": reminders.next_reminder(invoice, organization.today(), sent),
        "may_switch": is_open and can(INVOICES.write_permission),
    }


def _mail_status(message_ids: set[int]) -> dict[int, str]:
    """The queue status of the reminders' e-mails (QUEUED, SENT, FAILED) by message id."""
    if not message_ids:
        return {}
    rows = db.session.execute(
        select(OutgoingMessage.id, OutgoingMessage.status).where(
            OutgoingMessage.id.in_(message_ids)
        )
    )
    return {id_: STATUS_NAMES.get(status, status) for id_, status in rows}


def _recurring_url(invoice) -> str | None:
    """The page of the recurring invoice that made this one."""
    if invoice.recurring is None:
        return None
    return url_for("recurring.show", public_id=invoice.recurring.public_id)


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
            q=request.args.get("q"),
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
        STATUS_LABELS=status_labels(INVOICES.key),
        OVERDUE_LABEL=OVERDUE_LABEL,
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


@bp.post("/<public_id>/reminders")
@require(INVOICES.write_permission)
def set_reminders(public_id: str) -> ResponseReturnValue:
    """Turn this invoice's payment reminders off ("enabled" = "0") or on ("1")."""
    actor = acting_user()
    services.get_invoice(actor, public_id)  # another organisation's: 404
    if FlaskForm().validate_on_submit():
        enabled = request.form.get("enabled") == "1"
        reminders.set_invoice_reminders(actor, public_id, enabled)
        flash(_("Reminders on") if enabled else _("Reminders off"), "success")
    return redirect(invoice_page(public_id))
