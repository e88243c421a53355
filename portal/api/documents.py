"""The API of every document type, built from its declaration (``documents.kernel``).

``document_routes`` adds, for a type such as quotes: ``POST /quotes``, ``GET`` and ``PATCH
/quotes/<id>``, ``/history``, ``/pdf`` and one ``POST /quotes/<id>/<action>`` per routed
transition of its table. A type's own module adds its list (its filters) and what is truly
its own (a quote's conversion, an invoice's payments).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal.accounts.models import User
from portal.documents import services as documents
from portal.documents.forms import send_input
from portal.documents.history import event_json, events_of
from portal.documents.kernel import DocumentType, Transition
from portal.documents.lines import LINE_LISTS, json_lines, line_values
from portal.documents.pdf import pdf_response
from portal.envelope import created, ok
from portal.forms import form_from_json, json_body
from portal.idempotency.services import idempotent
from portal.mail.services import message_json
from portal.pagination import page_args
from portal.security.identity import acting_user
from portal.security.permissions import require
from portal.team.services import names_of


def document_input(
    form_class: type[FlaskForm], actor: User
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A document body: its fields and its completed, checked lines."""
    form = form_from_json(form_class, item_lists=LINE_LISTS)
    data = {name: value for name, value in form.data.items() if name != "lines"}
    lines = json_lines(form)
    return data, line_values(lines, actor.organization_id, actor.organization.tax_rates)


def patch_input(
    kind: DocumentType, document: Any, actor: User
) -> tuple[dict[str, Any], list[dict[str, Any]] | None]:
    """A PATCH body merged into the document (JSON merge patch for its fields: those sent
    change, ``null`` blanks one, the rest stay; ``lines``, when sent, replace the lines,
    else they stay: ``None``). A type without ``input_of`` takes the body whole."""
    if kind.input_of is None:
        return document_input(kind.form, actor)
    body = json_body()
    payload = {**kind.input_of(document), **body}
    payload.setdefault("lines", [])
    form = form_from_json(kind.form, payload=payload, item_lists=LINE_LISTS)
    data = {name: value for name, value in form.data.items() if name != "lines"}
    if "lines" not in body:
        return data, None
    lines = json_lines(form)
    return data, line_values(lines, actor.organization_id, actor.organization.tax_rates)


def with_etag(response: Response, document: Any) -> Response:
    response.headers["ETag"] = documents.etag(document)
    return response


def history_json(document: Any, document_type: str) -> dict[str, Any]:
    events = events_of(document, document_type)
    actors = names_of({e.actor_id for e in events if e.actor_id})
    return {"items": [event_json(event, actors) for event in events], "nextCursor": None}


def action_params(transition: Transition) -> dict[str, Any]:
    """What an action's body carries (an empty body is no parameters)."""
    if transition.form is None or not request.get_data():
        return {}
    form = form_from_json(transition.form)
    return {name: value for name, value in form.data.items() if name != "csrf_token"}


def document_routes(bp: Blueprint, kind: DocumentType) -> None:
    key, plural = kind.key, kind.plural

    @require(kind.write_permission)
    @idempotent
    def create() -> Response:
        actor = acting_user()
        data, lines = document_input(kind.form, actor)
        document = documents.create_document(kind, actor, data, lines)
        return created(kind.messages["created"], kind.to_json(document, detail=True))

    @require("portal.read")
    def read(public_id: str) -> Response:
        document = documents.get_document(kind, acting_user(), public_id, with_lines=True)
        return with_etag(ok(_("Request completed"), kind.to_json(document, detail=True)), document)

    @require(kind.write_permission)
    def update(public_id: str) -> Response:
        """Merge the body into the document; with ``If-Match``, only into the version the
        client read (412 otherwise)."""
        actor = acting_user()
        # Another tenant's id: 404 before 400. Locked now: the merge reads what it changes.
        document = documents.get_document(kind, actor, public_id, for_update=True)
        version = request.headers.get("If-Match")
        if version is not None:
            documents.check_version(document, version)  # before the body's 400s
        data, lines = patch_input(kind, document, actor)
        document = documents.update_document(kind, actor, public_id, data, lines, version=version)
        return with_etag(
            ok(kind.messages["updated"], kind.to_json(document, detail=True)), document
        )

    @require("portal.read")
    def history(public_id: str) -> Response:
        document = documents.get_document(kind, acting_user(), public_id)
        return ok(_("Request completed"), history_json(document, key))

    @require("portal.read")
    def pdf(public_id: str) -> Response:
        actor = acting_user()
        document = documents.get_document(kind, actor, public_id, with_lines=True)
        assert kind.render_pdf is not None
        return pdf_response(kind.render_pdf(document, actor.organization), document.number)

    routes = [
        ("", f"create_{key}", create, "POST"),
        ("/<public_id>", f"get_{key}", read, "GET"),
        ("/<public_id>", f"update_{key}", update, "PATCH"),
        ("/<public_id>/history", f"{key}_history", history, "GET"),
    ]
    if kind.render_pdf is not None:
        routes.append(("/<public_id>/pdf", f"{key}_pdf", pdf, "GET"))
    for path, endpoint, view, method in routes:
        bp.add_url_rule(f"/{plural}{path}", endpoint, view, methods=[method])
    for transition in kind.routed_transitions:
        bp.add_url_rule(
            f"/{plural}/<public_id>/{transition.action}",
            f"{transition.action}_{key}",
            _action_view(kind, transition),
            methods=["POST"],
        )
    if kind.sending is not None:
        _sending_routes(bp, kind)


def list_route(bp: Blueprint, kind: DocumentType, endpoint: str) -> None:
    """``GET /<plural>``: the type's list, filtered by ``q``, ``status`` and ``customerId``."""

    @require("portal.read")
    def list_documents() -> Response:
        limit, cursor = page_args()
        rows, next_cursor = documents.list_documents(
            kind,
            acting_user(),
            q=request.args.get("q"),
            status=request.args.get("status") or None,
            customer_id=request.args.get("customerId") or None,
            limit=limit,
            cursor=cursor,
        )
        return ok(
            _("Request completed"),
            {"items": [kind.to_json(row) for row in rows], "nextCursor": next_cursor},
        )

    list_documents.__name__ = endpoint
    bp.add_url_rule(f"/{kind.plural}", endpoint, list_documents, methods=["GET"])


def _sending_routes(bp: Blueprint, kind: DocumentType) -> None:
    """``POST …/<id>/send`` (e-mail it) and ``POST …/<id>/public-link`` (a new link)."""
    sending = kind.sending
    assert sending is not None

    @require(sending.permission)
    @idempotent
    def send(public_id: str) -> Response:
        actor = acting_user()
        documents.get_document(kind, actor, public_id)  # 404 before a body's 400
        values = send_input()
        document, queued = documents.send_document(kind, actor, public_id, **values)
        body = {**kind.to_json(document, detail=True), "email": message_json(queued)}
        return ok(sending.done, body)

    @require(sending.permission)
    @idempotent
    def renew_link(public_id: str) -> Response:
        document = documents.renew_public_link(kind, acting_user(), public_id)
        return ok(_("A new link replaces the old one"), kind.to_json(document, detail=True))

    send.__name__ = f"send_{kind.key}"
    renew_link.__name__ = f"renew_{kind.key}_link"
    bp.add_url_rule(f"/{kind.plural}/<public_id>/send", f"send_{kind.key}", send, methods=["POST"])
    bp.add_url_rule(
        f"/{kind.plural}/<public_id>/public-link",
        f"renew_{kind.key}_link",
        renew_link,
        methods=["POST"],
    )


def _action_view(kind: DocumentType, transition: Transition):
    @require(transition.permission)
    @idempotent
    def act(public_id: str) -> Response:
        actor = acting_user()
        document = documents.get_document(kind, actor, public_id)  # 404 before a body's 400
        params = action_params(transition)
        document = documents.perform(kind, actor, document.public_id, transition.action, **params)
        return with_etag(ok(transition.done, kind.to_json(document, detail=True)), document)

    act.__name__ = f"{transition.action}_{kind.key}"
    return act
