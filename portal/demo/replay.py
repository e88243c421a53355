"""The demo organisation's year, replayed through the services, step by step in time order.

Each step goes through the service a member would have used that day: the operator writes,
sends and records answers to quotes, the customer answers some through the public link, the
accountant converts, invoices, voids and records payments. So numbers, totals, states and
history are exactly what the product writes, and since steps run in time order, numbers rise
with dates, gap-free per series and year.

A past day is replayed with two things the services take from the clock set to it
(``_replaying``):

- the organisation's "today": a quote accepted in March must not be refused as expired by
  December's date, and a conversion dates its invoice "today";
- the moment rows are written (``created_at``, the history's ``at``) and the moments a
  transition records (``sent_at``, ``decided_at``, ``issued_at``, ``voided_at``), so that the
  history, the lists' order and the dashboard's "days from sending to acceptance" describe
  the year shown, not the seconds the seeding took. ``updated_at`` stays the real moment the
  row was last written.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import event, select

from portal.accounts.models import Organization, User
from portal.catalog.kinds import CUSTOMERS, PRODUCTS
from portal.catalog.models import Customer, Product
from portal.catalog.services import create_row
from portal.clock import utcnow, zone
from portal.dashboard.totals import rebuild_totals
from portal.demo import catalog
from portal.demo.plan import Line, Planner, Step
from portal.documents import services as documents
from portal.documents.lines import LineForm, line_values
from portal.documents.models import DocumentEvent
from portal.extensions import db
from portal.invoices import services as invoices
from portal.invoices.models import Invoice, Payment
from portal.money import quantize
from portal.quotes import services as quotes
from portal.quotes.document import QUOTES
from portal.quotes.models import Quote
from portal.security.roles import Role

STAMPED = (Customer, Product, Quote, Invoice, Payment, DocumentEvent)
DEMO_CUSTOMERS = {customer.name: customer for customer in catalog.CUSTOMERS}
DEMO_PRODUCTS = {product.sku: product for product in catalog.PRODUCTS}
NO_SURCHARGE = Decimal("0")


@dataclass
class Replay:
    """The day and moment being replayed, and who acts."""

    organization: Organization
    operator: User
    accountant: User
    day: date
    moment: datetime
    customers: dict[str, Customer]
    products: dict[str, Product]

    def today(self) -> date:
        return self.day

    def stamp(self, _mapper: Any, _connection: Any, row: Any) -> None:
        """A row of the organisation is written at the replayed moment."""
        if getattr(row, "organization_id", None) != self.organization.id:
            return
        if isinstance(row, DocumentEvent):
            row.at = self.moment
        else:
            row.created_at = self.moment

    def lines(self, customer: str, lines: list[Line]) -> list[dict[str, Any]]:
        """The lines as the document page posts them (a product, its quantity and discount,
        the tax by its name, the recargo when it must be turned off), made into values by
        ``line_values`` as a post is: price, description and rate from the product and the
        table, recargo left for ``apply_lines`` to pair with the rate."""
        buyer = DEMO_CUSTOMERS[customer]
        entries = []
        for sku, quantity, discount in lines:
            product = DEMO_PRODUCTS[sku]
            # A shop under recargo pays it only on the goods it sells on.
            own_use = buyer.surcharge and sku not in buyer.resells
            data = {
                "product_id": self.products[sku].public_id,
                "quantity": quantity,
                "discount_percent": discount,
                "tax_name": tax_name(product, buyer),
                "surcharge_percent": NO_SURCHARGE if own_use else None,
            }
            entries.append(LineForm(data=data).data)
        return line_values(entries, self.organization.id, self.organization.tax_rates)


def tax_name(product: catalog.DemoProduct, customer: catalog.DemoCustomer) -> str:
    """The rate of the demo organisation's table a line names (see ``catalog.FOREIGN_RATES``
    for customers outside Spain)."""
    if not customer.abroad:
        return catalog.SPANISH_RATES[product.tax_rate]
    return catalog.NOT_SUBJECT if product.sku in catalog.SERVICES_ABROAD else catalog.EXPORT


@contextmanager
def _replaying(replay: Replay) -> Iterator[None]:
    """The organisation's "today" is the replayed day (on this instance, which every service
    reaches as ``actor.organization`` or ``document.organization``) and its new rows carry
    the replayed moment, until the replay ends."""
    organization = replay.organization
    organization.today = replay.today  # type: ignore[method-assign]
    for model in STAMPED:
        event.listen(model, "before_insert", replay.stamp)
    try:
        yield
    finally:
        for model in STAMPED:
            event.remove(model, "before_insert", replay.stamp)
        vars(organization).pop("today", None)


def create_demo_activity(organization: Organization, *, size: float = 1.0) -> None:
    """Replay a year of the demo organisation's business, up to now. ``size`` scales the
    number of documents (1: about 120 quotes and 200 invoices)."""
    members = {
        user.role: user
        for user in db.session.scalars(select(User).where(User.organization_id == organization.id))
    }
    planner = Planner(organization.today(), size).plan()
    steps = planner.steps(organization.time_zone, utcnow())
    tz = zone(organization.time_zone)
    replay = Replay(
        organization,
        operator=members[Role.OPERATOR],
        accountant=members[Role.ACCOUNTANT],
        day=planner.first,
        moment=datetime.combine(planner.first, time(8), tz).astimezone(UTC),
        customers={},
        products={},
    )
    with _replaying(replay):
        _create_catalog(replay)
        for step in steps:
            replay.day = step.at.astimezone(tz).date()
            replay.moment = step.at
            ACTIONS[step.action](replay, step)
            db.session.flush()  # what the step wrote is stamped with its moment
    # The running totals counted each transition as the service made it; the moments set
    # after it (a quote's ``sent_at`` and ``decided_at``: the waits and the day a quote was
    # accepted) are the replayed ones: counted again from what the replay wrote.
    rebuild_totals(db.session(), [organization.id])


def _create_catalog(replay: Replay) -> None:
    """The customers and products, entered by the operator on the year's first morning."""
    values: dict[str, Any]
    for customer in catalog.CUSTOMERS:
        address = customer.address
        values = {  # as ``CustomerForm.data`` gives them (the address a sub-form's dict)
            "name": customer.name,
            "email": customer.email,
            "tax_id": customer.tax_id,
            "address": {
                "street": address.street,
                "postal_code": address.postal_code,
                "city": address.city,
                "region": address.region,
                "country": address.country,
            },
            "phone": customer.phone,
            "surcharge": customer.surcharge,
        }
        replay.customers[customer.name] = create_row(CUSTOMERS, replay.operator, values)
    for product in catalog.PRODUCTS:
        values = {
            "name": product.name,
            "sku": product.sku,
            "price": product.price,
            "tax_rate": product.tax_rate,
            "unit": product.unit,
            "active": True,
        }
        replay.products[product.sku] = create_row(PRODUCTS, replay.operator, values)
    db.session.flush()


def _create_quote(replay: Replay, step: Step) -> None:
    args = step.args
    data = {
        "customer_id": replay.customers[args["customer"]].public_id,
        "issue_date": args["issue_date"],
        "valid_until": args["valid_until"],
        "notes": args["notes"],
    }
    lines = replay.lines(args["customer"], args["lines"])
    step.doc.row = quotes.create_quote(replay.operator, data, lines)


def _send(replay: Replay, step: Step) -> None:
    quote = documents.perform(QUOTES, replay.operator, step.doc.row.public_id, "send")
    quote.sent_at = replay.moment


def _decide(replay: Replay, step: Step) -> None:
    actor: User | None = replay.operator
    quote: Quote | None
    if step.args["public_link"]:
        actor, quote = None, quotes.quote_by_token(step.doc.row.public_token, for_update=True)
    else:
        quote = quotes.get_quote(replay.operator, step.doc.row.public_id, for_update=True)
    if quote is None:  # the link answers only while the quote awaits an answer
        raise RuntimeError(f"{step.doc.row.number} is not waiting for an answer")
    quotes.decide(quote, step.args["accepted"], step.args["reason"], actor)
    quote.decided_at = replay.moment


def _convert(replay: Replay, step: Step) -> None:
    step.args["invoice"].row = quotes.convert_quote(replay.accountant, step.doc.row.public_id)


def _create_invoice(replay: Replay, step: Step) -> None:
    args = step.args
    data = {
        "customer_id": replay.customers[args["customer"]].public_id,
        "invoice_date": args["invoice_date"],
        "due_date": args["due_date"],
        "notes": args["notes"],
    }
    lines = replay.lines(args["customer"], args["lines"])
    step.doc.row = invoices.create_invoice(replay.accountant, data, lines)


def _issue(replay: Replay, step: Step) -> None:
    invoices.issue_invoice(replay.accountant, step.doc.row.public_id).issued_at = replay.moment


def _void(replay: Replay, step: Step) -> None:
    invoices.void_invoice(replay.accountant, step.doc.row.public_id).voided_at = replay.moment


def _pay(replay: Replay, step: Step) -> None:
    invoice = step.doc.row
    share = step.args["share"]
    payment = {
        "amount": quantize(invoice.total * share) if share else invoice.balance,
        "paid_on": replay.day,
        "method": step.args["method"],
        "reference": step.args["reference"],
    }
    invoices.record_payment(replay.accountant, invoice.public_id, payment)


ACTIONS: dict[str, Callable[[Replay, Step], None]] = {
    "create_quote": _create_quote,
    "send": _send,
    "decide": _decide,
    "convert": _convert,
    "create_invoice": _create_invoice,
    "issue": _issue,
    "void": _void,
    "pay": _pay,
}
