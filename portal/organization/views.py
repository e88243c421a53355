"""Organisation settings (OWNER): name, fiscal profile, tax table, series, logo, currency,
language, time zone, e-mail to customers and payment reminders."""

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from portal.errors import NotFound, PortalError
from portal.fiscal.logo import MAX_BYTES
from portal.forms import apply_error
from portal.mail.compose import DEFAULT_TEMPLATES, LANGUAGES, PLACEHOLDERS, PURPOSES
from portal.mail.services import clean_mail_templates, preview_mail
from portal.organization import billing, services
from portal.organization.forms import LogoForm, MailTemplatesForm, OrganizationForm, RemindersForm
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.web import refusals_go_back

bp = Blueprint("organization", __name__, url_prefix="/settings")
bp.add_url_rule("/billing", "billing", billing.billing, methods=["GET"])
bp.add_url_rule("/plan", "change_plan", billing.change_plan, methods=["POST"])


def _settings_page() -> str:
    return url_for("organization.settings")


def _render(
    form: OrganizationForm,
    status: int = 200,
    mail_form: MailTemplatesForm | None = None,
    previews: list | None = None,
    reminders_form: RemindersForm | None = None,
) -> ResponseReturnValue:
    organization = acting_user().organization
    form.pad_tax_rows()
    if reminders_form is None:
        reminders_form = RemindersForm.of(organization)
    if mail_form is None:
        mail_form = MailTemplatesForm(
            prefix=MailTemplatesForm.PREFIX,
            data=MailTemplatesForm.flat(organization.mail_templates),
        )
    return render_template(
        "organization/settings.html",
        form=form,
        mail_form=mail_form,
        reminders_form=reminders_form,
        mail_defaults=DEFAULT_TEMPLATES,
        mail_purposes=PURPOSES,
        mail_languages=LANGUAGES,
        mail_placeholders=PLACEHOLDERS,
        previews=previews,
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
    # A post that carries no row of the table (not the page's own form) leaves it alone;
    # so with the mail templates.
    tax_rates_sent = any(key.startswith("tax_rates-") for key in request.form)
    mail_form = None
    if any(key.startswith(MailTemplatesForm.PREFIX) for key in request.form):
        mail_form = MailTemplatesForm(request.form, prefix=MailTemplatesForm.PREFIX)
    # The reminders' text field is always sent by the page (the checkbox is not when off).
    reminders_form = None
    if RemindersForm.SENT_BY in request.form:
        reminders_form = RemindersForm(request.form)
    if "preview" in request.form:
        return _preview(form, mail_form, reminders_form)
    form.drop_blank_tax_rows()
    mail_valid = mail_form is None or mail_form.validate()
    reminders_valid = reminders_form is None or reminders_form.validate()
    if form.validate_on_submit() and mail_valid and reminders_valid:
        changes = form.profile_changes(tax_rates=tax_rates_sent)
        if mail_form is not None:
            changes["mail_templates"] = mail_form.templates()
        if reminders_form is not None:
            changes.update(reminders_form.changes())
        currency = organization.currency
        try:
            services.update_profile(organization, changes)
        except PortalError as exc:
            if exc.status >= 500:
                raise
            shown = apply_error(form, exc)
            shown = _apply_mail_error(mail_form, exc) or shown
            shown = _apply_reminders_error(reminders_form, exc) or shown
            if not shown:
                flash(str(exc.error), "error")
            # a refusal: nothing was changed
            return _render(form, exc.status, mail_form, reminders_form=reminders_form)
        flash(_("Changes saved."), "success")
        if organization.currency != currency:
            flash(
                _(
                    "The currency is now %(new)s (it was %(old)s). Product prices keep their "
                    "figures: they were not converted.",
                    new=organization.currency,
                    old=currency,
                ),
                "warning",
            )
        return redirect(_settings_page())
    return _render(form, 400, mail_form, reminders_form=reminders_form)


def _preview(
    form: OrganizationForm,
    mail_form: MailTemplatesForm | None,
    reminders_form: RemindersForm | None = None,
) -> ResponseReturnValue:
    """The e-mails the templates as typed would write, shown on the page; nothing saved."""
    organization = acting_user().organization
    typed = mail_form.templates() if mail_form is not None else organization.mail_templates
    try:
        templates = clean_mail_templates(typed)
    except PortalError as exc:
        if not _apply_mail_error(mail_form, exc):
            flash(str(exc.error), "error")
        return _render(form, 400, mail_form, reminders_form=reminders_form)
    previews = [
        (purpose, language, preview_mail(organization, templates, purpose, language))
        for purpose in PURPOSES
        for language in LANGUAGES
    ]
    return _render(form, 200, mail_form, previews, reminders_form)


def _apply_mail_error(mail_form: MailTemplatesForm | None, exc: PortalError) -> bool:
    """A template's error (``mail_templates.invoice.es.subject``) beside its field."""
    shown = False
    for key, message in (getattr(exc, "errors", None) or {}).items():
        parts = key.split(".")
        if mail_form is None or parts[0] != "mail_templates" or len(parts) != 4:
            continue
        name = MailTemplatesForm.field_name(*parts[1:])
        if name in mail_form:
            mail_form[name].errors = [*mail_form[name].errors, str(message)]
            shown = True
    return shown


# The service names the reminders' fields as the API does (``reminders.days``).
_REMINDER_FIELDS = {
    "reminders.enabled": "reminders_enabled",
    "reminders.days": "reminder_days",
    "reminder_days": "reminder_days",
}


def _apply_reminders_error(reminders_form: RemindersForm | None, exc: PortalError) -> bool:
    """A reminders' error (a ladder the service refused) beside its field."""
    shown = False
    for key, message in (getattr(exc, "errors", None) or {}).items():
        name = _REMINDER_FIELDS.get(key)
        if reminders_form is not None and name is not None:
            field = reminders_form[name]
            field.errors = [*field.errors, str(message)]
            shown = True
    return shown


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
