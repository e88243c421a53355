"""Quote pages: list, write (lines without JavaScript), detail with actions, history, PDF."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from portal.api.documents import pdf_response
from portal.documents import pages
from portal.documents.history import events_of
from portal.documents.labels import ACTION_LABELS, STATUS_LABELS
from portal.documents.pdf import render_quote
from portal.errors import PortalError
from portal.pagination import DEFAULT_LIMIT
from portal.quotes import services
from portal.quotes.forms import DecisionForm, QuoteForm
from portal.quotes.models import QuoteStatus
from portal.quotes.serializers import public_url
from portal.security.identity import current_identity
from portal.security.permissions import require
from portal.team.services import names_of
from portal.web import refusals_go_back

bp = Blueprint("quotes", __name__, url_prefix="/quotes")


@bp.get("/")
@require("portal.read")
def index():
    actor = current_identity()
    status = request.args.get("status") or None
    customer = request.args.get("customer") or None
    try:
        quotes, next_cursor = services.list_quotes(
            actor,
            status=status,
            customer_id=customer,
            limit=DEFAULT_LIMIT,
            cursor=request.args.get("cursor") or None,
        )
    except PortalError:
        return redirect(url_for("quotes.index"))
    return render_template(
        "quotes/index.html",
        quotes=quotes,
        next_cursor=next_cursor,
        status=status,
        customer=customer,
        statuses=QuoteStatus.ALL,
        STATUS_LABELS=STATUS_LABELS,
        **pages.choices(actor.organization_id),
    )


def _form_page(form: QuoteForm, quote=None, status: int = 200):
    return pages.form_page("quotes/form.html", form, quote, status)


def _save(form: QuoteForm, quote=None):
    return pages.save(
        form,
        quote,
        template="quotes/form.html",
        create=services.create_quote,
        update=services.update_quote,
        show_endpoint="quotes.show",
        created=_("Quote created"),
        updated=_("Quote updated"),
    )


@bp.route("/new", methods=["GET", "POST"])
@require("quotes.write")
def new():
    form = QuoteForm()
    if request.method == "POST":
        return _save(form)
    form.customer_id.data = request.args.get("customer", "")
    return _form_page(form)


@bp.route("/<public_id>/edit", methods=["GET", "POST"])
@require("quotes.write")
def edit(public_id: str):
    quote = services.get_quote(current_identity(), public_id)
    if quote.status != QuoteStatus.DRAFT:
        flash(str(services.ONLY_DRAFT_EDITED), "error")
        return redirect(url_for("quotes.show", public_id=public_id))
    if request.method == "POST":
        return _save(QuoteForm(), quote)
    data = pages.document_data(quote, issue_date=quote.issue_date, valid_until=quote.valid_until)
    return _form_page(QuoteForm(data=data), quote)


@bp.get("/<public_id>")
@require("portal.read")
def show(public_id: str):
    quote = services.get_quote(current_identity(), public_id)
    events = events_of(quote, services.DOCUMENT)
    return render_template(
        "quotes/detail.html",
        quote=quote,
        events=events,
        actors=names_of({e.actor_id for e in events if e.actor_id}),
        public_link=public_url(quote),
        invoice=services.invoice_of(quote),
        decision_form=DecisionForm(),
        STATUS_LABELS=STATUS_LABELS,
        ACTION_LABELS=ACTION_LABELS,
    )


def _quote_page(public_id: str) -> str:
    return url_for("quotes.show", public_id=public_id)


def _act(public_id: str, run, message: str):
    """Run one state change (a refusal goes back to the quote's page: refusals_go_back)."""
    target = run() or _quote_page(public_id)
    flash(message, "success")
    return redirect(target)


@bp.post("/<public_id>/send")
@require("quotes.write")
@refusals_go_back(_quote_page)
def send(public_id: str):
    def run():
        services.send_quote(current_identity(), public_id)

    return _act(public_id, run, _("Quote sent"))


def _decide(public_id: str, accepted: bool):
    form = DecisionForm()
    reason = (form.reason.data or "") if form.validate_on_submit() else ""

    def run():
        services.decide_as_member(current_identity(), public_id, accepted=accepted, reason=reason)

    return _act(public_id, run, _("Quote accepted") if accepted else _("Quote rejected"))


@bp.post("/<public_id>/accept")
@require("quotes.write")
@refusals_go_back(_quote_page)
def accept(public_id: str):
    return _decide(public_id, True)


@bp.post("/<public_id>/reject")
@require("quotes.write")
@refusals_go_back(_quote_page)
def reject(public_id: str):
    return _decide(public_id, False)


@bp.post("/<public_id>/convert")
@require("quotes.convert")
@refusals_go_back(_quote_page)
def convert(public_id: str):
    def run():
        invoice = services.convert_quote(current_identity(), public_id)
        return url_for("invoices.show", public_id=invoice.public_id)

    return _act(public_id, run, _("Invoice created"))


@bp.get("/<public_id>/pdf")
@require("portal.read")
def pdf(public_id: str):
    actor = current_identity()
    quote = services.get_quote(actor, public_id)
    return pdf_response(render_quote(quote, actor.organization), quote.number)
