"""The organisation: its settings and fiscal profile (OWNER may change them), its logo."""

from typing import Any

from flask import Response, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.accounts.models import Organization
from portal.accounts.serializers import organization_json
from portal.api import api_blueprint
from portal.envelope import ok
from portal.errors import NotFound, ValidationError
from portal.fiscal.logo import MAX_BYTES
from portal.forms import WRONG_TYPE, form_from_json, json_body
from portal.organization import services
from portal.organization.forms import OrganizationUpdateForm
from portal.security.identity import acting_user
from portal.security.permissions import require

bp = api_blueprint("organization", __name__)


def profile_json(organization: Organization) -> dict[str, Any]:
    """The organisation as the API shows it: settings, plan and limits, fiscal profile."""
    return {
        **organization_json(organization),
        "legalName": organization.legal_name,
        "taxId": organization.tax_id,
        "country": organization.country,
        "address": {
            "street": organization.street,
            "postalCode": organization.postal_code,
            "city": organization.city,
            "region": organization.region,
            "country": organization.country,
        },
        "email": organization.email,
        "phone": organization.phone,
        "iban": organization.iban,
        "bankDetails": organization.bank_details,
        "paymentTermsDays": organization.payment_terms_days,
        "invoiceFooter": organization.invoice_footer,
        "invoicePrefix": organization.invoice_prefix,
        "quotePrefix": organization.quote_prefix,
        "taxRates": list(organization.tax_rates or []),
        "mailReplyTo": organization.mail_reply_to,
        "mailTemplates": organization.mail_templates or {},
        "reminders": {
            "enabled": organization.reminders_enabled,
            "days": list(organization.reminder_days or []),
        },
        "logoUrl": url_for("api_organization.get_logo") if organization.logo_type else None,
    }


def reminder_changes(value: Any) -> dict[str, Any]:
    """``{"enabled": bool, "days": [-3, 0, 7, 30]}``, either part alone (the service checks
    the days)."""
    if not isinstance(value, dict) or set(value) - {"enabled", "days"}:
        raise ValidationError({"reminders": WRONG_TYPE})
    changes: dict[str, Any] = {}
    if "enabled" in value:
        if not isinstance(value["enabled"], bool):
            raise ValidationError({"reminders.enabled": WRONG_TYPE})
        changes["reminders_enabled"] = value["enabled"]
    if "days" in value:
        changes["reminder_days"] = value["days"] if value["days"] is not None else []
    return changes


@bp.get("/organization")
@require("portal.read")
def get_organization() -> ResponseReturnValue:
    return ok(_("Request completed"), profile_json(acting_user().organization))


@bp.patch("/organization")
@require("organization.manage")
def update_organization() -> ResponseReturnValue:
    """Change what the body names (inside ``address`` too); ``null`` is a blank value."""
    actor = acting_user()
    organization = actor.organization
    form = form_from_json(
        OrganizationUpdateForm, partial=True, fallback_country=organization.country
    )
    changes = form.profile_changes()
    body = json_body()
    if "mailTemplates" in body:  # nested by purpose and language: the service checks it
        templates = body["mailTemplates"]
        changes["mail_templates"] = {} if templates is None else templates
    if "reminders" in body:
        changes.update(reminder_changes(body["reminders"]))
    organization = services.update_profile(organization, changes)
    if "plan" in form:
        services.change_plan(organization, form.plan.data, changed_by=actor)
    return ok(_("Organisation updated"), profile_json(organization))


@bp.get("/organization/logo")
@require("portal.read")
def get_logo() -> ResponseReturnValue:
    logo = services.logo_of(acting_user().organization_id)
    if logo is None:
        raise NotFound()
    return Response(logo.data, mimetype=logo.media_type)


@bp.put("/organization/logo")
@require("organization.manage")
def put_logo() -> ResponseReturnValue:
    """The image as the raw body, or as the multipart field ``logo``."""
    upload = request.files.get("logo")
    data = upload.read(MAX_BYTES + 1) if upload is not None else request.get_data()
    organization = services.set_logo(acting_user().organization, data)
    return ok(_("Logo saved"), profile_json(organization))


@bp.delete("/organization/logo")
@require("organization.manage")
def delete_logo() -> ResponseReturnValue:
    organization = services.remove_logo(acting_user().organization)
    return ok(_("Logo removed"), profile_json(organization))
