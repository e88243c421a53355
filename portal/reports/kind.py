"""What a report declares: its name, the words that present it, how it is computed and
how it reads as JSON and as a CSV table."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from portal.accounts.models import User
from portal.periods import Period, last_12_months

# A CSV table: the header (the JSON's own names) and the rows under it.
Table = tuple[list[str], list[list[Any]]]


@dataclass(frozen=True)
class ReportKind:
    name: str
    title: Any  # lazy text
    summary: Any  # lazy text: one sentence for the list of reports
    # (who asks, the period, how many rows of each ranking: None for all of them)
    compute: Callable[[User, Period, int | None], Any]
    to_json: Callable[[Any], dict[str, Any]]
    to_table: Callable[[Any], Table]
    uses_period: bool = True  # aging is "as of today" whatever the range
    ranks: bool = False  # one row per customer or product: ``?limit=`` of them, the rest summed
    default_period: Callable[[date], Period] = last_12_months
