"""Sign-up, log-in, log-out and the language switcher."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from portal.accounts import services
from portal.accounts.forms import LanguageForm, LoginForm, SignupForm
from portal.errors import InvalidCredentials, PortalError, RateLimited
from portal.fiscal.forms import known_countries
from portal.forms import apply_error
from portal.security.identity import current_identity
from portal.web import safe_next, suggested_time_zone

bp = Blueprint("accounts", __name__)


def _start_session(user) -> None:
    """Log in with a fresh session: nothing from before the log-in survives it."""
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    login_user(user)


def suggested_country() -> str:
    """The country of the browser's first language tag that names one (``es-MX`` → MX),
    preselected at sign-up; ``""`` when none does (the person chooses)."""
    for tag, _quality in request.accept_languages:
        _language, _, region = tag.replace("_", "-").partition("-")
        if region.upper() in known_countries():
            return region.upper()
    return ""


@bp.route("/signup", methods=["GET", "POST"])
def signup() -> ResponseReturnValue:
    if current_identity() is not None:
        return redirect(url_for("dashboard.index"))
    form = SignupForm(country_required=True)
    if request.method == "GET":
        form.time_zone.data = suggested_time_zone()
        form.time_zone.render_kw = {"data-detect-time-zone": ""}  # the browser knows better
        form.country.data = suggested_country()
    if form.validate_on_submit():
        country = form.country.data or ""
        try:
            user = services.register(
                organization_name=form.organization_name.data,
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                locale=str(get_locale()),
                time_zone=services.signup_time_zone(
                    country,
                    chosen=form.time_zone.data,
                    suggested=suggested_time_zone(),
                    page=True,
                ),
                country=country,
                currency=form.currency.data or None,
                profile=form.profile(),
            )
        except PortalError as exc:
            if not apply_error(form, exc):
                raise
        else:
            _start_session(user)
            flash(_("Welcome! Your organisation is ready."), "success")
            return redirect(url_for("dashboard.index"))
    status = 400 if form.errors else 200
    return render_template("accounts/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    error, status, headers = None, 200, {}
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                form.email.data, form.password.data, client_address=request.remote_addr
            )
        except (InvalidCredentials, RateLimited) as exc:
            error, status, headers = exc.message, exc.status, exc.headers  # 429: Retry-After
        else:
            _start_session(user)
            return redirect(safe_next(form.next.data))
    elif form.errors:
        status = 400
    return render_template("accounts/login.html", form=form, error=error), status, headers


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    user = current_identity()
    if user is not None:
        services.end_sessions(user)
    logout_user()
    locale = session.get("locale")
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("You have logged out."), "info")
    return redirect(url_for("accounts.login"))


@bp.post("/language")
def set_language() -> ResponseReturnValue:
    form = LanguageForm()
    if form.validate_on_submit() and form.locale.data in ("es", "en"):
        session["locale"] = form.locale.data
        user = current_identity()
        if user is not None:
            services.set_preferred_locale(user, form.locale.data)
    return redirect(safe_next(form.next.data))
