"""The history of a quote or invoice: every change, with who, when and what."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from portal.documents.labels import actor_label
from portal.documents.models import DocumentEvent
from portal.extensions import db


def record(
    document: Any,
    document_type: str,
    action: str,
    actor: Any = None,
    changes: dict[str, Any] | None = None,
    actor_label: str = "",
) -> None:
    db.session.add(
        DocumentEvent(
            organization_id=document.organization_id,
            document_type=document_type,
            document_id=document.id,
            action=action,
            actor_id=actor.id if actor is not None else None,
            actor_label=actor.name if actor is not None else actor_label,
            changes=changes or {},
        )
    )


def lines_summary(document: Any) -> list[str]:
    """Each line as a short text, so an edit of any line shows in the history."""
    return [
        f"{line.quantity.normalize():f} × {line.description} @ {line.unit_price}"
        f" −{line.discount_percent.normalize():f}% +{line.tax_percent.normalize():f}%"
        for line in document.lines
    ]


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [old, new]}`` for what changed between two snapshots."""
    return {
        key: [before.get(key), value] for key, value in after.items() if before.get(key) != value
    }


def events_of(document: Any, document_type: str) -> list[DocumentEvent]:
    return list(
        db.session.scalars(
            select(DocumentEvent)
            .where(
                DocumentEvent.document_type == document_type,
                DocumentEvent.document_id == document.id,
                DocumentEvent.organization_id == document.organization_id,
            )
            .order_by(DocumentEvent.id)
        )
    )


def event_json(event: DocumentEvent, actors: dict[int, Any]) -> dict[str, Any]:
    actor = actors.get(event.actor_id) if event.actor_id else None
    return {
        "action": event.action,
        "at": event.at.isoformat(),
        "actor": {"id": actor.public_id, "name": actor.name} if actor else None,
        "actorLabel": actor.name if actor else actor_label(event.actor_label),
        "changes": event.changes,
    }
