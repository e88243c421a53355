"""Organisation settings (OWNER): name, currency and language of documents."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.organization import billing, services
from portal.organization.forms import OrganizationForm
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = Blueprint("organization", __name__, url_prefix="/settings")
bp.add_url_rule("/billing", "billing", billing.billing, methods=["GET"])
bp.add_url_rule("/plan", "change_plan", billing.change_plan, methods=["POST"])


def _render(form: OrganizationForm):
    status = 400 if form.errors else 200
    return render_template("organization/settings.html", form=form), status


@bp.route("/", methods=["GET", "POST"])
@require("organization.manage")
def settings() -> ResponseReturnValue:
    organization = acting_user().organization
    form = OrganizationForm(obj=organization)
    if form.validate_on_submit():
        services.update_settings(
            organization,
            name=form.name.data,
            currency=form.currency.data,
            locale=form.locale.data,
            time_zone=form.time_zone.data,
        )
        flash(_("Changes saved."), "success")
        return redirect(url_for("organization.settings"))
    return _render(form)
