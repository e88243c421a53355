"""Keeping the dashboard's running totals (``dashboard/models.py``) in step with the books.

Each function is called by the service making the change, inside its transaction: issuing
an invoice adds it, voiding an issued one takes it away, a payment adds to its day, the
payment that settles an invoice counts the days it took, and deleting a customer moves
their totals to the names written on their invoices (as the invoices themselves then
group). Quotes and the open balances by due date are counted by the document kernel around
every change of a document (``quote_counted``/``quote_recount``,
``invoice_open``/``open_recount``). Increments are single upserts, in key order, so
concurrent writers never deadlock. ``rebuild_totals`` recomputes everything from the
documents (the migrations' backfill, and what the tests compare the running totals with).
"""

from __future__ import annotations

import functools
import secrets
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    delete,
    func,
    insert,
    literal,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from portal.accounts.models import Organization
from portal.clock import local_time
from portal.dashboard.models import (
    LAST_DAY,
    NO_DUE_DATE,
    RUNNING_TOTALS,
    DailyTaxTotal,
    DailyTotal,
    MonthlyCustomerTotal,
    MonthlyDescriptionTotal,
    MonthlyProductTotal,
    OpenBalance,
    QuoteStatusTotal,
    QuoteTotal,
    RankingVersion,
)
from portal.extensions import db
from portal.invoices.models import Invoice, InvoiceLine, InvoiceStatus, Payment
from portal.quotes.models import Quote, QuoteStatus

ISSUED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTIALLY_PAID, InvoiceStatus.PAID)
WON = (QuoteStatus.ACCEPTED, QuoteStatus.CONVERTED)


def customer_key(customer_id: int | None, customer_name: str) -> str:
    return f"id:{customer_id}" if customer_id is not None else f"name:{customer_name}"[:220]


def _upsert(model: Any, keys: dict[str, Any], increments: dict[str, Any], **fixed: Any) -> None:
    """Add ``increments`` to the row of ``keys`` (created with them if missing)."""
    dialect = db.session.get_bind().dialect.name
    stmt = _upsert_statement(dialect, model, tuple(keys), tuple(increments), tuple(fixed))
    values = {**keys, **increments, **fixed}
    # Core: no ORM bulk-insert machinery, no autoflush.
    db.session.connection().execute(stmt, {f"v_{name}": value for name, value in values.items()})


@functools.cache
def _upsert_statement(
    dialect: str,
    model: Any,
    keys: tuple[str, ...],
    increments: tuple[str, ...],
    fixed: tuple[str, ...] = (),
    replaced: tuple[str, ...] = (),
) -> Any:
    """The dialect's ``INSERT … ON CONFLICT (keys) DO UPDATE`` adding ``increments`` (or
    setting ``replaced``), built once per shape with a bound parameter per column
    (``v_<column>``: a parameter named after a column is the statement's own). Built anew,
    the statement and its ``excluded`` alias cost a payment more than its SQL (issue 16)."""
    table = model.__table__
    make = postgresql.insert if dialect == "postgresql" else sqlite.insert
    names = (*keys, *increments, *fixed, *replaced)
    stmt = make(table).values(
        {name: bindparam(f"v_{name}", type_=table.c[name].type) for name in names}
    )
    changes = {name: table.c[name] + stmt.excluded[name] for name in increments}
    changes.update({name: stmt.excluded[name] for name in replaced})
    return stmt.on_conflict_do_update(index_elements=list(keys), set_=changes)


def rankings_changed(organization_id: int) -> None:
    """The organisation's rankings may have changed: a new token (``RankingVersion``), in
    the transaction of the change, so the dashboard's kept top lists are read again."""
    dialect = db.session.get_bind().dialect.name
    stmt = _upsert_statement(dialect, RankingVersion, ("organization_id",), (), replaced=("token",))
    db.session.connection().execute(
        stmt, {"v_organization_id": organization_id, "v_token": new_token()}
    )


def new_token() -> int:
    return secrets.randbits(63)


def _month(day: date) -> date:
    return day.replace(day=1)


def _invoice(invoice: Invoice, sign: int) -> None:
    rankings_changed(invoice.organization_id)
    keys = {"organization_id": invoice.organization_id, "currency": invoice.currency}
    total = invoice.total * sign
    net = (invoice.subtotal - invoice.discount_total) * sign
    _upsert(
        DailyTotal,
        {**keys, "day": invoice.invoice_date},
        {
            "invoiced": total,
            "issued_count": sign,
            "net": net,
            "withheld": invoice.withholding_total * sign,
        },
    )
    month = _month(invoice.invoice_date)
    _upsert(
        MonthlyCustomerTotal,
        {
            **keys,
            "month": month,
            "customer_key": customer_key(invoice.customer_id, invoice.customer_name),
        },
        {"invoiced": total, "net": net, "invoice_count": sign},
        customer_id=invoice.customer_id,
        customer_name=invoice.customer_name if invoice.customer_id is None else "",
    )
    # Lines of a catalogue product by product, the others by their description: a
    # quantity and a net each, and the invoice counted once for each.
    sold: dict[int, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    written: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    rates: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal("0")] * 4)
    for line in invoice.lines:
        if line.product_id is not None:
            sold[line.product_id][0] += line.quantity * sign
            sold[line.product_id][1] += line.net * sign
        else:
            written[line.description][0] += line.quantity * sign
            written[line.description][1] += line.net * sign
        rate = rates[line.tax_percent]
        for i, amount in enumerate((line.net, line.tax, line.surcharge, line.total)):
            rate[i] += amount * sign
    for tax_percent in sorted(rates):
        base, tax, surcharge, line_total = rates[tax_percent]
        _upsert(
            DailyTaxTotal,
            {**keys, "day": invoice.invoice_date, "tax_percent": tax_percent},
            {
                "base": base,
                "tax": tax,
                "surcharge": surcharge,
                "total": line_total,
                "invoice_count": sign,
            },
        )
    for product_id in sorted(sold):
        quantity, net = sold[product_id]
        _upsert(
            MonthlyProductTotal,
            {**keys, "month": month, "product_id": product_id},
            {"quantity": quantity, "net": net, "invoice_count": sign},
        )
    for description in sorted(written):
        quantity, net = written[description]
        _upsert(
            MonthlyDescriptionTotal,
            {**keys, "month": month, "description": description},
            {"quantity": quantity, "net": net, "invoice_count": sign},
        )


def invoice_issued(invoice: Invoice) -> None:
    """An invoice now counts as invoiced on its date."""
    _invoice(invoice, +1)


def invoice_withdrawn(invoice: Invoice) -> None:
    """An issued invoice voided: it never was invoiced."""
    _invoice(invoice, -1)


def payment_recorded(payment: Payment) -> None:
    keys = {"organization_id": payment.organization_id, "currency": payment.currency}
    _upsert(DailyTotal, {**keys, "day": payment.paid_on}, {"paid": payment.amount})


def invoice_settled(invoice: Invoice) -> None:
    """Paid in full on ``settled_on``: one more settled invoice and the days it took."""
    if invoice.settled_on is None:
        return
    keys = {"organization_id": invoice.organization_id, "currency": invoice.currency}
    took = (invoice.settled_on - invoice.invoice_date).days
    _upsert(
        DailyTotal,
        {**keys, "day": invoice.settled_on},
        {"settled_count": 1, "settled_days": took},
    )


def quote_counted(quote: Any) -> tuple | None:
    """What a quote adds to ``quote_totals`` as it stands: one, and its total, on its issue
    day, in its stored status (a sent quote past its date is still SENT here) and, sent,
    under the last day it is valid; won after being sent, the seconds the answer took."""
    if quote.issue_date is None or quote.status is None:
        return None
    sent = quote.status == QuoteStatus.SENT
    expires_on = quote.valid_until if sent and quote.valid_until is not None else LAST_DAY
    waited = timed = 0
    if quote.status in WON and quote.sent_at is not None and quote.decided_at is not None:
        waited, timed = waited_seconds(quote.decided_at, quote.sent_at), 1
    return (
        *(quote.organization_id, quote.currency, quote.issue_date, quote.status, expires_on),
        (quote.total, waited, timed),
    )


def status_now(model: Any, today: Any) -> ColumnElement[str]:
    """The status of a quote totals' row (``QuoteTotal``, ``QuoteStatusTotal``) on
    ``today``: sent and past its last valid day is EXPIRED, an answer too."""
    expired = and_(model.status == QuoteStatus.SENT, model.expires_on < today)
    return case((expired, QuoteStatus.EXPIRED), else_=model.status)


def waited_seconds(later: datetime, earlier: datetime) -> int:
    """Whole seconds from ``earlier`` to ``later``, rounded half up."""
    elapsed = _aware(later) - _aware(earlier)
    micro = (elapsed.days * 86400 + elapsed.seconds) * 1_000_000 + elapsed.microseconds
    return (micro + 500_000) // 1_000_000


QUOTE_KEYS = ("organization_id", "currency", "day", "status", "expires_on")
STATUS_KEYS = ("organization_id", "currency", "status", "expires_on")


def quote_recount(before: tuple | None, after: tuple | None) -> None:
    _recount(QuoteTotal, QUOTE_KEYS, ("total", "waited_seconds", "timed_count"), before, after)
    _recount(QuoteStatusTotal, STATUS_KEYS, ("total",), _by_status(before), _by_status(after))


def _by_status(share: tuple | None) -> tuple | None:
    return None if share is None else _status_share(share)


def _status_share(share: tuple) -> tuple:
    """A quote's share of ``quote_totals`` as its share of ``quote_status_totals``: the
    same without the day, and only the total."""
    organization_id, currency, _day, status, expires_on, (total, *_waits) = share
    return (organization_id, currency, status, expires_on, (total,))


def invoice_open(invoice: Any) -> tuple | None:
    """What an invoice adds to ``open_balances`` as it stands: while it is open (issued or
    part paid), one invoice owing its balance on its due date."""
    if invoice.status not in InvoiceStatus.OPEN:
        return None
    due_on = invoice.due_date or NO_DUE_DATE
    return (invoice.organization_id, invoice.currency, due_on, (invoice.balance,))


def open_recount(before: tuple | None, after: tuple | None) -> None:
    _recount(OpenBalance, ("organization_id", "currency", "due_on"), ("balance",), before, after)


def _recount(
    model: Any,
    keys: tuple[str, ...],
    amounts: tuple[str, ...],
    before: tuple | None,
    after: tuple | None,
) -> None:
    """Move a document's share of ``model`` (``(*key, (*amounts,))`` as the document stood,
    or ``None``) from ``before`` to ``after``: one count and its amounts out, one in, a
    single upsert when both fall on the same row (a payment that leaves an invoice open, a
    draft quote edited on its day), in key order."""
    moves: dict[tuple, list] = {}
    for state, sign in ((before, -1), (after, +1)):
        if state is not None:
            move = moves.setdefault(state[:-1], [0, *(0 for _ in amounts)])
            move[0] += sign
            for i, value in enumerate(state[-1], start=1):
                move[i] += value * sign
    for row, (count, *values) in sorted(moves.items()):
        increments = {"count": count, **dict(zip(amounts, values, strict=True))}
        _upsert(model, dict(zip(keys, row, strict=True)), increments)


def quote_accepted(quote: Any) -> None:
    """Accepted now: one more acceptance on the organisation's date, and how long it took."""
    if quote.sent_at is None or quote.decided_at is None:
        return
    day = local_time(quote.decided_at, quote.organization.time_zone).date()
    waited = waited_seconds(quote.decided_at, quote.sent_at)
    keys = {"organization_id": quote.organization_id, "currency": quote.currency, "day": day}
    _upsert(DailyTotal, keys, {"accepted_count": 1, "accepted_seconds": waited})


def customer_deleted(organization_id: int, customer_id: int) -> None:
    """Before a customer is deleted: their invoices will group by the name written on them
    (the deletion empties ``invoices.customer_id``), so their totals move there."""
    rankings_changed(organization_id)
    rows = db.session.execute(
        select(
            Invoice.currency,
            _month_of(Invoice.invoice_date).label("month"),
            Invoice.customer_name,
            func.sum(Invoice.total),
            func.sum(Invoice.subtotal - Invoice.discount_total),
            func.count(),
        )
        .where(
            Invoice.organization_id == organization_id,
            Invoice.customer_id == customer_id,
            Invoice.status.in_(ISSUED),
        )
        .group_by(Invoice.currency, "month", Invoice.customer_name)
    ).all()
    _add_by_month(
        MonthlyCustomerTotal,
        organization_id,
        rows,
        ("invoiced", "net", "invoice_count"),
        lambda name: (
            {"customer_key": customer_key(None, name)},
            {"customer_id": None, "customer_name": name},
        ),
    )
    # The customer's own rows go with them (ON DELETE CASCADE).


def product_deleted(organization_id: int, product_id: int) -> None:
    """Before a product is deleted: its lines will group by their description (the deletion
    empties ``invoice_lines.product_id``), so its monthly totals move there."""
    rankings_changed(organization_id)
    rows = db.session.execute(
        select(
            Invoice.currency,
            _month_of(Invoice.invoice_date).label("month"),
            InvoiceLine.description,
            func.sum(InvoiceLine.quantity),
            func.sum(InvoiceLine.net),
            func.count(func.distinct(Invoice.id)),
        )
        .join(Invoice, Invoice.id == InvoiceLine.invoice_id)
        .where(
            Invoice.organization_id == organization_id,
            InvoiceLine.product_id == product_id,
            Invoice.status.in_(ISSUED),
        )
        .group_by(Invoice.currency, "month", InvoiceLine.description)
    ).all()
    _add_by_month(
        MonthlyDescriptionTotal,
        organization_id,
        rows,
        ("quantity", "net", "invoice_count"),
        lambda description: ({"description": description}, {}),
    )
    # The product's own rows go with it (ON DELETE CASCADE).


def _add_by_month(
    model: Any,
    organization_id: int,
    rows: Iterable[Any],
    amounts: tuple[str, ...],
    keyed: Callable[[str], tuple[dict[str, Any], dict[str, Any]]],
) -> None:
    """Add ``rows`` (currency, month, a name, then ``amounts``) to ``model``'s monthly rows,
    in key order: ``keyed(name)`` gives the row's key beyond the month and the columns it
    is written with."""
    for currency, month, name, *values in sorted(
        (row[0], _as_date(row[1]), *row[2:]) for row in rows
    ):
        key, fixed = keyed(name)
        _upsert(
            model,
            {"organization_id": organization_id, "currency": currency, "month": month, **key},
            dict(zip(amounts, values, strict=True)),
            **fixed,
        )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _month_of(column: Any, dialect: str | None = None) -> ColumnElement[date]:
    """The first day of ``column``'s month, as a date, on either backend."""
    dialect = dialect or db.session.get_bind().dialect.name
    if dialect == "sqlite":
        return func.date(column, "start of month")
    return cast(func.date_trunc("month", column), Date)


def _days(later: Any, earlier: Any, dialect: str) -> ColumnElement[int]:
    if dialect == "sqlite":
        return cast(func.julianday(later) - func.julianday(earlier), Integer)
    return later - earlier


def rebuild_totals(
    bind: Connection | Session, organization_ids: Iterable[int] | None = None
) -> None:
    """Recompute the running totals from the documents (every organisation, or those named)."""
    dialect = bind.get_bind().dialect.name if isinstance(bind, Session) else bind.dialect.name
    scope = list(organization_ids) if organization_ids is not None else None

    def only(model: Any) -> list[ColumnElement[bool]]:
        return [model.organization_id.in_(scope)] if scope is not None else []

    for model in RUNNING_TOTALS:
        bind.execute(delete(model).where(*only(model)))
    # Every organisation rebuilt gets a new ranking token: kept top lists are read again.
    _new_tokens(bind, scope)
    _rebuild_open(bind, only)
    issued = [Invoice.status.in_(ISSUED), *only(Invoice)]
    keys = (Invoice.organization_id, Invoice.currency)
    invoiced = (
        select(
            *keys,
            Invoice.invoice_date.label("day"),
            func.sum(Invoice.total),
            func.count(),
            func.sum(Invoice.subtotal - Invoice.discount_total),
            func.sum(Invoice.withholding_total),
        )
        .where(*issued)
        .group_by(*keys, Invoice.invoice_date)
    )
    paid = (
        select(Payment.organization_id, Payment.currency, Payment.paid_on, func.sum(Payment.amount))
        .where(*only(Payment))
        .group_by(Payment.organization_id, Payment.currency, Payment.paid_on)
    )
    settled = (
        select(
            *keys,
            Invoice.settled_on,
            func.count(),
            func.sum(_days(Invoice.settled_on, Invoice.invoice_date, dialect)),
        )
        .where(
            Invoice.status == InvoiceStatus.PAID, Invoice.settled_on.is_not(None), *only(Invoice)
        )
        .group_by(*keys, Invoice.settled_on)
    )
    days: dict[tuple, dict[str, Any]] = defaultdict(dict)
    for day in bind.execute(invoiced):
        values = days[(day[0], day[1], _as_date(day[2]))]
        values["invoiced"], values["issued_count"] = day[3], day[4]
        values["net"], values["withheld"] = day[5], day[6]
    for sums in bind.execute(paid):
        days[(sums[0], sums[1], _as_date(sums[2]))]["paid"] = sums[3]
    for counts in bind.execute(settled):
        values = days[(counts[0], counts[1], _as_date(counts[2]))]
        values["settled_count"], values["settled_days"] = counts[3], int(counts[4] or 0)
    accepted = (
        select(Quote.organization_id, Quote.currency, Quote.decided_at, Quote.sent_at)
        .add_columns(Organization.time_zone)
        .join(Organization, Organization.id == Quote.organization_id)
        .where(
            Quote.status.in_(WON),
            Quote.decided_at.is_not(None),
            Quote.sent_at.is_not(None),
            *only(Quote),
        )
    )
    for organization_id, currency, decided_at, sent_at, time_zone in bind.execute(accepted):
        decided, sent = _aware(decided_at), _aware(sent_at)
        values = days[(organization_id, currency, local_time(decided, time_zone).date())]
        values["accepted_count"] = values.get("accepted_count", 0) + 1
        waited = waited_seconds(decided, sent)
        values["accepted_seconds"] = values.get("accepted_seconds", 0) + waited
    if days:
        bind.execute(
            insert(DailyTotal),
            [
                {
                    "organization_id": organization_id,
                    "currency": currency,
                    "day": on,
                    "invoiced": _amount(values.get("invoiced")),
                    "paid": _amount(values.get("paid")),
                    "settled_count": values.get("settled_count", 0),
                    "settled_days": values.get("settled_days", 0),
                    "accepted_count": values.get("accepted_count", 0),
                    "accepted_seconds": values.get("accepted_seconds", 0),
                    "issued_count": values.get("issued_count", 0),
                    "net": _amount(values.get("net")),
                    "withheld": _amount(values.get("withheld")),
                }
                for (organization_id, currency, on), values in sorted(days.items())
            ],
        )
    month = _month_of(Invoice.invoice_date, dialect).label("month")
    key = customer_key_sql()
    bind.execute(
        insert(MonthlyCustomerTotal).from_select(
            [
                "organization_id",
                "currency",
                "month",
                "customer_key",
                "customer_id",
                "customer_name",
                "invoiced",
                "net",
                "invoice_count",
            ],
            select(
                *keys,
                month,
                key,
                func.max(Invoice.customer_id),
                func.max(case((Invoice.customer_id.is_(None), Invoice.customer_name), else_="")),
                func.sum(Invoice.total),
                func.sum(Invoice.subtotal - Invoice.discount_total),
                func.count(),
            )
            .where(*issued)
            .group_by(*keys, "month", key),
        )
    )
    _rebuild_quotes(bind, only)
    rate = (InvoiceLine.tax_percent,)
    bind.execute(
        insert(DailyTaxTotal).from_select(
            [
                "organization_id",
                "currency",
                "day",
                "tax_percent",
                "base",
                "tax",
                "surcharge",
                "total",
                "invoice_count",
            ],
            select(
                *keys,
                Invoice.invoice_date,
                *rate,
                func.sum(InvoiceLine.net),
                func.sum(InvoiceLine.tax),
                func.sum(InvoiceLine.surcharge),
                func.sum(InvoiceLine.total),
                func.count(func.distinct(Invoice.id)),
            )
            .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
            .where(*issued)
            .group_by(*keys, Invoice.invoice_date, *rate),
        )
    )
    lines = (InvoiceLine.quantity, InvoiceLine.net)
    for model, line_key, which in (
        (MonthlyProductTotal, InvoiceLine.product_id, InvoiceLine.product_id.is_not(None)),
        (MonthlyDescriptionTotal, InvoiceLine.description, InvoiceLine.product_id.is_(None)),
    ):
        bind.execute(
            insert(model).from_select(
                [
                    "organization_id",
                    "currency",
                    "month",
                    line_key.key,
                    "quantity",
                    "net",
                    "invoice_count",
                ],
                select(
                    *keys,
                    month,
                    line_key,
                    *(func.sum(column) for column in lines),
                    func.count(func.distinct(Invoice.id)),
                )
                .join(InvoiceLine, InvoiceLine.invoice_id == Invoice.id)
                .where(*issued, which)
                .group_by(*keys, "month", line_key),
            )
        )


def _new_tokens(bind: Connection | Session, scope: list[int] | None) -> None:
    def within(column: Any) -> list[ColumnElement[bool]]:
        return [column.in_(scope)] if scope is not None else []

    bind.execute(delete(RankingVersion).where(*within(RankingVersion.organization_id)))
    rebuilt = bind.execute(select(Organization.id).where(*within(Organization.id))).scalars()
    tokens = [{"organization_id": org_id, "token": new_token()} for org_id in rebuilt]
    if tokens:
        bind.execute(insert(RankingVersion), tokens)


def _rebuild_open(bind: Connection | Session, only: Any) -> None:
    due_on = func.coalesce(Invoice.due_date, literal(NO_DUE_DATE, Date)).label("due_on")
    keys = (Invoice.organization_id, Invoice.currency, due_on)
    bind.execute(
        insert(OpenBalance).from_select(
            ["organization_id", "currency", "due_on", "count", "balance"],
            select(*keys, func.count(), func.sum(Invoice.total - Invoice.amount_paid))
            .where(Invoice.status.in_(InvoiceStatus.OPEN), *only(Invoice))
            .group_by(*keys),
        )
    )


def _rebuild_quotes(bind: Connection | Session, only: Any) -> None:
    """Quote by quote (what each adds is ``quote_counted``'s), summed here."""
    rows: dict[tuple, list] = {}  # by day: count, total, waited seconds, timed
    statuses: dict[tuple, list] = {}  # by status: count, total
    quotes = select(
        Quote.organization_id,
        Quote.currency,
        Quote.issue_date,
        Quote.status,
        Quote.valid_until,
        Quote.total,
        Quote.sent_at,
        Quote.decided_at,
    ).where(*only(Quote))
    for quote in bind.execute(quotes):  # a row reads as the quote's own attributes
        share = quote_counted(quote)
        if share is not None:
            for sums, (*key, values) in ((rows, share), (statuses, _status_share(share))):
                summed = sums.setdefault(tuple(key), [0, *(0 for _ in values)])
                for i, value in enumerate((1, *values)):
                    summed[i] += value
    if rows:
        bind.execute(
            insert(QuoteTotal),
            [
                {
                    **dict(zip(QUOTE_KEYS, key, strict=True)),
                    "count": count,
                    "total": total,
                    "waited_seconds": waited,
                    "timed_count": timed,
                }
                for key, (count, total, waited, timed) in sorted(rows.items())
            ],
        )
        bind.execute(
            insert(QuoteStatusTotal),
            [
                {**dict(zip(STATUS_KEYS, key, strict=True)), "count": count, "total": total}
                for key, (count, total) in sorted(statuses.items())
            ],
        )


def _aware(moment: datetime) -> datetime:
    """A timestamp read by plain SQL (naive on SQLite) as the UTC instant it is."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def customer_key_sql() -> ColumnElement[str]:
    by_id = literal("id:") + cast(Invoice.customer_id, String)
    by_name = func.substr(literal("name:") + Invoice.customer_name, 1, 220)
    return case((Invoice.customer_id.is_(None), by_name), else_=by_id).label("customer_key")


def _amount(value: Decimal | None) -> Decimal:
    """A sum of an amount column (read back as a Decimal through its type), or zero."""
    return Decimal("0") if value is None else value
