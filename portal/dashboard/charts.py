"""Bar charts drawn on the server as inline SVG, with the same figures in a table.

No JavaScript, no inline ``style`` (the CSP forbids it): SVG presentation attributes and the
``chart-*`` classes of ``static/css/portal.css``. The SVG scales with its box (``viewBox``,
``width="100%"``); the stylesheet keeps it between ¾ and 1.3 times its drawn size so its text
stays legible, and a chart too wide for a phone scrolls inside its own box.

Colours are the Okabe–Ito palette, and the second series is hatched as well as coloured, so
that the series are told apart without colour; the legend names them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import partial

from flask_babel import format_currency, get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from portal.dashboard import svg
from portal.dashboard.svg import ANGLE, FONT, INK, clean, coord, text_width, truncate, two_lines

# Okabe & Ito, "Color Universal Design" (2008), in an order whose neighbours stay apart for
# every kind of colour blindness; the yellow is left out (too faint on white).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
MUTED, GRID = "#5b6475", "#d9dee7"
LINE = FONT * 1.25
LABEL_STEPS = (1, 2, 3, 4, 6, 12, 24, 36, 48, 60, 120)  # thin month labels to whole quarters…
MAX_UNTHINNED = 12  # …but a chart of twelve categories or fewer labels every one
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True)
class Series:
    """One named row of values, one value per category."""

    name: str
    values: Sequence[Decimal]


@dataclass(frozen=True)
class _Size:
    name: str
    width: int
    plot_height: int
    max_bars: int


# The viewBox width grows with the number of bars, in three steps that the stylesheet knows.
SIZES = (_Size("s", 400, 170, 12), _Size("m", 800, 200, 36), _Size("l", 960, 210, 1 << 30))


def whole_currency(currency: str) -> Callable[[Decimal], str]:
    """Format whole amounts of ``currency`` in the current locale, without cents (axis ticks)."""
    pattern = get_locale().currency_formats["standard"].pattern.replace(".00", "")
    return partial(format_currency, currency=currency, format=pattern, currency_digits=False)


def bar_chart(
    *,
    chart_id: str,
    title: str,
    categories: Sequence[str],
    series: Sequence[Series],
    format_value: Callable[[Decimal], str],
    category_label: str,
    axis_label: str | None = None,
    format_tick: Callable[[Decimal], str] | None = None,
) -> Markup:
    """A ``<figure>``: caption, grouped bars as inline SVG, and the figures in a table.

    ``format_value`` formats the table's figures and the bars' tooltips; ``format_tick`` the
    axis ticks (whole numbers; ``format_value`` if not given). ``chart_id`` must be unique on
    the page: it prefixes the ids inside the SVG. Texts are escaped here; pass them raw. In a
    page view, in the page's locale::

        bar_chart(
            chart_id="monthly",
            title=_("Invoiced and collected by month"),
            categories=[format_date(month, "MMM yyyy") for month in period.months()],
            series=[Series(_("Invoiced"), invoiced), Series(_("Collected"), collected)],
            format_value=lambda value: format_currency(value, currency),
            format_tick=whole_currency(currency),
            category_label=_("Month"),
            axis_label=currency,
        )
    """
    if not _ID.match(chart_id):
        raise ValueError(f"chart_id must be a plain identifier: {chart_id!r}")
    if not series:
        raise ValueError("a chart needs at least one series")
    for one in series:
        if len(one.values) != len(categories):
            raise ValueError(f"series {one.name!r} needs one value per category")
        if not all(Decimal(value).is_finite() for value in one.values):
            raise ValueError(f"series {one.name!r} has a value that is not a finite number")
    title, category_label = clean(title), clean(category_label)
    labels = [clean(category) for category in categories]
    names = [clean(one.name) for one in series]
    values = [[Decimal(value) for value in one.values] for one in series]
    drawing = _svg(
        chart_id,
        title,
        labels,
        names,
        values,
        format_value,
        format_tick or format_value,
        clean(axis_label) if axis_label else None,
        category_label,
    )
    table = _table(title, category_label, labels, names, values, format_value)
    return Markup(
        '<figure class="chart" id="{id}">'
        '<figcaption class="chart-title" id="{id}-caption">{title}</figcaption>'
        '<div class="chart-scroll">{svg}</div>{table}</figure>'
    ).format(id=chart_id, title=title, svg=drawing, table=table)


def nice_axis(low: Decimal, high: Decimal) -> list[Decimal]:
    """Ticks from a round number ≤ min(low, 0) to one ≥ max(high, 0), in whole round steps.

    Three or four steps when every value has the same sign; ``[0]`` when there is nothing.
    """
    low, high = min(low, Decimal(0)), max(high, Decimal(0))
    span = high - low
    if span == 0:
        return [Decimal(0)]
    raw = span / 4
    step = Decimal(1)
    if raw > 1:
        magnitude = Decimal(1).scaleb(raw.adjusted())
        # Whole steps only; with the 3 and 4 between them no step is twice the one below.
        factors = (
            ("1", "2", "3", "4", "5", "10") if magnitude == 1 else ("1", "2", "2.5", "5", "10")
        )
        step = next(f * magnitude for f in map(Decimal, factors) if f * magnitude >= raw)
    first = (low / step).to_integral_value(ROUND_FLOOR)
    last = (high / step).to_integral_value(ROUND_CEILING)
    return [Decimal(int(k * step)) for k in range(int(first), int(last) + 1)]


@dataclass(frozen=True)
class _Plot:
    """The rectangle the bars live in, and the values its top and bottom stand for."""

    left: float
    top: float
    width: float
    height: float
    lowest: Decimal
    highest: Decimal

    @property
    def bottom(self) -> float:
        return self.top + self.height

    def y(self, value: Decimal) -> float:
        share = (self.highest - value) / (self.highest - self.lowest)
        return self.top + self.height * float(share)


def _svg(
    chart_id: str,
    title: str,
    labels: list[str],
    names: list[str],
    values: list[list[Decimal]],
    format_value: Callable[[Decimal], str],
    format_tick: Callable[[Decimal], str],
    axis_label: str | None,
    category_label: str,
) -> Markup:
    size = next(s for s in SIZES if len(labels) * len(names) <= s.max_bars)
    every = [value for row in values for value in row]
    ticks = nice_axis(min(every, default=Decimal(0)), max(every, default=Decimal(0)))
    tick_texts = [clean(format_tick(tick)) for tick in ticks]
    parts: list[Markup] = []

    # Legend (two series or more), then the value axis' title, each on its own row.
    top = 8.0
    if len(names) > 1:
        legend, top = _legend(chart_id, names, size.width, top)
        parts.append(legend)
    if axis_label:
        text = truncate(axis_label, size.width - 16)
        parts.append(svg.text(8, top + FONT, text, anchor="start", fill=MUTED, css="chart-axis"))
        top += LINE
    left = min(max(text_width(text) for text in tick_texts) + 14, size.width / 3)
    plot = _Plot(
        left=left,
        top=top + FONT * 0.75,
        width=size.width - 12 - left,
        height=float(size.plot_height),
        lowest=ticks[0],
        highest=ticks[-1] if len(ticks) > 1 else Decimal(1),
    )
    for tick, text in zip(ticks, tick_texts, strict=True):
        at = plot.y(tick)
        parts.append(
            svg.line(plot.left, at, plot.left + plot.width, at, MUTED if tick == 0 else GRID)
        )
        parts.append(
            svg.text(
                plot.left - 6,
                at + FONT * 0.35,
                truncate(text, left - 8),
                anchor="end",
                css="chart-tick",
            )
        )
    parts.append(svg.line(plot.left, plot.top, plot.left, plot.bottom, MUTED))
    parts.append(_bars(chart_id, plot, labels, names, values, format_value))
    axis, bottom = _category_axis(plot, labels)
    parts.append(axis)
    centre = plot.left + plot.width / 2
    text = truncate(category_label, plot.width)
    parts.append(
        svg.text(centre, bottom + FONT, text, anchor="middle", fill=MUTED, css="chart-axis")
    )
    if not any(every):
        message = _("Nothing to show yet")
        middle = plot.top + plot.height / 2
        parts.append(
            svg.text(
                centre,
                middle,
                message,
                anchor="middle",
                fill=MUTED,
                size=FONT + 2,
                css="chart-empty",
            )
        )

    head = Markup(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg chart-svg-{size}" '
        'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet" role="img" '
        'aria-labelledby="{id}-title" aria-describedby="{id}-desc" font-size="{font}" '
        'fill="{ink}"><title id="{id}-title">{title}</title><desc id="{id}-desc">{desc}</desc>'
        "{defs}"
    ).format(
        size=size.name,
        w=size.width,
        h=coord(bottom + LINE + 8),
        id=chart_id,
        font=FONT,
        ink=INK,
        title=title,
        desc=_("The figures are also in the table below the chart."),
        defs=_patterns(chart_id, len(names)),
    )
    return head + Markup("").join(parts) + Markup("</svg>")


def _bars(
    chart_id: str,
    plot: _Plot,
    labels: list[str],
    names: list[str],
    values: list[list[Decimal]],
    format_value: Callable[[Decimal], str],
) -> Markup:
    """One rect per category and series, from the zero line up (or down), with a tooltip."""
    groups = len(names)
    slot = plot.width / max(len(labels), 1)
    group_width = min(slot * (0.8 if groups > 1 else 0.64), 44.0 * groups)
    bar = group_width / groups
    gap = 1.0 if groups > 1 and bar > 4 else 0.0
    zero = plot.y(Decimal(0))
    rects = []
    for index, label in enumerate(labels):
        start = plot.left + slot * index + (slot - group_width) / 2
        for group in range(groups):
            value = values[group][index]
            top, bottom = sorted((zero, plot.y(value)))
            rects.append(
                Markup(
                    '<rect class="chart-bar" data-series="{}" data-index="{}" x="{}" y="{}" '
                    'width="{}" height="{}" fill="{}" stroke="{}" stroke-width="1">'
                    "<title>{} · {}: {}</title></rect>"
                ).format(
                    group,
                    index,
                    coord(start + bar * group + gap / 2),
                    coord(top),
                    coord(bar - gap),
                    coord(bottom - top),
                    _fill(chart_id, group),
                    PALETTE[group % len(PALETTE)],
                    label,
                    names[group],
                    clean(format_value(value)),
                )
            )
    return Markup("").join(rects)


def _category_axis(plot: _Plot, labels: list[str]) -> tuple[Markup, float]:
    """Labels under the bars, and where they end.

    Up to twelve categories every one is labelled: on one line, on two, or turned by
    ``ANGLE`` when a word is too long for its slot. Past twelve (months over years), every
    k-th is labelled, k a divisor-friendly step (quarters, halves, years) that makes them fit.
    """
    count = len(labels)
    slot = plot.width / max(count, 1)
    step, turned = 1, False
    if count > MAX_UNTHINNED:
        step = next(
            (k for k in LABEL_STEPS if all(two_lines(t, slot * k - 6)[1] for t in labels[::k])),
            next(k for k in LABEL_STEPS if count / k <= 8 or k == LABEL_STEPS[-1]),
        )
    else:
        turned = not all(two_lines(label, slot - 6)[1] for label in labels)
    room = max(slot * step - 6, FONT)
    sine, cosine = math.sin(math.radians(ANGLE)), math.cos(math.radians(ANGLE))
    marks, depth = [], LINE
    for index in range(0, count, step):
        x = plot.left + slot * (index + 0.5)
        label = labels[index]
        marks.append(svg.line(x, plot.bottom, x, plot.bottom + 4, MUTED))
        if turned:
            line = truncate(label, min(140.0, (x - 4) / cosine))
            depth = max(depth, text_width(line) * sine + FONT * cosine * 0.5)
            marks.append(
                svg.text(
                    x + FONT * 0.3,
                    plot.bottom + 10,
                    line,
                    anchor="end",
                    full=label if line != label else None,
                    turn=True,
                    css="chart-category",
                )
            )
            continue
        lines, fits = two_lines(label, room)
        half = max(text_width(line) for line in lines) / 2
        centre = min(max(x, half + 2), plot.left + plot.width + 10 - half)
        depth = max(depth, len(lines) * LINE)
        for number, line in enumerate(lines):
            baseline = plot.bottom + 6 + FONT + number * LINE
            marks.append(
                svg.text(
                    centre,
                    baseline,
                    line,
                    anchor="middle",
                    full=None if fits else label,
                    css="chart-category",
                )
            )
    return Markup("").join(marks), plot.bottom + 6 + FONT * 0.3 + depth


def _fill(chart_id: str, group: int) -> str:
    """Every other series is hatched: told apart without colour, in print and in greyscale."""
    return f"url(#{chart_id}-hatch-{group})" if group % 2 else PALETTE[group % len(PALETTE)]


def _patterns(chart_id: str, groups: int) -> Markup:
    patterns = Markup("").join(
        Markup(
            '<pattern id="{id}-hatch-{g}" width="5" height="5" patternUnits="userSpaceOnUse" '
            'patternTransform="rotate(45)"><rect width="5" height="5" fill="{c}"/>'
            '<rect width="2" height="5" fill="#ffffff" opacity="0.55"/></pattern>'
        ).format(id=chart_id, g=group, c=PALETTE[group % len(PALETTE)])
        for group in range(1, groups, 2)
    )
    return Markup("<defs>{}</defs>").format(patterns) if patterns else Markup("")


def _legend(chart_id: str, names: list[str], width: int, top: float) -> tuple[Markup, float]:
    """Swatch and name of each series, flowing onto more rows if needed; and the next top."""
    items, x = [], 8.0
    for group, name in enumerate(names):
        text = truncate(name, width - 34)
        item = 18 + text_width(text) + 16
        if x > 8 and x + item > width - 8:
            x, top = 8.0, top + LINE + 2
        items.append(
            Markup(
                '<rect class="chart-swatch" x="{}" y="{}" width="12" height="12" fill="{}" '
                'stroke="{}" stroke-width="1"/>'
            ).format(
                coord(x), coord(top + 1), _fill(chart_id, group), PALETTE[group % len(PALETTE)]
            )
        )
        items.append(svg.text(x + 18, top + FONT * 0.9, text, anchor="start", css="chart-legend"))
        x += item
    return Markup("").join(items), top + LINE + 4


def _table(
    title: str,
    category_label: str,
    labels: list[str],
    names: list[str],
    values: list[list[Decimal]],
    format_value: Callable[[Decimal], str],
) -> Markup:
    """The same figures for those who cannot see the bars (or want the exact amounts)."""
    head = Markup("").join(
        Markup('<th scope="col" class="num">{}</th>').format(name) for name in names
    )
    rows = [
        Markup('<tr><th scope="row">{}</th>{}</tr>').format(
            label,
            Markup("").join(
                Markup('<td class="num">{}</td>').format(clean(format_value(row[index])))
                for row in values
            ),
        )
        for index, label in enumerate(labels)
    ] or [
        Markup('<tr><td colspan="{}">{}</td></tr>').format(len(names) + 1, _("Nothing to show yet"))
    ]
    return Markup(
        '<details class="chart-data"><summary>{summary}</summary><div class="table-wrap">'
        '<table><caption class="visually-hidden">{title}</caption><thead><tr>'
        '<th scope="col">{category}</th>{head}</tr></thead><tbody>{rows}</tbody></table>'
        "</div></details>"
    ).format(
        summary=_("Show the figures in a table"),
        title=title,
        category=category_label,
        head=head,
        rows=Markup("").join(rows),
    )
