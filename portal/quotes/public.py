"""The public quote link: a customer without an account reads a sent quote and answers it."""

from flask import Blueprint, abort, render_template
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.accounts.models import Organization
from portal.extensions import db
from portal.quotes import services
from portal.quotes.forms import DecisionForm

bp = Blueprint("public_quotes", __name__, url_prefix="/q")


def _page(template: str, organization: Organization, status: int = 200, **context):
    # The organisation's language, whatever the visitor's browser prefers.
    with force_locale(organization.locale):
        return render_template(template, organization=organization, **context), status


def _quote_or_404(token: str, *, for_update: bool = False):
    quote = services.quote_by_token(token, for_update=for_update)
    if quote is None:
        abort(404)
    return quote, db.session.get(Organization, quote.organization_id)


@bp.get("/<token>")
def show(token: str) -> ResponseReturnValue:
    quote, organization = _quote_or_404(token)
    return _page("quotes/public.html", organization, quote=quote, form=DecisionForm())


def _decide(token: str, accepted: bool):
    quote, organization = _quote_or_404(token, for_update=True)
    form = DecisionForm()
    if not form.validate_on_submit():
        return _page("quotes/public.html", organization, 400, quote=quote, form=form)
    services.decide(quote, accepted, form.reason.data or "", actor=None)
    with force_locale(organization.locale):
        message = (
            _("Thank you: the quote was accepted.")
            if accepted
            else _("Thank you: the quote was rejected.")
        )
    return _page("quotes/public_done.html", organization, quote=quote, message=message)


@bp.post("/<token>/accept")
def accept(token: str) -> ResponseReturnValue:
    return _decide(token, accepted=True)


@bp.post("/<token>/reject")
def reject(token: str) -> ResponseReturnValue:
    return _decide(token, accepted=False)
