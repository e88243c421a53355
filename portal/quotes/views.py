"""Quote pages: the document pages of the kernel, the list and the conversion."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from portal.documents import pages
from portal.documents.labels import STATUS_LABELS
from portal.documents.views import document_pages
from portal.errors import PortalError
from portal.pagination import DEFAULT_LIMIT
from portal.quotes import services
from portal.quotes.document import QUOTES, invoice_of
from portal.quotes.forms import DecisionForm
from portal.quotes.models import QuoteStatus
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.web import refusals_go_back

bp = Blueprint("quotes", __name__, url_prefix="/quotes")

quote_page = document_pages(
    bp,
    QUOTES,
    edit_data=lambda quote: {"issue_date": quote.issue_date, "valid_until": quote.valid_until},
    detail_context=lambda quote: {
        "invoice": invoice_of(quote),
        "decision_form": DecisionForm(),
    },
)


@bp.get("/")
@require("portal.read")
def index() -> ResponseReturnValue:
    actor = acting_user()
    status = request.args.get("status") or None
    customer = request.args.get("customer") or None
    try:
        quotes, next_cursor = services.list_quotes(
            actor,
            status=status,
            customer_id=customer,
            limit=DEFAULT_LIMIT,
            cursor=request.args.get("cursor") or None,
        )
    except PortalError:
        return redirect(url_for("quotes.index"))
    return render_template(
        "quotes/index.html",
        quotes=quotes,
        next_cursor=next_cursor,
        status=status,
        customer=customer,
        statuses=QuoteStatus.ALL,
        STATUS_LABELS=STATUS_LABELS,
        **pages.choices(actor.organization_id),
    )


@bp.post("/<public_id>/convert")
@require(QUOTES.transition("convert").permission)
@refusals_go_back(quote_page)
def convert(public_id: str) -> ResponseReturnValue:
    invoice = services.convert_quote(acting_user(), public_id)
    flash(str(QUOTES.transition("convert").done), "success")
    return redirect(url_for("invoices.show", public_id=invoice.public_id))
