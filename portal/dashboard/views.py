"""The managers' dashboard page: the figures of a period, charts and top lists."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue

from portal.dashboard.figures import dashboard_charts
from portal.dashboard.serializers import change
from portal.dashboard.services import Dashboard, dashboard
from portal.errors import ValidationError
from portal.periods import PRESETS, period_from
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@require("dashboard.view")
def index() -> ResponseReturnValue:
    actor = acting_user()
    today = actor.organization.today()
    try:
        period = period_from(request.args, today)
    except ValidationError as exc:  # a typed range that cannot be: say so, show the default
        board = dashboard(actor, period_from({}, today))
        return _page(board, today, errors=exc.errors, status=400)
    return _page(board=dashboard(actor, period), today=today)


def _page(
    board: Dashboard, today: date, errors: dict | None = None, status: int = 200
) -> ResponseReturnValue:
    presets = [
        (key, label, preset(today) == board.period) for key, (label, preset) in PRESETS.items()
    ]
    return render_template(
        "dashboard/index.html",
        organization=acting_user().organization,
        board=board,
        presets=presets,
        errors=errors or {},
        change=change,
        raw_from=request.args.get("from", ""),
        raw_to=request.args.get("to", ""),
        charts=dashboard_charts(board),
    ), status
