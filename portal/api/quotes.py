"""``/api/v1/quotes``: the document routes, the list and the conversion into an invoice."""

from flask import Response

from portal.api import api_blueprint
from portal.api.documents import document_routes, list_route
from portal.envelope import created
from portal.idempotency.services import idempotent
from portal.invoices.document import INVOICES
from portal.quotes import services
from portal.quotes.document import QUOTES
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = api_blueprint("quotes", __name__)
document_routes(bp, QUOTES)
list_route(bp, QUOTES, "list_quotes")


@bp.post("/quotes/<public_id>/convert")
@require(QUOTES.transition("convert").permission)
@idempotent
def convert_quote(public_id: str) -> Response:
    invoice = services.convert_quote(acting_user(), public_id)
    return created(QUOTES.transition("convert").done, INVOICES.to_json(invoice, detail=True))
