"""Date ranges of reports and the dashboard, in the organisation's own dates.

``?from=YYYY-MM-DD&to=YYYY-MM-DD`` (both inclusive); either may be left out and then comes
from the default period. Presets name the periods people ask for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationError
from portal.forms import INVALID_DATE

MAX_DAYS = 5 * 366  # "at most five years", leap days included
TO_BEFORE_FROM = _l("The end of the range cannot be before its start")
RANGE_TOO_LONG = _l("The range can span at most 5 years")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same length just before this one."""
        end = self.start - timedelta(days=1)
        return Period(end - timedelta(days=self.days - 1), end)

    def months(self) -> list[date]:
        """The first day of every month the period touches, in order."""
        months, month = [], self.start.replace(day=1)
        while month <= self.end:
            months.append(month)
            month = (month + timedelta(days=32)).replace(day=1)
        return months


def _month_start(day: date, back: int = 0) -> date:
    index = day.year * 12 + day.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _month_end(first: date) -> date:
    return (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)


def this_month(today: date) -> Period:
    return Period(_month_start(today), today)


def last_month(today: date) -> Period:
    first = _month_start(today, 1)
    return Period(first, _month_end(first))


def this_quarter(today: date) -> Period:
    return Period(date(today.year, (today.month - 1) // 3 * 3 + 1, 1), today)


def this_year(today: date) -> Period:
    return Period(date(today.year, 1, 1), today)


def last_12_months(today: date) -> Period:
    return Period(_month_start(today, 11), today)


# Presets offered on the pages, in their order: key → (label, period of a given today).
PRESETS: dict[str, tuple[object, Callable[[date], Period]]] = {
    "this_month": (_l("This month"), this_month),
    "last_month": (_l("Last month"), last_month),
    "this_quarter": (_l("This quarter"), this_quarter),
    "this_year": (_l("This year"), this_year),
    "last_12_months": (_l("Last 12 months"), last_12_months),
}


def _parse(raw: str | None) -> date | None:
    """An ISO date between 2000 and 2100; ``None`` for blank; ``ValueError`` otherwise."""
    text = (raw or "").strip()
    if not text:
        return None
    value = date.fromisoformat(text) if len(text) == 10 else None
    if value is None or not 2000 <= value.year <= 2100:
        raise ValueError(text)
    return value


def period_from(
    args: Mapping[str, str],
    today: date,
    default: Callable[[date], Period] = last_12_months,
) -> Period:
    """The period ``?from=&to=`` names (a preset with ``?period=``), else ``default``.

    Bad input is a 400 naming the field: ``errors.from`` / ``errors.to``.
    """
    preset = PRESETS.get(args.get("period") or "")
    base = (preset[1] if preset else default)(today)
    errors: dict[str, object] = {}
    values: dict[str, date | None] = {}
    for field in ("from", "to"):
        try:
            values[field] = _parse(args.get(field))
        except ValueError:
            errors[field] = INVALID_DATE
    if errors:
        raise ValidationError(errors)
    period = Period(values["from"] or base.start, values["to"] or base.end)
    if period.end < period.start:
        raise ValidationError({"to": TO_BEFORE_FROM})
    if period.days > MAX_DAYS:
        raise ValidationError({"to": RANGE_TOO_LONG})
    return period
