"""The reports there are, by the name their URLs use, and running one for a request."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from portal.accounts.models import User
from portal.pagination import limit_arg
from portal.periods import Period, period_from
from portal.reports.aging import AGING
from portal.reports.kind import ReportKind
from portal.reports.quotes import QUOTES
from portal.reports.sales import SALES
from portal.reports.taxes import TAXES

REPORTS: dict[str, ReportKind] = {kind.name: kind for kind in (AGING, QUOTES, SALES, TAXES)}

# For routes: ``/reports/<any(aging, quotes, sales, taxes):name>``; any other name is a 404.
NAMES = ", ".join(REPORTS)


def run_report(
    kind: ReportKind, actor: User, args: Mapping[str, str], *, every_row: bool = False
) -> tuple[Period, Any]:
    """The period ``args`` name (a 400 naming ``from``/``to`` if they are bad) and the
    report computed over it, in the organisation's dates.

    A ranking report answers the ``?limit=`` largest rows of each ranking (the rest summed
    in one "others" row), or ``every_row`` (a CSV download: the whole table)."""
    period = period_from(args, actor.organization.today(), kind.default_period)
    limit = None if every_row or not kind.ranks else limit_arg(args)
    return period, kind.compute(actor, period, limit)
