"""What every document type does the same way: list, load, write, number, move, record.

Each function takes the type's declaration (``documents.kernel.DocumentType``); a type's own
module adds only what is truly its own (an invoice's payments, a quote's conversion).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select

from portal.accounts.models import User
from portal.catalog.models import Customer
from portal.clock import utcnow
from portal.db import conflicts, search_text
from portal.documents.history import diff, record
from portal.documents.kernel import CREATED, EDITED, DocumentType
from portal.documents.lines import kept_lines
from portal.documents.numbering import SERIES_PATTERN, next_number
from portal.errors import CustomerNotFound, InvalidState, PreconditionFailed, ValidationError
from portal.extensions import db
from portal.inserts import insert_new
from portal.mail import services as mail
from portal.mail.models import OutgoingMessage
from portal.pagination import keyset_statement, run_page
from portal.search import matches
from portal.tenancy import find_for_organization, get_for_organization, share_organization
from portal.web import external_url
from portal.webhooks.services import announce

INVALID_STATUS = _l("Unknown status")
YEAR_FIXED = _l("The date must stay in %(year)s, the year of number %(number)s")
NO_LINK_YET = _l("This document has no public link yet: send it first")
LINK_RENEWED = "link_renewed"  # the history action of a replaced public link


def list_documents(
    kind: DocumentType,
    actor: User,
    *,
    status: str | None,
    customer_id: str | None,
    limit: int,
    cursor: str | None,
    q: str | None = None,
    stmt: Select | None = None,
    conditions: tuple = (),
    params: dict[str, Any] | None = None,
) -> tuple[list, str | None]:
    """A page of the organisation's documents, oldest first; ``q`` finds a number or a
    customer's name ignoring case and accents; ``stmt`` may select plain columns instead
    of ORM objects (then rows come back), with ``params`` bound to its parameters.

    ``stmt`` and ``conditions`` are the caller's constants (their values are bound through
    ``params``): without ``q``, each shape of page over them is built once per process."""
    model = kind.model
    values = {**(params or {}), "organization_id": actor.organization_id}
    if status:
        if status not in kind.statuses:
            raise ValidationError({"status": INVALID_STATUS})
        values["status"] = status
    if customer_id:
        customer = get_for_organization(
            Customer, customer_id, actor.organization_id, CustomerNotFound
        )
        values["customer_id"] = customer.id
    q = search_text(q)
    order = (model.created_at, model.public_id)
    shape = (kind.key, id(stmt), id(conditions), bool(status), bool(customer_id), bool(cursor))
    keepable = stmt is not None and not q and not kind.status_filter
    kept = _pages.get(shape) if keepable else None
    if kept is not None and kept[0] is stmt and kept[1] is conditions:
        page = kept[2]
    else:
        built = select(model) if stmt is None else stmt
        built = built.where(model.organization_id == bindparam("organization_id"), *conditions)
        if status and kind.status_filter is not None:
            built = built.where(*kind.status_filter(status, actor.organization.today()))
        elif status:
            built = built.where(model.status == bindparam("status"))
        if customer_id:
            built = built.where(model.customer_id == bindparam("customer_id"))
        if q:
            built = built.where(matches(model, q))
        page = keyset_statement(built, order, after=bool(cursor))
        if keepable:
            _pages[shape] = (stmt, conditions, page)
    return run_page(page, order, limit, cursor, scalars=stmt is None, params=values)


# Page statements of plain-row lists, by shape: SQLAlchemy remembers a statement object's
# cache key, so a page built once is neither rebuilt nor walked again on each request.
# Keyed by the ids of the caller's constants, which are kept alongside (an id is only
# unique while its object lives).
_pages: dict[tuple, tuple[Select | None, tuple, Select]] = {}


def get_document(
    kind: DocumentType,
    actor: User,
    public_id: str,
    *,
    for_update: bool = False,
    with_lines: bool = False,
) -> Any:
    """The organisation's document, else the type's 404; ``for_update`` locks its row,
    ``with_lines`` reads its lines in the same query (what its JSON or PDF shows)."""
    return get_for_organization(
        kind.model,
        public_id,
        actor.organization_id,
        kind.not_found,
        for_update=for_update,
        with_collection="lines" if with_lines else None,
    )


def customer_of(actor: User, public_id: str) -> Customer:
    """A customer named by a document form: another tenant's or an unknown one is a 400."""
    customer = find_for_organization(Customer, public_id, actor.organization_id)
    if customer is None:
        raise ValidationError({"customer_id": CustomerNotFound().message})
    return customer


def series_number(kind: DocumentType, actor: User, document: Any) -> str:
    """The next number of the type's series in the year of the document's date."""
    year = getattr(document, kind.date_field).year
    return next_number(actor.organization_id, series_prefix(kind, actor.organization), year)


def series_prefix(kind: DocumentType, organization: Any) -> str:
    """The organisation's prefix for the type (``FAC``), else the type's own (``INV``)."""
    return getattr(organization, f"{kind.key}_prefix", "") or kind.prefix


def create_document(
    kind: DocumentType, actor: User, data: dict[str, Any], lines: list[dict[str, Any]]
) -> Any:
    """A new document in the type's first state, numbered: the type's own way if it has
    one (``assign_number``; ``None`` means the series), else the next of its series.

    The organisation's row is share-locked first: its currency and series are read as
    committed, and cannot change until this document is in."""
    organization = share_organization(actor.organization_id)
    document = kind.model(
        organization_id=organization.id,
        status=kind.initial,
        currency=organization.currency,
        created_by_id=actor.id,
    )
    kind.fill(document, actor, data, lines)
    number = kind.assign_number(actor, document, data) if kind.assign_number else None
    document.number = number or series_number(kind, actor, document)
    # Only a number the client chose may well be taken (the series' next is locked): a
    # savepoint for it alone; any other collision fails the request whole.
    with conflicts(savepoint=number is not None):
        insert_new(document)  # the document and its lines: two INSERTs, no unit of work
    kind.recount_if_changed(None, document)
    record(
        document,
        kind.key,
        CREATED,
        actor,
        {"number": document.number, "total": str(document.total)},
    )
    announce_event(kind, document, CREATED)
    return document


def announce_event(kind: DocumentType, document: Any, event: str) -> None:
    """The webhook event ``<type>.<event>`` (``invoice.issued``), if it is one, with the
    document as its API shows it, in the transaction of the change."""
    announce(
        document.organization_id,
        f"{kind.key}.{event}",
        lambda: kind.to_json(document, detail=True),
    )


def update_document(
    kind: DocumentType,
    actor: User,
    public_id: str,
    data: dict[str, Any],
    lines: list[dict[str, Any]] | None,
    *,
    version: str | None = None,
) -> Any:
    """Rewrite an editable document; its date stays in its number's year. ``lines``
    ``None`` keeps the lines as they are; ``version`` (an ``If-Match``) must be the
    document's ``etag`` once its row is locked, else 412."""
    document = get_document(kind, actor, public_id, for_update=True)
    if version is not None:
        check_version(document, version)
    if lines is None:
        lines = kept_lines(document)
    kind.check_editable(document)
    if kind.check_update is not None:
        kind.check_update(document, data)
    before = kind.snapshot(document)
    counted = kind.counted_now(document)
    _check_year_kept(
        kind, document, data.get(kind.date_field) or getattr(document, kind.date_field)
    )
    kind.fill(document, actor, data, lines)
    document.updated_at = utcnow()  # a new version even when only a line's words changed
    db.session.flush()
    kind.recount_if_changed(counted, document)
    changes = diff(before, kind.snapshot(document))
    if changes:
        record(document, kind.key, EDITED, actor, changes)
    return document


def etag(document: Any) -> str:
    """The document's version as an HTTP entity tag: it changes with every write to its row
    (``updated_at``), which every edit, transition and payment makes."""
    stamp = f"{document.public_id}|{document.updated_at.isoformat()}"
    return '"' + hashlib.sha256(stamp.encode()).hexdigest()[:24] + '"'


def check_version(document: Any, condition: str) -> None:
    """412 unless ``condition`` (an ``If-Match``) names the document's current version."""
    if not etag_matches(condition, etag(document)):
        raise PreconditionFailed()


def etag_matches(condition: str, current: str) -> bool:
    """``If-Match``: ``*``, or one of its comma-separated tags equal to ``current`` (strong
    comparison: a weak ``W/`` tag never matches)."""
    tags = [tag.strip() for tag in condition.split(",")]
    return "*" in tags or current in tags


def _check_year_kept(kind: DocumentType, document: Any, new_date: Any) -> None:
    series = SERIES_PATTERN.match(document.number)
    if series and new_date.year != int(series.group("year")):
        # Renumbering would leave a hole in the old year's series.
        message = YEAR_FIXED % {"year": series.group("year"), "number": document.number}
        raise ValidationError({kind.date_field: message})


def transit(
    kind: DocumentType,
    document: Any,
    action: str,
    actor: User | None,
    *,
    actor_label: str = "",
    changes: dict[str, Any] | None = None,
    announced: bool = True,
    **params: Any,
) -> Any:
    """Take ``action`` on a (locked) document: check the table, apply the transition's
    effect, set its target state and write its history event and its webhook event
    (unless ``announced`` is false: the caller tells it once the whole change is done)."""
    transition = kind.check(document, action)
    counted = kind.counted_now(document)
    effect = transition.effect(document, **params) if transition.effect else None
    document.status = transition.target
    db.session.flush()
    kind.recount_if_changed(counted, document)
    entry = {**(effect or {}), **(changes or {})}
    record(document, kind.key, transition.event, actor, entry, actor_label=actor_label)
    if announced:
        announce_event(kind, document, transition.event)
    return document


def perform(kind: DocumentType, actor: User, public_id: str, action: str, **params: Any) -> Any:
    """Load the organisation's document under its row lock and take ``action`` on it."""
    document = get_document(kind, actor, public_id, for_update=True)
    return transit(kind, document, action, actor, **params)


def new_public_token() -> str:
    """An unguessable token for a public page (256 bits, URL-safe: 43 characters)."""
    return secrets.token_urlsafe(32)


def public_url(kind: DocumentType, document: Any) -> str | None:
    """The document's public page for its customer, if it has one (``PORTAL_BASE_URL``)."""
    if kind.sending is None or not document.public_token:
        return None
    return external_url(kind.sending.public_endpoint, token=document.public_token)


def send_document(
    kind: DocumentType,
    actor: User,
    public_id: str,
    *,
    to: list[str],
    cc: list[str],
    message: str,
) -> tuple[Any, OutgoingMessage]:
    """E-mail the document to its customer (``to`` empty: the customer's address), in the
    transaction of its history entry; the first sending of a quote also moves it to SENT.

    The public link is made on the first sending and kept by the next ones."""
    sending = kind.sending
    if sending is None:
        raise KeyError(kind.key)
    document = get_document(kind, actor, public_id, for_update=True)
    status = kind.effective_status(document)
    if status not in sending.sources:
        raise InvalidState(sending.refusal(status))
    # Nothing changes before the e-mail is queued: a refused recipient leaves no trace.
    token = document.public_token or new_public_token()
    queued = mail.queue_document_mail(
        kind.key,
        document,
        actor=actor,
        to=to or None,
        cc=cc,
        message=message,
        public_url=external_url(sending.public_endpoint, token=token),
    )
    document.public_token = token
    recipients = {"to": ", ".join(queued.to_addresses)}
    if queued.cc_addresses:
        recipients["cc"] = ", ".join(queued.cc_addresses)
    if sending.transition and kind.allows(document, sending.transition):
        transit(kind, document, sending.transition, actor, changes=recipients)
    else:
        record(document, kind.key, sending.event, actor, recipients)
    return document, queued


def renew_public_link(kind: DocumentType, actor: User, public_id: str) -> Any:
    """Replace the document's public token: the old link answers 404 from now on."""
    document = get_document(kind, actor, public_id, for_update=True)
    if not document.public_token:
        raise InvalidState(NO_LINK_YET)
    document.public_token = new_public_token()
    db.session.flush()
    record(document, kind.key, LINK_RENEWED, actor)
    return document


def document_by_token(kind: DocumentType, token: str, *, for_update: bool = False) -> Any:
    """The document behind a public link, or ``None`` (a malformed token is simply unknown)."""
    if not token or len(token) > 64:
        return None
    model = kind.model
    stmt = select(model).where(model.public_token == token)
    if for_update:
        stmt = stmt.with_for_update(of=model).execution_options(populate_existing=True)
    return db.session.scalar(stmt)
