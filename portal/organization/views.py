"""Organisation settings (OWNER): name, currency, language and plan."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _

from portal.errors import InvalidState
from portal.organization import services
from portal.organization.forms import OrganizationForm, PlanForm
from portal.security.identity import current_identity
from portal.security.permissions import require

bp = Blueprint("organization", __name__, url_prefix="/settings")


def _render(form: OrganizationForm, plan_form: PlanForm):
    status = 400 if form.errors or plan_form.errors else 200
    return render_template("organization/settings.html", form=form, plan_form=plan_form), status


@bp.route("/", methods=["GET", "POST"])
@require("organization.manage")
def settings():
    organization = current_identity().organization
    form = OrganizationForm(obj=organization)
    if form.validate_on_submit():
        services.update_settings(
            organization, name=form.name.data, currency=form.currency.data, locale=form.locale.data
        )
        flash(_("Changes saved."), "success")
        return redirect(url_for("organization.settings"))
    return _render(form, PlanForm(obj=organization))


@bp.post("/plan")
@require("organization.manage")
def change_plan():
    actor = current_identity()
    plan_form = PlanForm()
    if plan_form.validate_on_submit():
        try:
            services.change_plan(actor.organization, plan_form.plan.data, changed_by=actor)
        except InvalidState as exc:
            plan_form.plan.errors = [exc.message]
        else:
            flash(_("Plan changed to %(plan)s.", plan=plan_form.plan.data), "success")
            return redirect(url_for("organization.settings"))
    return _render(OrganizationForm(obj=actor.organization), plan_form)
