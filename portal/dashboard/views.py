"""The managers' dashboard. Figures arrive with invoices; this is its frame."""

from flask import Blueprint, render_template

from portal.security.identity import current_identity
from portal.security.permissions import require

bp = Blueprint("dashboard", __name__)


@bp.get("/")
@require("dashboard.view")
def index():
    organization = current_identity().organization
    return render_template("dashboard/index.html", organization=organization)
