"""The history of a quote or invoice: every change, with who, when and what."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import format_currency, format_date, format_decimal
from flask_babel import gettext as _
from sqlalchemy import select

from portal.documents.labels import actor_label
from portal.documents.models import DocumentEvent
from portal.extensions import db
from portal.i18n import percent
from portal.inserts import insert_new


def record(
    document: Any,
    document_type: str,
    action: str,
    actor: Any = None,
    changes: dict[str, Any] | None = None,
    actor_label: str = "",
) -> None:
    event = DocumentEvent(
        organization_id=document.organization_id,
        document_type=document_type,
        document_id=document.id,
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_label=actor.name if actor is not None else actor_label,
        changes=changes or {},
    )
    # Written now, by one INSERT: the request never reads the entry back, so it need not
    # wait in the session for the unit of work at commit.
    insert_new(event, attach=False)


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


# How the history's stored values read (they keep the API's raw form: "692.17", "CASH",
# "2026-03-01"); every other key's value is shown as it is.
MONEY_KEYS = frozenset({"total", "amount", "balance"})
DATE_KEYS = frozenset({"issueDate", "validUntil", "invoiceDate", "dueDate", "startDate", "endDate"})
NUMBER_KEYS = frozenset({"interval", "count", "step"})
YES_NO_KEYS = frozenset({"autoIssue", "autoSend"})
_LINE = re.compile(
    r"^(?P<qty>\S+) × (?P<text>.*) @ (?P<price>\S+) −(?P<disc>\S+)% \+(?P<tax>\S+)%$"
)


@dataclass(frozen=True)
class HistoryEntry:
    """An event as a page shows it: its ``changes`` already in the reader's language."""

    action: str
    at: datetime
    actor_id: int | None
    actor_label: str
    changes: dict[str, str | tuple[str, str]]


def readable_events(
    events: list[DocumentEvent],
    currency: str,
    value_labels: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[HistoryEntry]:
    """The events with each change written for the reader: money in the document's
    currency, dates and numbers the locale's way, codes (``method``…) by their labels in
    ``value_labels``; a change of a value is an ``(old, new)`` pair."""
    labels = value_labels or {}
    return [
        HistoryEntry(
            action=event.action,
            at=event.at,
            actor_id=event.actor_id,
            actor_label=event.actor_label,
            changes={
                key: _readable_change(key, value, currency, labels)
                for key, value in (event.changes or {}).items()
            },
        )
        for event in events
    ]


def _readable_change(
    key: str, value: Any, currency: str, labels: Mapping[str, Mapping[str, Any]]
) -> str | tuple[str, str]:
    # An edit stores [old, new]; the lines' own value is a list, so theirs is a pair of lists.
    pair = isinstance(value, list) and len(value) == 2
    if pair and (key != "lines" or all(isinstance(side, list) for side in value)):
        old, new = value
        return (_readable(key, old, currency, labels), _readable(key, new, currency, labels))
    return _readable(key, value, currency, labels)


def _readable(key: str, value: Any, currency: str, labels: Mapping[str, Mapping[str, Any]]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    try:
        if key in MONEY_KEYS:
            return format_currency(Decimal(str(value)), currency)
        if key in DATE_KEYS:
            return format_date(date.fromisoformat(str(value)))
        if key in NUMBER_KEYS:
            return format_decimal(Decimal(str(value)))
    except (ArithmeticError, ValueError):
        return str(value)  # a value written before its key's form was fixed
    if key in YES_NO_KEYS and isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "lines" and isinstance(value, list):
        return "; ".join(_readable_line(str(line), currency) for line in value)
    if key in labels and isinstance(value, str):
        label = labels[key].get(value)
        return str(label) if label is not None else value
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def _readable_line(line: str, currency: str) -> str:
    """A line of ``lines_summary`` ("2 × Café @ 10.00 −0% +21%") the locale's way."""
    match = _LINE.match(line)
    if match is None:
        return line
    try:
        qty, price, disc, tax = (Decimal(match[name]) for name in ("qty", "price", "disc", "tax"))
    except ArithmeticError:
        return line
    text = f"{format_decimal(qty)} × {match['text']} @ {format_currency(price, currency)}"
    if disc:
        text += f" −{percent(disc)}"
    return f"{text} +{percent(tax)}"
