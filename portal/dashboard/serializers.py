"""The dashboard as JSON: camelCase, amounts and ratios as decimal strings."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from portal.dashboard.services import Dashboard, Figures, ratio
from portal.money import money


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:f}"


def change(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """The change from ``before`` to ``now`` in % (one decimal); ``None`` without a base."""
    if now is None or before is None or before == 0:
        return None
    return ratio(now - before, before, places=1)


def _figures_json(figures: Figures) -> dict[str, Any]:
    return {
        "revenue": money(figures.revenue),
        "invoiced": money(figures.invoiced),
        "quoteConversionRate": _decimal(figures.quote_conversion_rate),
        "averageDaysToPay": _decimal(figures.average_days_to_pay),
        "averageDaysToAccept": _decimal(figures.average_days_to_accept),
    }


CHANGED = (
    ("revenue", "revenue"),
    ("invoiced", "invoiced"),
    ("quoteConversionRate", "quote_conversion_rate"),
    ("averageDaysToPay", "average_days_to_pay"),
    ("averageDaysToAccept", "average_days_to_accept"),
)


def dashboard_json(board: Dashboard) -> dict[str, Any]:
    now, before = board.current, board.previous
    aging = board.aging
    return {
        "from": board.period.start.isoformat(),
        "to": board.period.end.isoformat(),
        "currency": board.currency,
        **_figures_json(now),
        "outstanding": money(board.outstanding),
        "overdue": money(board.overdue),
        "overdueCount": board.overdue_count,
        "quotesOpen": board.quotes_open,
        "pipelineValue": money(board.pipeline_value),
        "dso": _decimal(board.dso),
        "aging": {
            "current": money(aging.current),
            "days1to30": money(aging.days1to30),
            "days31to60": money(aging.days31to60),
            "days61to90": money(aging.days61to90),
            "over90": money(aging.over90),
        },
        "monthly": [
            {"month": month.strftime("%Y-%m"), "invoiced": money(inv), "paid": money(paid)}
            for month, inv, paid in board.monthly
        ],
        "topCustomers": [
            {"id": public_id, "name": name, "invoiced": money(amount)}
            for public_id, name, amount in board.top_customers
        ],
        "topProducts": [
            {"id": public_id, "name": name, "quantity": f"{quantity:.3f}", "net": money(net)}
            for public_id, name, quantity, net in board.top_products
        ],
        "pipeline": [
            {"status": status, "count": count, "total": money(total)}
            for status, (count, total) in sorted(board.pipeline.items())
        ],
        "previous": {
            "from": board.previous_period.start.isoformat(),
            "to": board.previous_period.end.isoformat(),
            **_figures_json(before),
        },
        "change": {
            key: _decimal(change(getattr(now, name), getattr(before, name)))
            for key, name in CHANGED
        },
    }
