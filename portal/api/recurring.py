"""``/api/v1/recurring-invoices``: the document routes of a recurring profile (create, read,
update, history, pause and resume) and its list."""

from flask import Response, request
from flask_babel import gettext as _

from portal.api import api_blueprint
from portal.api.documents import document_routes
from portal.envelope import ok
from portal.pagination import page_args
from portal.recurring import services
from portal.recurring.document import RECURRING
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = api_blueprint("recurring", __name__)
document_routes(bp, RECURRING)


@bp.get("/recurring-invoices")
@require("portal.read")
def list_recurring() -> Response:
    limit, cursor = page_args()
    profiles, next_cursor = services.list_recurring(
        acting_user(),
        status=request.args.get("status") or None,
        customer_id=request.args.get("customerId") or None,
        limit=limit,
        cursor=cursor,
    )
    return ok(
        _("Request completed"),
        {"items": [RECURRING.to_json(p) for p in profiles], "nextCursor": next_cursor},
    )
