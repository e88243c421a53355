"""The pages of every document type, built from its declaration (``documents.kernel``).

``document_pages`` adds, for a type such as invoices: ``new``, ``edit``, ``show``, ``pdf`` and
one POST action per routed transition of its table (``invoices.issue``…), whose refusal is
shown on the document's page. A type's own views add its list and what is truly its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, lazy_pgettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.wrappers import Response

from portal.documents import pages
from portal.documents import services as documents
from portal.documents.forms import SendForm
from portal.documents.history import events_of, readable_events
from portal.documents.kernel import DocumentType, Transition
from portal.documents.labels import ACTION_LABELS, OVERDUE_LABEL, status_labels
from portal.documents.pdf import pdf_response
from portal.errors import PortalError
from portal.fiscal.parties import issuer_of
from portal.forms import apply_error
from portal.mail.services import customer_language, message_json, messages_for
from portal.pagination import DEFAULT_LIMIT
from portal.security.identity import acting_user
from portal.security.permissions import can, require
from portal.team.services import names_of
from portal.web import refusals_go_back


def may(kind: DocumentType, document: Any, action: str) -> bool:
    """Whether the caller may take ``action`` on ``document`` now: its state and their role
    (what decides which buttons a page shows)."""
    transition = kind.transition(action)
    return kind.allows(document, action) and can(transition.permission)


def editable(kind: DocumentType, document: Any) -> bool:
    """Whether the caller may edit ``document`` now (its state and their role)."""
    return document.status in kind.editable and can(kind.write_permission)


# History actions and fields of sending (beside ``documents.labels``).
SENDING_ACTIONS = {
    "emailed": _l("Sent by e-mail"),
    documents.LINK_RENEWED: _l("New public link"),
}
SENDING_CHANGES = {"to": _l("Send to"), "cc": _l("Cc")}
# An e-mail's (masculine in Spanish: "correo").
MAIL_STATUS_LABELS = {
    "QUEUED": lazy_pgettext("email", "Queued"),
    "SENT": lazy_pgettext("email", "Sent"),
    "FAILED": lazy_pgettext("email", "Failed"),
}


def may_send(kind: DocumentType, document: Any) -> bool:
    sending = kind.sending
    return (
        sending is not None
        and kind.effective_status(document) in sending.sources
        and can(sending.permission)
    )


def sending_context(kind: DocumentType, document: Any, form: SendForm | None = None) -> dict:
    """The send form, the e-mails sent and the public link, for the document's page."""
    if kind.sending is None:
        return {}
    if form is None:
        customer = document.customer
        form = SendForm(formdata=None, to=customer.email if customer is not None else "")
    return {
        "send_form": form,
        "may_send": may_send(kind, document),
        "may_renew_link": bool(document.public_token) and can(kind.sending.permission),
        "public_link": documents.public_url(kind, document),
        "emails": [
            {**message_json(m), "at": m.created_at} for m in messages_for(kind.key, document.id)
        ],
        "MAIL_STATUS_LABELS": MAIL_STATUS_LABELS,
    }


def detail_page(
    kind: DocumentType,
    document: Any,
    context: Callable[[Any], dict[str, Any]],
    status: int = 200,
    **extra: Any,
) -> tuple[str, int]:
    """The document's page: its facts, the actions its state allows, its history.

    ``context`` may name ``history_values``: the labels of coded values its history holds
    (``{"method": PAYMENT_METHODS}``)."""
    events = events_of(document, kind.key)
    page = {**sending_context(kind, document), **context(document), **extra}
    history_values = page.pop("history_values", None)
    return render_template(
        f"{kind.plural}/detail.html",
        document=document,
        **{kind.key: document},
        events=readable_events(events, document.currency, history_values),
        actors=names_of({e.actor_id for e in events if e.actor_id}),
        STATUS_LABELS=status_labels(kind.key),
        OVERDUE_LABEL=OVERDUE_LABEL,
        ACTION_LABELS={**ACTION_LABELS, **SENDING_ACTIONS},
        SENDING_CHANGES=SENDING_CHANGES,
        **page,
    ), status


def document_pages(
    bp: Blueprint,
    kind: DocumentType,
    *,
    edit_data: Callable[[Any], dict[str, Any]],
    detail_context: Callable[[Any], dict[str, Any]],
    new_defaults: Callable[[Any], None] | None = None,
) -> Callable[[str], str]:
    """Register the type's generic pages on ``bp``; returns its page address builder."""
    template = f"{kind.plural}/form.html"

    def page_of(public_id: str) -> str:
        return url_for(f"{bp.name}.show", public_id=public_id)

    def save(form: Any, document: Any = None) -> Any:
        return pages.save(
            form,
            document,
            template=template,
            create=lambda actor, data, lines: documents.create_document(kind, actor, data, lines),
            update=lambda actor, public_id, data, lines: documents.update_document(
                kind, actor, public_id, data, lines
            ),
            show_endpoint=f"{bp.name}.show",
            created=str(kind.messages["created"]),
            updated=str(kind.messages["updated"]),
        )

    @require(kind.write_permission)
    def new() -> Any:
        form = kind.form()
        if request.method == "POST":
            return save(form)
        form.customer_id.data = request.args.get("customer", "")
        if new_defaults is not None:
            new_defaults(form)
        return pages.form_page(template, form, None)

    @require(kind.write_permission)
    def edit(public_id: str) -> Any:
        document = documents.get_document(kind, acting_user(), public_id)
        if document.status not in kind.editable:
            flash(str(kind.messages["not_editable"]), "error")
            return redirect(page_of(public_id))
        if request.method == "POST":
            return save(kind.form(), document)
        data = pages.document_data(document, **edit_data(document))
        return pages.form_page(template, kind.form(data=data), document)

    @require("portal.read")
    def show(public_id: str) -> Any:
        document = documents.get_document(kind, acting_user(), public_id, with_lines=True)
        return detail_page(kind, document, detail_context)

    @require("portal.read")
    def pdf(public_id: str) -> Response:
        actor = acting_user()
        document = documents.get_document(kind, actor, public_id, with_lines=True)
        assert kind.render_pdf is not None
        return pdf_response(kind.render_pdf(document, actor.organization), document.number)

    bp.add_url_rule("/new", "new", new, methods=["GET", "POST"])
    bp.add_url_rule("/<public_id>/edit", "edit", edit, methods=["GET", "POST"])
    bp.add_url_rule("/<public_id>", "show", show, methods=["GET"])
    if kind.render_pdf is not None:
        bp.add_url_rule("/<public_id>/pdf", "pdf", pdf, methods=["GET"])
    for transition in kind.routed_transitions:
        view = _action_view(kind, transition, page_of)
        bp.add_url_rule(
            f"/<public_id>/{transition.action}", transition.action, view, methods=["POST"]
        )
    if kind.sending is not None:
        _sending_pages(bp, kind, page_of, detail_context)
    return page_of


def list_page(bp: Blueprint, kind: DocumentType, *, items: str, **context: Any) -> None:
    """The type's list (``<bp>.index``): filtered by status and customer, a page at a time;
    its template gets the rows as ``items`` and ``context`` besides."""

    @require("portal.read")
    def index() -> Any:
        actor = acting_user()
        status = request.args.get("status") or None
        customer = request.args.get("customer") or None
        try:
            rows, next_cursor = documents.list_documents(
                kind,
                actor,
                q=request.args.get("q"),
                status=status,
                customer_id=customer,
                limit=DEFAULT_LIMIT,
                cursor=request.args.get("cursor") or None,
            )
        except PortalError:  # an unknown filter or a forged cursor: the list unfiltered
            return redirect(url_for(f"{bp.name}.index"))
        return render_template(
            f"{kind.plural}/index.html",
            **{items: rows},
            next_cursor=next_cursor,
            status=status,
            customer=customer,
            statuses=kind.statuses,
            STATUS_LABELS=status_labels(kind.key),
            **pages.choices(actor.organization_id),
            **context,
        )

    bp.add_url_rule("/", "index", index, methods=["GET"])


def _sending_pages(
    bp: Blueprint,
    kind: DocumentType,
    page_of: Callable[[str], str],
    detail_context: Callable[[Any], dict[str, Any]],
) -> None:
    sending = kind.sending
    assert sending is not None

    @require(sending.permission)
    @refusals_go_back(page_of)
    def send(public_id: str) -> Any:
        actor = acting_user()
        document = documents.get_document(kind, actor, public_id)
        form = SendForm()
        if form.validate_on_submit():
            try:
                documents.send_document(kind, actor, public_id, **form.values())
            except PortalError as exc:
                if exc.status >= 500 or exc.status == 404 or not apply_error(form, exc):
                    raise  # a state refusal goes back to the page as a message
            else:
                flash(str(sending.done), "success")
                return redirect(page_of(public_id))
        status = 400
        document = documents.get_document(kind, actor, public_id)
        return detail_page(kind, document, detail_context, status, send_form=form)

    @require(sending.permission)
    @refusals_go_back(page_of)
    def renew_link(public_id: str) -> Response:
        documents.renew_public_link(kind, acting_user(), public_id)
        flash(_("A new link replaces the old one"), "success")
        return redirect(page_of(public_id))

    bp.add_url_rule("/<public_id>/send", "send", send, methods=["POST"])
    bp.add_url_rule("/<public_id>/public-link", "renew_link", renew_link, methods=["POST"])


def _action_view(kind: DocumentType, transition: Transition, page_of: Callable[[str], str]):
    @require(transition.permission)
    @refusals_go_back(page_of)
    def act(public_id: str) -> Response:
        params: dict[str, Any] = {}
        if transition.form is not None:
            form = transition.form()
            if form.validate_on_submit():  # a reason that is too long is dropped, not fatal
                params = {k: v for k, v in form.data.items() if k != "csrf_token"}
        documents.perform(kind, acting_user(), public_id, transition.action, **params)
        flash(str(transition.done), "success")
        return redirect(page_of(public_id))

    act.__name__ = transition.action
    return act


# Public pages (``/q/<token>``, ``/i/<token>``): no log-in, the customer's language.


def public_document(kind: DocumentType, token: str, *, for_update: bool = False) -> Any:
    """The document behind a public link, or ``None``: unknown, replaced or malformed tokens
    look alike, and a token only ever finds its own document."""
    return documents.document_by_token(kind, token, for_update=for_update)


def public_page(template: str, document: Any, status: int = 200, **context: Any) -> tuple[str, int]:
    """A public page in the customer's language (theirs, else the organisation's)."""
    organization = document.organization
    kind = current_app.extensions["portal.document_types"][type(document)]
    with force_locale(customer_language(document, organization)):
        return render_template(
            template,
            document=document,
            organization=organization,
            issuer=issuer_of(organization),
            STATUS_LABELS=status_labels(kind.key),
            **context,
        ), status


def public_missing() -> tuple[str, int]:
    """The public 404: nothing of the portal's inside (no menu, no way back to a panel)."""
    return render_template("documents/public_missing.html"), 404


def public_pdf(kind: DocumentType, document: Any) -> Response:
    assert kind.render_pdf is not None
    return pdf_response(kind.render_pdf(document, document.organization), document.number)
