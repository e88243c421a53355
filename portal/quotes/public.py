"""The public quote link: a customer without an account reads a quote and answers it.

The page stays after the answer and shows it (accepted or rejected, and when); a quote past
its date shows that it expired. Only a replaced link (``…/public-link``) stops answering.
"""

from flask import Blueprint, redirect, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _

from portal.documents.views import public_document, public_missing, public_page, public_pdf
from portal.mail.services import customer_language
from portal.quotes import services
from portal.quotes.document import QUOTES
from portal.quotes.forms import DecisionForm
from portal.quotes.models import QuoteStatus

bp = Blueprint("public_quotes", __name__, url_prefix="/q")

# What a customer sees in each state a sent quote can be in (DRAFT never has a link).
SHOWN = frozenset(
    {
        QuoteStatus.SENT,
        QuoteStatus.ACCEPTED,
        QuoteStatus.REJECTED,
        QuoteStatus.EXPIRED,
        QuoteStatus.CONVERTED,
    }
)


def _quote(token: str, *, for_update: bool = False):
    quote = public_document(QUOTES, token, for_update=for_update)
    if quote is None or quote.effective_status not in SHOWN:
        return None
    return quote


@bp.get("/<token>")
def show(token: str) -> ResponseReturnValue:
    quote = _quote(token)
    if quote is None:
        return public_missing()
    return public_page("quotes/public.html", quote, quote=quote, form=DecisionForm())


@bp.get("/<token>/pdf")
def pdf(token: str) -> ResponseReturnValue:
    quote = _quote(token)
    if quote is None:
        return public_missing()
    return public_pdf(QUOTES, quote)


def _decide(token: str, accepted: bool) -> ResponseReturnValue:
    quote = _quote(token, for_update=True)
    if quote is None:
        return public_missing()
    if quote.effective_status != QuoteStatus.SENT:  # answered already: the page says how
        return redirect(url_for("public_quotes.show", token=token), 303)
    form = DecisionForm()
    if not form.validate_on_submit():
        return public_page("quotes/public.html", quote, 400, quote=quote, form=form)
    services.decide(quote, accepted, form.reason.data or "", actor=None)
    with force_locale(customer_language(quote, quote.organization)):
        message = (
            _("Thank you: the quote was accepted.")
            if accepted
            else _("Thank you: the quote was rejected.")
        )
    return public_page("quotes/public_done.html", quote, quote=quote, message=message)


@bp.post("/<token>/accept")
def accept(token: str) -> ResponseReturnValue:
    return _decide(token, accepted=True)


@bp.post("/<token>/reject")
def reject(token: str) -> ResponseReturnValue:
    return _decide(token, accepted=False)
