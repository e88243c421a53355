from flask import request
from flask_babel import gettext as _

from portal.api import bp
from portal.api.documents import document_input, history_json, pdf_response
from portal.documents.pdf import render_quote
from portal.envelope import created, ok
from portal.forms import form_from_json
from portal.invoices.serializers import invoice_json
from portal.pagination import page_args
from portal.quotes import services
from portal.quotes.forms import DecisionForm, QuoteForm
from portal.quotes.serializers import quote_json
from portal.security.identity import current_identity
from portal.security.permissions import require


def _detail(quote) -> dict:
    invoice = services.invoice_of(quote)
    return quote_json(quote, detail=True, invoice_id=invoice.public_id if invoice else None)


@bp.get("/quotes")
@require("portal.read")
def list_quotes():
    limit, cursor = page_args()
    quotes, next_cursor = services.list_quotes(
        current_identity(),
        status=request.args.get("status") or None,
        customer_id=request.args.get("customerId") or None,
        limit=limit,
        cursor=cursor,
    )
    return ok(
        _("Request completed"),
        {"items": [quote_json(q) for q in quotes], "nextCursor": next_cursor},
    )


@bp.post("/quotes")
@require("quotes.write")
def create_quote():
    actor = current_identity()
    data, lines = document_input(QuoteForm, actor)
    return created(_("Quote created"), _detail(services.create_quote(actor, data, lines)))


@bp.get("/quotes/<public_id>")
@require("portal.read")
def get_quote(public_id: str):
    return ok(_("Request completed"), _detail(services.get_quote(current_identity(), public_id)))


@bp.patch("/quotes/<public_id>")
@require("quotes.write")
def update_quote(public_id: str):
    actor = current_identity()
    services.get_quote(actor, public_id)  # another tenant's id: 404 before any 400
    data, lines = document_input(QuoteForm, actor)
    return ok(_("Quote updated"), _detail(services.update_quote(actor, public_id, data, lines)))


@bp.post("/quotes/<public_id>/send")
@require("quotes.write")
def send_quote(public_id: str):
    return ok(_("Quote sent"), _detail(services.send_quote(current_identity(), public_id)))


def _reason() -> str:
    if not request.get_data():
        return ""
    return form_from_json(DecisionForm).reason.data or ""


@bp.post("/quotes/<public_id>/accept")
@require("quotes.write")
def accept_quote(public_id: str):
    quote = services.decide_as_member(
        current_identity(), public_id, accepted=True, reason=_reason()
    )
    return ok(_("Quote accepted"), _detail(quote))


@bp.post("/quotes/<public_id>/reject")
@require("quotes.write")
def reject_quote(public_id: str):
    quote = services.decide_as_member(
        current_identity(), public_id, accepted=False, reason=_reason()
    )
    return ok(_("Quote rejected"), _detail(quote))


@bp.post("/quotes/<public_id>/convert")
@require("quotes.convert")
def convert_quote(public_id: str):
    invoice = services.convert_quote(current_identity(), public_id)
    return created(_("Invoice created"), invoice_json(invoice, detail=True))


@bp.get("/quotes/<public_id>/history")
@require("portal.read")
def quote_history(public_id: str):
    quote = services.get_quote(current_identity(), public_id)
    return ok(_("Request completed"), history_json(quote, services.DOCUMENT))


@bp.get("/quotes/<public_id>/pdf")
@require("portal.read")
def quote_pdf(public_id: str):
    actor = current_identity()
    quote = services.get_quote(actor, public_id)
    return pdf_response(render_quote(quote, actor.organization), quote.number)
