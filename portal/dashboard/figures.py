"""The dashboard's charts, drawn from its figures in the page's language."""

from __future__ import annotations

from decimal import Decimal

from flask_babel import format_currency, format_date
from flask_babel import gettext as _
from markupsafe import Markup

from portal.dashboard.charts import Series, bar_chart, whole_currency
from portal.dashboard.services import ZERO, Dashboard
from portal.documents.labels import QUOTE_STATUS_LABELS
from portal.quotes.models import QuoteStatus

PIPELINE_ORDER = (
    QuoteStatus.DRAFT,
    QuoteStatus.SENT,
    QuoteStatus.ACCEPTED,
    QuoteStatus.CONVERTED,
    QuoteStatus.REJECTED,
    QuoteStatus.EXPIRED,
)


def dashboard_charts(board: Dashboard) -> list[Markup]:
    """Monthly invoiced against collected, receivables by age, quotes by status."""
    currency = board.currency

    def amount(value: Decimal) -> str:
        return format_currency(value, currency)

    def chart(
        chart_id: str, title: str, categories: list[str], series: list[Series], by: str
    ) -> Markup:
        return bar_chart(
            chart_id=chart_id,
            title=title,
            categories=categories,
            series=series,
            category_label=by,
            format_value=amount,
            format_tick=whole_currency(currency),
            axis_label=currency,
        )

    aging = board.aging
    buckets = [aging.current, aging.days1to30, aging.days31to60, aging.days61to90, aging.over90]
    months = [format_date(month, "MMM yyyy") for month, _invoiced, _paid in board.monthly]
    pipeline = [board.pipeline.get(status, (0, ZERO))[1] for status in PIPELINE_ORDER]
    return [
        chart(
            "chart-monthly",
            _("Invoiced and collected by month"),
            months,
            [
                Series(_("Invoiced"), [invoiced for _m, invoiced, _p in board.monthly]),
                Series(_("Collected"), [paid for _m, _i, paid in board.monthly]),
            ],
            _("Month"),
        ),
        chart(
            "chart-aging",
            _("Receivables by days past due"),
            [
                _("Not yet due"),
                _("1–30 days"),
                _("31–60 days"),
                _("61–90 days"),
                _("Over 90 days"),
            ],
            [Series(_("Open balance"), buckets)],
            _("Days past due"),
        ),
        chart(
            "chart-pipeline",
            _("Quotes by status"),
            [str(QUOTE_STATUS_LABELS[status]) for status in PIPELINE_ORDER],
            [Series(_("Total"), pipeline)],
            _("Status"),
        ),
    ]
