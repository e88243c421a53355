from flask import Response, g, request
from flask.typing import ResponseReturnValue
from flask_babel import get_locale
from flask_babel import gettext as _

from portal.accounts.forms import LoginForm, SignupForm
from portal.accounts.serializers import user_json
from portal.accounts.services import authenticate, register, signup_time_zone
from portal.api import api_blueprint
from portal.api.organization import profile_json
from portal.envelope import created, ok
from portal.errors import TokenInvalid
from portal.forms import form_from_json
from portal.security.identity import acting_user, revoke_token
from portal.security.permissions import require
from portal.security.tokens import issue_token
from portal.web import suggested_time_zone

bp = api_blueprint("auth", __name__)


def _token_json(user) -> dict:
    token, expires_at = issue_token(user)
    return {"token": token, "expiresAt": expires_at.isoformat(), "role": user.role}


@bp.post("/auth/register")
def register_account() -> ResponseReturnValue:
    """A new organisation and its OWNER; ``country`` (ISO alpha-2) sets the currency, time
    zone, tax table and series. Without it: USD, INV/COT, an empty table, as always."""
    form = form_from_json(SignupForm)
    country = form.country.data or ""
    user = register(
        organization_name=form.organization_name.data,
        name=form.name.data,
        email=form.email.data,
        password=form.password.data,
        locale=str(get_locale()),
        time_zone=signup_time_zone(
            country, chosen=form.time_zone.data, suggested=suggested_time_zone(), page=False
        ),
        country=country,
        currency=form.currency.data or None,
        profile=form.profile(),
    )
    data = {
        "organization": profile_json(user.organization),
        "user": user_json(user),
        **_token_json(user),
    }
    return created(_("Account created"), data)


@bp.post("/auth/token")
def create_token() -> ResponseReturnValue:
    form = form_from_json(LoginForm)
    user = authenticate(form.email.data, form.password.data, client_address=request.remote_addr)
    return ok(_("Token issued"), _token_json(user))


@bp.delete("/auth/token")
def revoke_current_token() -> ResponseReturnValue:
    claims = g.get("token_claims")
    if claims is None:
        raise TokenInvalid()
    revoke_token(claims)
    return ok(_("Token revoked"))


@bp.get("/me")
@require("portal.read")
def me() -> Response:
    user = acting_user()
    return ok(
        _("Request completed"),
        {
            "user": user_json(user),
            "role": user.role,
            "organization": profile_json(user.organization),
            "plan": user.organization.plan,
        },
    )
