"""Helpers shared by the quote and invoice endpoints."""

from __future__ import annotations

from typing import Any

from flask import Response

from portal.accounts.models import User
from portal.documents.history import event_json, events_of
from portal.documents.lines import line_entries, line_values
from portal.forms import form_from_json
from portal.team.services import names_of


def document_input(form_class: type, actor: User) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A document body: its fields and its completed, checked lines."""
    form = form_from_json(form_class)
    data = {name: value for name, value in form.data.items() if name != "lines"}
    return data, line_values(line_entries(form, drop_blank=False), actor.organization_id)


def history_json(document: Any, document_type: str) -> dict[str, Any]:
    events = events_of(document, document_type)
    actors = names_of({e.actor_id for e in events if e.actor_id})
    return {"items": [event_json(event, actors) for event in events], "nextCursor": None}


def pdf_response(content: bytes, filename: str) -> Response:
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response
