"""``GET /api/v1/dashboard?from=&to=``: the managers' figures for a period."""

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.api import api_blueprint
from portal.dashboard.serializers import dashboard_json
from portal.dashboard.services import dashboard
from portal.envelope import ok
from portal.periods import period_from
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = api_blueprint("dashboard", __name__)


@bp.get("/dashboard")
@require("dashboard.view")
def get_dashboard() -> ResponseReturnValue:
    actor = acting_user()
    period = period_from(request.args, actor.organization.today())
    return ok(_("Request completed"), dashboard_json(dashboard(actor, period)))
