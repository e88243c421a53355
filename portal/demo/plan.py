"""The demo organisation's year, planned: one chain of dated steps per document.

Pure planning, no database: a seeded ``random.Random`` and the organisation's today decide
every customer, line, date and fate, so two runs on one day plan the same year. What becomes
of each document is a fixed share of the year (so every state is there, whatever the size),
and when it could have started follows from its fate: a draft is recent, an expired quote was
sent more than a month ago. How invoices are paid follows from their customer's habit.
``portal.demo.replay`` plays the steps through the services.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from portal.clock import zone
from portal.demo.catalog import (
    CUSTOMERS,
    INVOICE_NOTES,
    PAYMENT_HABITS,
    PRODUCTS,
    QUOTE_NOTES,
    REJECTION_REASONS,
    SPAIN_ONLY,
    DemoCustomer,
    DemoProduct,
)

SEED = 2026
DAYS = 365  # today and the 364 days before it
QUOTES_PER_YEAR = 120
INVOICES_PER_YEAR = 140  # written directly; the converted quotes add theirs (about 60)
VALIDITY_DAYS = 30
CONVERSION_TERMS_DAYS = (
    30  # what a conversion gives (the organisation's payment terms, 30 by default)
)

# Fate: (share of the year's documents, newest and oldest issue date in days before today;
# None is the first day of the year). The quotes not listed are converted into invoices.
QUOTE_FATES: dict[str, tuple[float, int, int | None]] = {
    "draft": (0.06, 0, 10),
    "sent": (0.08, 0, 24),  # still valid: waiting for the customer
    "expired": (0.12, VALIDITY_DAYS + 5, None),
    "rejected": (0.16, 3, None),
    "accepted": (0.08, 2, 30),  # waiting for the accountant to convert it
    "converted": (0.0, 4, None),
}
# The invoices written directly that are not listed are paid as their customer pays.
INVOICE_FATES: dict[str, tuple[float, int, int | None]] = {
    "draft": (0.04, 0, 10),
    "void_draft": (0.03, 0, None),  # a mistake, voided the day it was written
    "void_issued": (0.03, 10, None),  # issued, then voided a few days later
    # Issued and never paid (a dispute, a customer in trouble): overdue, whatever its terms.
    "unpaid": (0.04, 65, 200),
    "part_paid": (0.05, 45, 180),  # a first instalment, then nothing
    "paid": (0.0, 0, None),
}
RECURRING = (  # support contracts invoiced on each month's first working day
    ("Academia de Idiomas Babel S.L.", ("SV-SOP-EMP",)),
    ("Gestoría Norte S.L.", ("SV-SOP-BAS",)),
    ("Hotel Mirador del Sol S.A.", ("SV-SOP-BAS", "SV-MAN-WEB")),
)
SLOW_MONTHS = {8: 0.45, 12: 0.8, 1: 0.85}  # August holidays, Christmas
# Spain's national holidays (month, day): nobody invoices on them.
HOLIDAYS = {(1, 1), (1, 6), (5, 1), (8, 15), (10, 12), (11, 1), (12, 6), (12, 8), (12, 25)}
REFERENCES = {"TRANSFER": "TRF-{n}", "CHECK": "Cheque {n}", "CARD": "TPV-{n}"}
RESOLD_SHARE = 0.6  # of a shop's lines, those of goods it sells on

Line = tuple[str, Decimal, Decimal]  # SKU, quantity, discount %


@dataclass
class Doc:
    """A document of the plan; ``row`` is its row once a step has created it."""

    row: Any = None


@dataclass(order=True)
class Step:
    at: datetime  # UTC
    seq: int
    action: str = field(compare=False)
    doc: Doc = field(compare=False)
    args: dict[str, Any] = field(compare=False, default_factory=dict)


Planned = tuple[date, str, Doc, dict[str, Any]]


class Planner:
    """Plans the year up to ``today``: ``plan()`` fills ``chains``, ``steps()`` dates them."""

    def __init__(self, today: date, size: float = 1.0, seed: int = SEED) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - demo data, not a secret
        self.today = today
        self.size = size
        self.first = today - timedelta(days=DAYS - 1)
        self.days = [self.first + timedelta(days=i) for i in range(DAYS)]
        self.weights = [self._weight(i, day) for i, day in enumerate(self.days)]
        self.chains: list[list[Planned]] = []
        # What each customer may be sold (``SPAIN_ONLY`` stays in Spain), and of it, what
        # it sells on (a shop under recargo: most of its lines).
        self.offered = {c.name: _offered(c) for c in CUSTOMERS}
        self.resold = {
            c.name: [p for p in self.offered[c.name] if p.sku in c.resells] for c in CUSTOMERS
        }

    def plan(self) -> Planner:
        self._quotes()
        self._invoices()
        return self

    def steps(self, time_zone: str, now: datetime) -> list[Step]:
        """Every step at a moment of its day's working hours (never after ``now``), in the
        order they happened; the steps of one chain keep their order."""
        tz = zone(time_zone)
        steps: list[Step] = []
        for chain in self.chains:
            fractions = sorted(self.rng.random() for _ in chain)
            for (day, action, doc, args), fraction in zip(chain, fractions, strict=True):
                opens = datetime.combine(day, time(8, 30), tz)
                closes = min(datetime.combine(day, time(19), tz), now)
                if closes <= opens:  # today, before opening time
                    opens = datetime.combine(day, time(0), tz)
                moment = (opens + (closes - opens) * fraction).astimezone(UTC)
                steps.append(Step(moment, len(steps), action, doc, args))
        return sorted(steps)

    def _weight(self, index: int, day: date) -> float:
        if not _working(day):
            return 0.0
        return SLOW_MONTHS.get(day.month, 1.0) * (0.8 + 0.4 * index / DAYS)  # a growing year

    def _count(self, per_year: float) -> int:
        return max(1, round(per_year * self.size))

    def _fates(
        self, fates: dict[str, tuple[float, int, int | None]], total: int, planned: int = 0
    ) -> list[str]:
        """Each fate its share of ``total`` (at least one); the one without a share takes
        the rest, less the ``planned`` documents it already has."""
        counts = {name: self._count(total * share) for name, (share, *_) in fates.items() if share}
        rest = next(name for name, (share, *_) in fates.items() if not share)
        counts[rest] = max(1, self._count(total) - sum(counts.values()) - planned)
        return [name for name, count in counts.items() for _ in range(count)]

    def _day(self, fates: dict[str, tuple[float, int, int | None]], fate: str) -> date:
        """A working day (busier ones likelier) in the window the fate allows."""
        _share, newest, oldest = fates[fate]
        start = 0 if oldest is None else DAYS - 1 - oldest
        days, weights = self.days[start : DAYS - newest], self.weights[start : DAYS - newest]
        if not any(weights):
            return self.rng.choice(days)
        return self.rng.choices(days, weights)[0]

    def _later(self, day: date, lo: int, hi: int) -> date:
        """A working day ``lo`` to ``hi`` days after ``day`` (it may be after today)."""
        day += timedelta(days=self.rng.randint(lo, hi))
        while not _working(day):
            day += timedelta(days=1)
        return day

    def _customer(self) -> DemoCustomer:
        return self.rng.choices(CUSTOMERS, [c.weight for c in CUSTOMERS])[0]

    def _lines(self, customer: DemoCustomer) -> list[Line]:
        """One to four different products the customer may be sold; a shop's mostly what
        it sells on."""
        count = self.rng.choices((1, 2, 3, 4), (40, 30, 20, 10))[0]
        offered, resold = self.offered[customer.name], self.resold[customer.name]
        chosen: dict[str, Line] = {}
        while len(chosen) < count:
            pool = resold if resold and self.rng.random() < RESOLD_SHARE else offered
            product = self.rng.choices(pool, [p.weight for p in pool])[0]
            quantity = Decimal(self.rng.randint(*product.quantities))
            discount = self.rng.choices((Decimal(0), Decimal(5), Decimal(10)), (80, 12, 8))[0]
            chosen[product.sku] = (product.sku, quantity, discount)
        return list(chosen.values())

    def _note(self, notes: tuple[str, ...], chance: float) -> str:
        return self.rng.choice(notes) if self.rng.random() < chance else ""

    def _add(self, *steps: Planned) -> None:
        """A chain, less what would happen after today (its days never go back)."""
        self.chains.append([step for step in steps if step[0] <= self.today])

    def _quotes(self) -> None:
        for fate in self._fates(QUOTE_FATES, QUOTES_PER_YEAR):
            self._quote(fate)

    def _quote(self, fate: str) -> None:
        customer = self._customer()
        issued = self._day(QUOTE_FATES, fate)
        valid_until = issued + timedelta(days=VALIDITY_DAYS)
        quote = Doc()
        written = {
            "customer": customer.name,
            "issue_date": issued,
            "valid_until": valid_until,
            "lines": self._lines(customer),
            "notes": self._note(QUOTE_NOTES, 0.3),
        }
        steps: list[Planned] = [(issued, "create_quote", quote, written)]
        if fate == "draft":
            return self._add(*steps)
        sent = min(self._later(issued, 0, 1), self.today)
        steps.append((sent, "send", quote, {}))
        if fate in ("sent", "expired"):
            return self._add(*steps)
        decided = min(self._later(sent, 1, 12 if fate == "accepted" else 20), valid_until)
        decision = {
            "accepted": fate != "rejected",
            "reason": self.rng.choice(REJECTION_REASONS) if fate == "rejected" else "",
            "public_link": self.rng.random() < 0.5,  # the customer answered online
        }
        steps.append((max(min(decided, self.today), sent), "decide", quote, decision))
        if fate in ("rejected", "accepted"):
            return self._add(*steps)
        converted = min(self._later(steps[-1][0], 0, 4), self.today)
        invoice = Doc()
        steps.append((converted, "convert", quote, {"invoice": invoice}))
        if (self.today - converted).days <= 7 and self.rng.random() < 0.5:
            return self._add(*steps)  # a draft the accountant has not issued yet
        due = converted + timedelta(days=CONVERSION_TERMS_DAYS)
        self._add(*steps, *self._settlement(invoice, customer, converted, due, "paid"))

    def _invoices(self) -> None:
        recurring = self._recurring()
        for fate in self._fates(INVOICE_FATES, INVOICES_PER_YEAR, recurring):
            customer = self._customer()
            self._invoice(customer, self._day(INVOICE_FATES, fate), fate, self._lines(customer))

    def _recurring(self) -> int:
        """The support contracts' monthly invoices; how many there are."""
        count = 0
        for name, skus in RECURRING[: self._count(len(RECURRING))]:
            customer = next(c for c in CUSTOMERS if c.name == name)
            month = self.first.replace(day=1)
            while month <= self.today:
                day = self._later(month, 0, 0)
                if self.first <= day <= self.today:
                    lines = [(sku, Decimal(1), Decimal(0)) for sku in skus]
                    self._invoice(customer, day, "paid", lines)
                    count += 1
                month = (month + timedelta(days=32)).replace(day=1)
        return count

    def _invoice(self, customer: DemoCustomer, day: date, fate: str, lines: list[Line]) -> None:
        invoice = Doc()
        due = day + timedelta(days=customer.terms)
        written = {
            "customer": customer.name,
            "invoice_date": day,
            "due_date": due,
            "lines": lines,
            "notes": self._note(INVOICE_NOTES, 0.2),
        }
        step: Planned = (day, "create_invoice", invoice, written)
        if fate == "draft":
            return self._add(step)
        if fate == "void_draft":
            return self._add(step, (day, "void", invoice, {}))
        self._add(step, *self._settlement(invoice, customer, day, due, fate))

    def _settlement(
        self, invoice: Doc, customer: DemoCustomer, day: date, due: date, fate: str
    ) -> list[Planned]:
        """Issue the invoice, then what its fate and its customer's habit make of it."""
        issued = self._later(day, 1, 1) if self.rng.random() < 0.2 else day
        steps: list[Planned] = [(issued, "issue", invoice, {})]
        if fate == "void_issued":
            return [*steps, (self._later(issued, 1, 6), "void", invoice, {})]
        if fate == "unpaid":
            return steps
        if fate == "part_paid":
            return [*steps, self._payment(invoice, customer, self._later(day, 20, 40), True)]
        early, late = PAYMENT_HABITS[customer.habit]
        paid = max(self._later(due, early, late), self._later(issued, 2, 4))
        if self.rng.random() < 0.15:  # in two instalments
            half = issued + (paid - issued) / 2
            steps.append(self._payment(invoice, customer, self._later(half, 0, 0), True))
        return [*steps, self._payment(invoice, customer, paid, False)]

    def _payment(self, invoice: Doc, customer: DemoCustomer, day: date, part: bool) -> Planned:
        """A payment of part of the invoice (a quarter to 60 %) or of its balance."""
        weights = [4] + [1] * (len(customer.methods) - 1)
        method = self.rng.choices(customer.methods, weights)[0]
        reference = REFERENCES.get(method, "").format(n=self.rng.randint(10000, 99999))
        share = Decimal(self.rng.randint(25, 60)) / 100 if part else None
        return (day, "pay", invoice, {"share": share, "method": method, "reference": reference})


def _offered(customer: DemoCustomer) -> list[DemoProduct]:
    return [p for p in PRODUCTS if not (customer.abroad and p.sku in SPAIN_ONLY)]


def _working(day: date) -> bool:
    return day.weekday() < 5 and (day.month, day.day) not in HOLIDAYS
