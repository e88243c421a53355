"""``/api/v1/invoices``: the document routes, the list with its filters, and payments."""

from flask import Response, request
from flask_babel import gettext as _

from portal.api import api_blueprint
from portal.api.documents import document_routes
from portal.envelope import created, ok
from portal.errors import ValidationError
from portal.forms import WRONG_TYPE, form_from_json, json_body
from portal.idempotency.services import idempotent
from portal.invoices import services
from portal.invoices.document import INVOICES
from portal.invoices.forms import PaymentForm
from portal.invoices.serializers import payment_json
from portal.pagination import page_args
from portal.reminders import services as reminders
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.sqljson import embedded

TRUE_WORDS = {"1", "true", "yes"}

bp = api_blueprint("invoices", __name__)
document_routes(bp, INVOICES)


@bp.get("/invoices")
@require("portal.read")
def list_invoices() -> Response:
    limit, cursor = page_args()
    actor = acting_user()
    invoices, next_cursor = services.list_invoices(
        actor,
        q=request.args.get("q"),
        status=request.args.get("status") or None,
        overdue=request.args.get("overdue", "").lower() in TRUE_WORDS,
        customer_id=request.args.get("customerId") or None,
        limit=limit,
        cursor=cursor,
        summaries=True,
    )
    items = embedded(row[0] for row in invoices)
    return ok(_("Request completed"), {"items": items, "nextCursor": next_cursor})


@bp.get("/invoices/<public_id>/payments")
@require("portal.read")
def list_payments(public_id: str) -> Response:
    invoice = services.get_invoice(acting_user(), public_id)
    items = [payment_json(p) for p in services.payments_of(invoice)]
    return ok(_("Request completed"), {"items": items, "nextCursor": None})


@bp.post("/invoices/<public_id>/payments")
@require(INVOICES.transition("record_payment").permission)
@idempotent
def record_payment(public_id: str) -> Response:
    actor = acting_user()
    # Another tenant's id: 404 before any 400. The object is the session's one, which the
    # payment's locked read refreshes and changes: the answer needs no read of its own.
    invoice = services.get_invoice(actor, public_id)
    form = form_from_json(PaymentForm)
    payment = services.record_payment(actor, public_id, form.data)
    return created(
        INVOICES.transition("record_payment").done,
        {"payment": payment_json(payment), "invoice": INVOICES.to_json(invoice, detail=True)},
    )


@bp.get("/invoices/<public_id>/reminders")
@require("portal.read")
def get_reminders(public_id: str) -> Response:
    invoice = services.get_invoice(acting_user(), public_id)
    return ok(_("Request completed"), reminders_json(invoice))


@bp.put("/invoices/<public_id>/reminders")
@require(INVOICES.write_permission)
def set_reminders(public_id: str) -> Response:
    """``{"enabled": false}``: no payment reminder for this invoice (``true``: the ladder's)."""
    actor = acting_user()
    services.get_invoice(actor, public_id)  # another tenant's id: 404 before any 400
    enabled = json_body().get("enabled")
    if not isinstance(enabled, bool):
        raise ValidationError({"enabled": WRONG_TYPE})
    invoice = reminders.set_invoice_reminders(actor, public_id, enabled)
    message = _("Reminders on") if enabled else _("Reminders off")
    return ok(message, reminders_json(invoice))


def reminders_json(invoice) -> dict:
    """The invoice's reminders: whether they go, those sent, and the next one's day."""
    sent = reminders.reminders_of(invoice)
    upcoming = reminders.next_reminder(invoice, invoice.organization.today(), sent)
    return {
        "enabled": invoice.reminders_enabled,
        "organizationEnabled": invoice.organization.reminders_enabled,
        "items": [reminders.reminder_json(r) for r in sent],
        "nextOn": upcoming.isoformat() if upcoming else None,
    }
