"""The dates of a recurring profile: pure arithmetic on the calendar, no database.

Period ``n`` falls ``n × interval`` days, months, quarters or years after the start,
computed from the start each time: a day the month does not have becomes its last day
(31 January → 28 February → 31 March), and leap days fall back to 28 February in other
years. A schedule ends at its end date (a period may fall on it) or after ``count``
invoices, whichever comes first.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import MAXYEAR, date, timedelta

from portal.recurring.models import Frequency

MONTHS = {Frequency.MONTHLY: 1, Frequency.QUARTERLY: 3, Frequency.YEARLY: 12}
MAX_INTERVAL = 366  # every 366 days, months… at most
PREVIEW_RUNS = 5


@dataclass(frozen=True)
class Schedule:
    frequency: str
    interval: int
    start: date
    end: date | None = None
    count: int | None = None

    def period(self, n: int) -> date | None:
        """The date of period ``n`` (0 is the start), or ``None`` past the calendar."""
        if n < 0:
            raise ValueError(n)
        if self.frequency == Frequency.DAYS:
            try:
                return self.start + timedelta(days=self.interval * n)
            except OverflowError:
                return None
        months = self.start.month - 1 + MONTHS[self.frequency] * self.interval * n
        year, month = self.start.year + months // 12, months % 12 + 1
        if year > MAXYEAR:
            return None
        return date(year, month, min(self.start.day, monthrange(year, month)[1]))

    def first_on_or_after(self, day: date) -> int:
        """The index of the first period dated ``day`` or later."""
        if day <= self.start:
            return 0
        if self.frequency == Frequency.DAYS:
            return -(-(day - self.start).days // self.interval)
        step = MONTHS[self.frequency] * self.interval
        months = (day.year - self.start.year) * 12 + day.month - self.start.month
        n = max(months // step - 1, 0)
        while (found := self.period(n)) is not None and found < day:
            n += 1
        return n

    def allows(self, n: int, made: int) -> date | None:
        """The date of period ``n`` when the schedule still runs then, ``made`` invoices
        having been made before it; else ``None`` (over)."""
        if self.count is not None and made >= self.count:
            return None
        when = self.period(n)
        if when is None or (self.end is not None and when > self.end):
            return None
        return when

    def upcoming(self, n: int, made: int, limit: int = PREVIEW_RUNS) -> list[date]:
        """The next ``limit`` dates from period ``n`` on (the profile's preview)."""
        dates: list[date] = []
        while len(dates) < limit:
            when = self.allows(n + len(dates), made + len(dates))
            if when is None:
                break
            dates.append(when)
        return dates
