"""Charts with believable figures, for the chart tests and the browser test's sample page."""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from flask_babel import format_currency, format_date, format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from portal.dashboard.charts import Series, bar_chart, whole_currency


def month_starts(today: date, count: int) -> list[date]:
    """The first days of the ``count`` months up to today's, oldest first."""
    index = today.year * 12 + today.month - 1
    return [date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def euros(value: Decimal) -> str:
    return format_currency(value, "EUR")


def monthly(chart_id: str, months: list[date], seed: int = 4) -> Markup:
    rnd = random.Random(seed)
    invoiced = [Decimal(rnd.randint(800_000, 3_000_000)) / 100 for _month in months]
    paid = [(value * rnd.randint(55, 100) / 100).quantize(Decimal("0.01")) for value in invoiced]
    return bar_chart(
        chart_id=chart_id,
        title=_("Invoiced"),
        categories=[format_date(month, "MMM yyyy") for month in months],
        series=[Series(_("Invoiced"), invoiced), Series(_("Revenue"), paid)],
        format_value=euros,
        format_tick=whole_currency("EUR"),
        category_label="Mes / Month",
        axis_label="EUR",
    )


def aging(chart_id: str = "aging") -> Markup:
    return bar_chart(
        chart_id=chart_id,
        title="Antigüedad de lo pendiente <b>de cobro</b>",
        categories=["Al día", "1–30 días", "31–60 días", "61–90 días", "Más de 90 días"],
        series=[
            Series(
                _("Outstanding"), [Decimal(v) for v in ("12500.5", "8300", "2100.2", "0", "950")]
            )
        ],
        format_value=euros,
        format_tick=whole_currency("EUR"),
        category_label="Días de retraso",
        axis_label="EUR",
    )


def pipeline(chart_id: str = "pipeline") -> Markup:
    statuses = ["Borrador", "Enviada", "Aceptada", "Rechazada", "Caducada", "Convertida"]
    return bar_chart(
        chart_id=chart_id,
        title="Cotizaciones por estado",
        categories=statuses,
        series=[Series(_("Quotes"), [Decimal(n) for n in (3, 7, 4, 2, 1, 9)])],
        format_value=format_decimal,
        category_label=_("Status"),
    )


def empty(chart_id: str, months: list[date]) -> Markup:
    zeros = [Decimal(0)] * len(months)
    return bar_chart(
        chart_id=chart_id,
        title=_("Invoiced"),
        categories=[format_date(month, "MMM yyyy") for month in months],
        series=[Series(_("Invoiced"), zeros), Series(_("Revenue"), zeros)],
        format_value=euros,
        format_tick=whole_currency("EUR"),
        category_label="Mes / Month",
        axis_label="EUR",
    )
