"""The pages of every document type, built from its declaration (``documents.kernel``).

``document_pages`` adds, for a type such as invoices: ``new``, ``edit``, ``show``, ``pdf`` and
one POST action per routed transition of its table (``invoices.issue``…), whose refusal is
shown on the document's page. A type's own views add its list and what is truly its own.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from portal.documents import pages
from portal.documents import services as documents
from portal.documents.history import events_of
from portal.documents.kernel import DocumentType, Transition
from portal.documents.labels import ACTION_LABELS, STATUS_LABELS
from portal.documents.pdf import pdf_response
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


def detail_page(
    kind: DocumentType,
    document: Any,
    context: Callable[[Any], dict[str, Any]],
    status: int = 200,
    **extra: Any,
) -> tuple[str, int]:
    """The document's page: its facts, the actions its state allows, its history."""
    events = events_of(document, kind.key)
    return render_template(
        f"{kind.plural}/detail.html",
        document=document,
        **{kind.key: document},
        events=events,
        actors=names_of({e.actor_id for e in events if e.actor_id}),
        STATUS_LABELS=STATUS_LABELS,
        ACTION_LABELS=ACTION_LABELS,
        **{**context(document), **extra},
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
        document = documents.get_document(kind, acting_user(), public_id)
        return detail_page(kind, document, detail_context)

    @require("portal.read")
    def pdf(public_id: str) -> Response:
        actor = acting_user()
        document = documents.get_document(kind, actor, public_id)
        return pdf_response(kind.render_pdf(document, actor.organization), document.number)

    bp.add_url_rule("/new", "new", new, methods=["GET", "POST"])
    bp.add_url_rule("/<public_id>/edit", "edit", edit, methods=["GET", "POST"])
    bp.add_url_rule("/<public_id>", "show", show, methods=["GET"])
    bp.add_url_rule("/<public_id>/pdf", "pdf", pdf, methods=["GET"])
    for transition in kind.routed_transitions:
        view = _action_view(kind, transition, page_of)
        bp.add_url_rule(
            f"/<public_id>/{transition.action}", transition.action, view, methods=["POST"]
        )
    return page_of


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
