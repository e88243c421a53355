"""The managers' dashboard page."""

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from portal.security.identity import acting_user
from portal.security.permissions import require

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@require("dashboard.view")
def index() -> ResponseReturnValue:
    organization = acting_user().organization
    return render_template("dashboard/index.html", organization=organization)
