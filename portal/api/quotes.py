"""``/api/v1/quotes``: the document routes, the list and the conversion into an invoice."""

from flask import Response, request
from flask_babel import gettext as _

from portal.api import api_blueprint
from portal.api.documents import document_routes
from portal.envelope import created, ok
from portal.idempotency.services import idempotent
from portal.invoices.document import INVOICES
from portal.pagination import page_args
from portal.quotes import services
from portal.quotes.document import QUOTES
from portal.quotes.serializers import quote_json
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = api_blueprint("quotes", __name__)
document_routes(bp, QUOTES)


@bp.get("/quotes")
@require("portal.read")
def list_quotes() -> Response:
    limit, cursor = page_args()
    quotes, next_cursor = services.list_quotes(
        acting_user(),
        status=request.args.get("status") or None,
        customer_id=request.args.get("customerId") or None,
        limit=limit,
        cursor=cursor,
    )
    return ok(
        _("Request completed"),
        {"items": [quote_json(q) for q in quotes], "nextCursor": next_cursor},
    )


@bp.post("/quotes/<public_id>/convert")
@require(QUOTES.transition("convert").permission)
@idempotent
def convert_quote(public_id: str) -> Response:
    invoice = services.convert_quote(acting_user(), public_id)
    return created(QUOTES.transition("convert").done, INVOICES.to_json(invoice, detail=True))
