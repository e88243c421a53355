"""The billing page (OWNER): the plan, its limits, this minute's usage, plan changes."""

from flask import flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.errors import InvalidState
from portal.organization import services
from portal.organization.forms import PlanForm
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.security.plans import PLAN_LIMITS, limits_for, plan_label
from portal.security.throttle import usage
from portal.team.services import active_user_count


@require("billing.manage")
def billing(plan_form: PlanForm | None = None, status: int = 200) -> ResponseReturnValue:
    organization = acting_user().organization
    return render_template(
        "organization/billing.html",
        organization=organization,
        limits=limits_for(organization),
        plans=PLAN_LIMITS,
        usage=usage(),
        users=active_user_count(organization.id),
        changes=services.plan_changes(organization.id),
        plan_form=plan_form or PlanForm(obj=organization),
    ), status


@require("billing.manage")
def change_plan() -> ResponseReturnValue:
    actor = acting_user()
    plan_form = PlanForm()
    if plan_form.validate_on_submit():
        try:
            services.change_plan(actor.organization, plan_form.plan.data, changed_by=actor)
        except InvalidState as exc:
            plan_form.plan.errors = [exc.message]
        else:
            flash(_("Plan changed to %(plan)s.", plan=plan_label(plan_form.plan.data)), "success")
            return redirect(url_for("organization.billing"))
    return billing(plan_form, 400)
