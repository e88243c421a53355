"""The document kernel: what a commercial document type declares once.

A type (quotes, invoices) declares its number series, its states and the transitions between
them, who may take each, the event each one writes (history action ``issued``, event name
``invoice.issued``), its form, serializer and PDF. The services (``documents/services.py``),
the pages (``documents/views.py``), the API (``api/documents.py``) and the templates all read
the same table: a transition is data, as in Tryton's ``Workflow``, never a copy of an ``if``
in each layer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask_wtf import FlaskForm

from portal.errors import InvalidState, NotFound

# Events every document type writes besides its transitions'.
CREATED = "created"
EDITED = "edited"


@dataclass(frozen=True)
class Transition:
    """One move of the state machine: from any of ``sources`` to ``target``."""

    action: str  # its name in URLs and endpoints: "issue" → POST …/<id>/issue
    sources: frozenset[str]
    target: str
    permission: str
    event: str  # the history action, and the event "<type>.<event>"
    done: Any  # what a person is told once it is done ("Invoice issued")
    refused: Any  # why it cannot be done from a state not listed below
    refusals: Mapping[str, Any] = field(default_factory=dict)  # why not, from these states
    # What the move changes besides the status; returns the history entry's changes.
    effect: Callable[..., dict[str, Any] | None] | None = None
    routed: bool = True  # a plain POST action of the pages and the API (else its own view)
    form: type[FlaskForm] | None = None  # what the action may carry (a quote decision's reason)

    def refusal(self, status: str) -> Any:
        return self.refusals.get(status, self.refused)


@dataclass(frozen=True)
class Sending:
    """How a type is e-mailed to its customer: from which states, by whom, what the history
    says, and the move the first sending makes (a quote's DRAFT → SENT), if any."""

    sources: frozenset[str]
    permission: str
    event: str  # the history action of every sending ("sent", "emailed")
    done: Any
    refused: Any
    public_endpoint: str  # the public page's endpoint (``/q/<token>``)
    refusals: Mapping[str, Any] = field(default_factory=dict)
    transition: str = ""  # the table's action taken when the state allows it ("send")

    def refusal(self, status: str) -> Any:
        return self.refusals.get(status, self.refused)


@dataclass(frozen=True)
class DocumentType:
    key: str  # "quote", "invoice": history rows, event names, URL of the API
    plural: str  # "quotes", "invoices": URL segments and blueprint names
    model: type[Any]
    line_model: type[Any]
    prefix: str  # the number series: COT-2026-0001
    number_key: str  # the number's JSON name: "quoteNumber"
    date_field: str  # the date whose year numbers the document
    statuses: tuple[str, ...]
    initial: str
    editable: frozenset[str]
    transitions: tuple[Transition, ...]
    not_found: type[NotFound]
    write_permission: str
    form: type[FlaskForm]
    messages: Mapping[str, Any]  # created, updated, not_editable
    to_json: Callable[..., dict[str, Any]]
    render_pdf: Callable[[Any, Any], bytes] | None  # None: the type has no PDF
    fill: Callable[..., None]  # (document, actor, data, lines): the type's own fields
    snapshot: Callable[[Any], dict[str, Any]]  # what an edit is compared on (history)
    # The status a person sees (a sent quote past its date is EXPIRED without a write).
    effective_status: Callable[[Any], str] = lambda document: document.status
    # SQL conditions for ``?status=``, given the organisation's today (derived statuses).
    status_filter: Callable[[str, date], list] | None = None
    # Refuses an edit the type forbids beyond the state (an invoice's number is fixed).
    check_update: Callable[[Any, dict[str, Any]], None] | None = None
    # (actor, document, data) → its number, when not simply the next of the series.
    assign_number: Callable[[Any, Any, dict[str, Any]], str | None] | None = None
    # Running totals the type keeps (the dashboard's): ``counted(document)`` is what the
    # document adds to them as it stands, ``recount(before, after)`` moves them; the kernel
    # calls it in the transaction of every creation, edit and transition.
    counted: Callable[[Any], Any] | None = None
    recount: Callable[[Any, Any], None] | None = None

    def counted_now(self, document: Any) -> Any:
        return self.counted(document) if self.counted is not None else None

    def recount_if_changed(self, before: Any, document: Any) -> None:
        if self.recount is None:
            return
        after = self.counted_now(document)
        if before != after:
            self.recount(before, after)

    # The document's own fields as a JSON body would send them (camelCase; lines apart): what
    # a PATCH merges its fields into. ``None``: a PATCH replaces the whole document.
    input_of: Callable[[Any], dict[str, Any]] | None = None

    extra_events: tuple[str, ...] = ()
    sending: Sending | None = None  # e-mail and a public page, if the type has them

    def transition(self, action: str) -> Transition:
        for transition in self.transitions:
            if transition.action == action:
                return transition
        raise KeyError(action)

    @property
    def routed_transitions(self) -> tuple[Transition, ...]:
        return tuple(t for t in self.transitions if t.routed)

    @property
    def moves(self) -> frozenset[tuple[str, str]]:
        """Every (from, to) pair the table allows."""
        return frozenset((s, t.target) for t in self.transitions for s in t.sources)

    @property
    def events(self) -> tuple[str, ...]:
        """Every event this type emits, as ``<type>.<event>``."""
        names = [CREATED, EDITED, *(t.event for t in self.transitions), *self.extra_events]
        return tuple(f"{self.key}.{name}" for name in dict.fromkeys(names))

    def allows(self, document: Any, action: str) -> bool:
        return self.effective_status(document) in self.transition(action).sources

    def check(self, document: Any, action: str) -> Transition:
        """The transition, if the document's state allows it; else 409 saying why not."""
        transition = self.transition(action)
        status = self.effective_status(document)
        if status not in transition.sources:
            raise InvalidState(transition.refusal(status))
        return transition

    def check_editable(self, document: Any) -> None:
        if document.status not in self.editable:
            raise InvalidState(self.messages["not_editable"])
