"""``/api/v1/reports/<name>`` (PRO): a report as the envelope's data, or as CSV."""

from flask import request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.api import api_blueprint
from portal.envelope import ok
from portal.reports.http import csv_response, wants_csv
from portal.reports.registry import NAMES, REPORTS, run_report
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.security.plans import require_pro

bp = api_blueprint("reports", __name__)


@bp.get(f"/reports/<any({NAMES}):name>")
@require("portal.read")
@require_pro
def report(name: str) -> ResponseReturnValue:
    kind = REPORTS[name]
    as_csv = wants_csv("json")
    actor = acting_user()
    period, result = run_report(kind, actor, request.args, every_row=as_csv)
    if as_csv:
        return csv_response(kind, result, period, actor.organization.today())
    return ok(_("Request completed"), kind.to_json(result))
