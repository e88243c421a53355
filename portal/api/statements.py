"""``/api/v1/customers/<id>/statement`` (JSON, movements paged) and ``…/statement/pdf``."""

from __future__ import annotations

from flask import Response, request
from flask_babel import gettext as _

from portal.api import api_blueprint
from portal.envelope import ok
from portal.pagination import page_args
from portal.periods import period_from
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.statements import services
from portal.statements.pdf import statement_pdf
from portal.statements.serializers import statement_json

bp = api_blueprint("statements", __name__)


@bp.get("/customers/<public_id>/statement")
@require("portal.read")
def customer_statement(public_id: str) -> Response:
    actor = acting_user()
    customer = services.statement_customer(actor, public_id)  # 404 before a bad period's 400
    period = period_from(request.args, actor.organization.today())
    limit, cursor = page_args()
    statement = services.customer_statement(actor, customer, period, limit=limit, cursor=cursor)
    return ok(_("Request completed"), statement_json(statement))


@bp.get("/customers/<public_id>/statement/pdf")
@require("portal.read")
def customer_statement_pdf(public_id: str) -> Response:
    actor = acting_user()
    customer = services.statement_customer(actor, public_id)
    period = period_from(request.args, actor.organization.today())
    return statement_pdf(services.full_statement(actor, customer, period), actor.organization)
