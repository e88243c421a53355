"""Organisation settings (OWNER): name, fiscal profile, tax table, series, logo, currency,
language and time zone."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.errors import NotFound, PortalError
from portal.fiscal.logo import MAX_BYTES
from portal.forms import apply_error
from portal.organization import billing, services
from portal.organization.forms import LogoForm, OrganizationForm
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.web import refusals_go_back

bp = Blueprint("organization", __name__, url_prefix="/settings")
bp.add_url_rule("/billing", "billing", billing.billing, methods=["GET"])
bp.add_url_rule("/plan", "change_plan", billing.change_plan, methods=["POST"])


def _settings_page() -> str:
    return url_for("organization.settings")


def _render(form: OrganizationForm, status: int = 200) -> ResponseReturnValue:
    organization = acting_user().organization
    form.pad_tax_rows()
    return render_template(
        "organization/settings.html",
        form=form,
        logo_form=LogoForm(),
        organization=organization,
        currency_locked=services.has_documents(organization.id),
        invoice_prefix_locked=services.series_in_use(organization, "invoice_prefix"),
        quote_prefix_locked=services.series_in_use(organization, "quote_prefix"),
    ), status


@bp.route("/", methods=["GET", "POST"])
@require("organization.manage")
def settings() -> ResponseReturnValue:
    organization = acting_user().organization
    form = OrganizationForm(organization=organization)
    if request.method == "GET":
        return _render(form)
    # A post that carries no row of the table (not the page's own form) leaves it alone.
    tax_rates_sent = any(key.startswith("tax_rates-") for key in request.form)
    form.drop_blank_tax_rows()
    if form.validate_on_submit():
        try:
            services.update_profile(organization, form.profile_changes(tax_rates=tax_rates_sent))
        except PortalError as exc:
            if exc.status >= 500:
                raise
            if not apply_error(form, exc):
                flash(str(exc.error), "error")
            return _render(form, exc.status)  # a refusal: nothing was changed
        flash(_("Changes saved."), "success")
        return redirect(_settings_page())
    return _render(form, 400)


@bp.post("/logo")
@require("organization.manage")
@refusals_go_back(_settings_page)
def upload_logo() -> ResponseReturnValue:
    form = LogoForm()
    if form.validate_on_submit():
        upload = request.files.get(form.logo.name)
        services.set_logo(acting_user().organization, upload.read(MAX_BYTES + 1) if upload else b"")
        flash(_("Logo saved."), "success")
    return redirect(_settings_page())


@bp.post("/logo/remove")
@require("organization.manage")
def remove_logo() -> ResponseReturnValue:
    if LogoForm().validate_on_submit():
        services.remove_logo(acting_user().organization)
        flash(_("Logo removed."), "success")
    return redirect(_settings_page())


@bp.get("/logo")
@require("portal.read")
def logo() -> ResponseReturnValue:
    """The logo of the organisation of whoever asks: there is no way to name another's."""
    kept = services.logo_of(acting_user().organization_id)
    if kept is None:
        raise NotFound()
    return Response(kept.data, mimetype=kept.media_type)
