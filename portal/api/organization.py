from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.accounts.serializers import organization_json
from portal.api import api_blueprint
from portal.envelope import ok
from portal.forms import form_from_json
from portal.organization import services
from portal.organization.forms import OrganizationUpdateForm
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = api_blueprint("organization", __name__)


@bp.get("/organization")
@require("portal.read")
def get_organization() -> ResponseReturnValue:
    return ok(_("Request completed"), organization_json(acting_user().organization))


@bp.patch("/organization")
@require("organization.manage")
def update_organization() -> ResponseReturnValue:
    actor = acting_user()
    form = form_from_json(OrganizationUpdateForm, partial=True)
    organization = services.update_settings(
        actor.organization,
        **{
            name: form[name].data
            for name in ("name", "currency", "locale", "time_zone")
            if name in form
        },
    )
    if "plan" in form:
        services.change_plan(organization, form.plan.data, changed_by=actor)
    return ok(_("Organisation updated"), organization_json(organization))
