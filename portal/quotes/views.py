"""Quote pages: the document pages of the kernel, the list and the conversion."""

from flask import Blueprint, flash, redirect, url_for
from flask.typing import ResponseReturnValue

from portal.documents.views import document_pages, list_page
from portal.quotes import services
from portal.quotes.document import QUOTES, invoice_of
from portal.quotes.forms import DecisionForm
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


list_page(bp, QUOTES, items="quotes")


@bp.post("/<public_id>/convert")
@require(QUOTES.transition("convert").permission)
@refusals_go_back(quote_page)
def convert(public_id: str) -> ResponseReturnValue:
    invoice = services.convert_quote(acting_user(), public_id)
    flash(str(QUOTES.transition("convert").done), "success")
    return redirect(url_for("invoices.show", public_id=invoice.public_id))
