"""Server-drawn bar charts: well-formed SVG whose bars, ticks, legend and table agree."""

from __future__ import annotations

import itertools
import math
import re
import xml.etree.ElementTree as ET
from contextlib import ExitStack
from decimal import Decimal

import pytest
from flask_babel import force_locale, format_currency
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.dashboard.charts import PALETTE, Series, bar_chart, nice_axis, whole_currency
from portal.dashboard.svg import FONT, text_width
from tests.conftest import org_today
from tests.support.charts import aging, empty, month_starts, monthly

SVG = "{http://www.w3.org/2000/svg}"
PURE = settings(max_examples=150, deadline=None, database=None)
WITH_APP = settings(
    max_examples=150,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
NUMERIC = {"x", "y", "width", "height", "x1", "y1", "x2", "y2"}


@pytest.fixture
def within(app):
    """Enter a request context in the given locale, for the rest of the test."""
    with ExitStack() as stack:

        def enter(locale: str) -> None:
            stack.enter_context(app.test_request_context("/"))
            stack.enter_context(force_locale(locale))

        yield enter


def euros(value: Decimal) -> str:
    return format_currency(value, "EUR")


def draw(**overrides) -> str:
    arguments = {
        "chart_id": "sales",
        "title": "Facturado y cobrado",
        "categories": ["ene", "feb", "mar"],
        "series": [
            Series("Facturado", [Decimal("1234.50"), Decimal("17500.5"), Decimal("0")]),
            Series("Cobrado", [Decimal("1000"), Decimal("8000.25"), Decimal("0")]),
        ],
        "format_value": euros,
        "format_tick": whole_currency("EUR"),
        "category_label": "Mes",
        "axis_label": "Importe",
    }
    arguments.update(overrides)
    return str(bar_chart(**arguments))


def parse(html: str) -> ET.Element:
    """The whole figure is well-formed XML (XHTML-compatible markup around the SVG)."""
    figure = ET.fromstring(html)  # noqa: S314 (our own output, not untrusted input)
    assert figure.tag == "figure"
    return figure


def svg_of(figure: ET.Element) -> ET.Element:
    (svg,) = figure.iter(f"{SVG}svg")
    return svg


def drawn(text: ET.Element) -> str:
    """What a <text> shows (a cut label carries its whole wording in a <title> first)."""
    title = text.find(f"{SVG}title")
    return (text.text or "") if title is None else (title.tail or "")


def texts(svg: ET.Element, css: str) -> list[str]:
    return [drawn(element) for element in svg.iter(f"{SVG}text") if element.get("class") == css]


def first_row(svg: ET.Element) -> list[ET.Element]:
    """The category labels' first lines, left to right."""
    labels = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-category"]
    top = min((float(t.get("y")) for t in labels), default=0)
    return [t for t in labels if float(t.get("y")) == top]


def plain(text: str) -> str:
    return text.replace("\xa0", " ").replace("\u202f", " ")


def bars(svg: ET.Element) -> list[ET.Element]:
    return [rect for rect in svg.iter(f"{SVG}rect") if rect.get("class") == "chart-bar"]


def gridlines(svg: ET.Element) -> list[float]:
    """The y of every horizontal line of the value axis, top to bottom."""
    return sorted(
        float(line.get("y1"))
        for line in svg.iter(f"{SVG}line")
        if line.get("y1") == line.get("y2") and float(line.get("x2")) - float(line.get("x1")) > 50
    )


# --- what a chart says --------------------------------------------------------------------


def test_title_roles_and_scaling(within):
    within("es")
    figure = parse(draw(title="Facturado y cobrado"))
    svg = svg_of(figure)
    assert figure.get("id") == "sales"
    assert figure.find("figcaption").text == "Facturado y cobrado"
    assert svg.get("role") == "img"
    title = svg.find(f"{SVG}title")
    assert title is not None and title.text == "Facturado y cobrado"
    assert svg.get("aria-labelledby") == title.get("id") == "sales-title"
    assert svg.get("aria-describedby") == svg.find(f"{SVG}desc").get("id")
    assert svg.find(f"{SVG}desc").text == "Las cifras también están en la tabla bajo el gráfico."
    # Scales with its box: a viewBox, 100 % wide, no fixed pixel size.
    assert re.fullmatch(r"0 0 \d+ [\d.]+", svg.get("viewBox"))
    assert svg.get("width") == "100%" and svg.get("height") is None
    assert svg.get("preserveAspectRatio") == "xMinYMin meet"


def test_nothing_needs_inline_style_or_script(within):
    """The CSP has no 'unsafe-inline' for styles or scripts: presentation attributes only."""
    within("es")
    figure = parse(draw())
    for element in figure.iter():
        assert "style" not in element.attrib, element.tag
        assert not element.tag.endswith(("style", "script", "foreignObject"))
        assert not any(name.startswith("on") for name in element.attrib)


@pytest.mark.parametrize(
    ("locale", "ticks", "amount"),
    [
        ("es", ["0 €", "5.000 €", "10.000 €", "15.000 €", "20.000 €"], "17.500,50 €"),
        ("en", ["€0", "€5,000", "€10,000", "€15,000", "€20,000"], "€17,500.50"),
    ],
)
def test_value_axis_has_round_ticks_in_the_locale(within, locale, ticks, amount):
    within(locale)
    figure = parse(draw())
    svg = svg_of(figure)
    assert [plain(t) for t in texts(svg, "chart-tick")] == ticks  # bottom to top
    cells = [plain("".join(td.itertext())) for td in figure.iter("td")]
    assert amount in cells
    assert texts(svg, "chart-axis") == ["Importe", "Mes"]


def test_one_bar_per_category_and_series_with_heights_in_proportion(within):
    within("es")
    series = [
        Series("Facturado", [Decimal("1234.50"), Decimal("17500.5"), Decimal("0")]),
        Series("Cobrado", [Decimal("1000"), Decimal("8000.25"), Decimal("0")]),
    ]
    svg = svg_of(parse(draw(series=series)))
    top, *_middle, zero = gridlines(svg)
    axis_max = Decimal(20000)  # the top tick, as the previous test reads it
    drawn = {(int(b.get("data-series")), int(b.get("data-index"))): b for b in bars(svg)}
    assert sorted(drawn) == [(s, i) for s in range(2) for i in range(3)]
    for (s, i), rect in drawn.items():
        value = series[s].values[i]
        y, height = float(rect.get("y")), float(rect.get("height"))
        assert y + height == pytest.approx(zero, abs=0.02)  # every bar stands on zero
        assert height == pytest.approx(float(value / axis_max) * (zero - top), abs=0.02)
    # Side by side within a month, months in order, no overlap.
    lefts = [float(drawn[s, i].get("x")) for i in range(3) for s in range(2)]
    assert lefts == sorted(lefts)
    for i in range(3):
        first, second = drawn[0, i], drawn[1, i]
        assert float(first.get("x")) + float(first.get("width")) <= float(second.get("x"))
        # A tooltip names the month, the series and the formatted amount.
    tip = drawn[0, 1].find(f"{SVG}title").text
    assert plain(tip) == "feb · Facturado: 17.500,50 €"


def test_legend_names_each_series_and_the_second_is_hatched(within):
    within("en")
    svg = svg_of(parse(draw()))
    assert texts(svg, "chart-legend") == ["Facturado", "Cobrado"]
    swatches = [r for r in svg.iter(f"{SVG}rect") if r.get("class") == "chart-swatch"]
    assert [s.get("fill") for s in swatches] == [PALETTE[0], "url(#sales-hatch-1)"]
    (pattern,) = svg.iter(f"{SVG}pattern")
    assert pattern.get("id") == "sales-hatch-1"
    fills = {(b.get("data-series"), b.get("fill")) for b in bars(svg)}
    assert fills == {("0", PALETTE[0]), ("1", "url(#sales-hatch-1)")}


def test_a_single_series_needs_no_legend(within):
    within("es")
    svg = svg_of(parse(str(aging())))
    assert texts(svg, "chart-legend") == []
    assert len(bars(svg)) == 5


@pytest.mark.parametrize("locale", ["es", "en"])
def test_the_table_holds_every_figure(within, locale):
    within(locale)
    series = [
        Series("Facturado", [Decimal("1234.50"), Decimal("17500.5"), Decimal("0")]),
        Series("Cobrado", [Decimal("1000"), Decimal("8000.25"), Decimal("-12.3")]),
    ]
    figure = parse(draw(series=series))
    details = figure.find("details")
    expected = "Ver las cifras en una tabla" if locale == "es" else "Show the figures in a table"
    assert details.find("summary").text == expected
    table = details.find(".//table")
    assert [th.text for th in table.find("thead").iter("th")] == ["Mes", "Facturado", "Cobrado"]
    rows = table.find("tbody").findall("tr")
    assert [row.find("th").text for row in rows] == ["ene", "feb", "mar"]
    assert [[td.text for td in row.findall("td")] for row in rows] == [
        [euros(series[0].values[i]), euros(series[1].values[i])] for i in range(3)
    ]
    assert table.find("caption").text == "Facturado y cobrado"


def test_hostile_labels_are_escaped_everywhere(within):
    within("es")
    hostile = '<b>Acme & "Hijos"</b><script>alert(1)</script>'
    html = draw(
        title=hostile,
        categories=[hostile, "</svg><img src=x onerror=alert(1)>", "]]>&amp;"],
        series=[Series(hostile, [Decimal(1), Decimal(2), Decimal(3)])],
        category_label=hostile,
        axis_label=hostile,
    )
    assert "<b>" not in html and "<script>" not in html and "<img" not in html
    figure = parse(html)
    svg = svg_of(figure)
    assert svg.find(f"{SVG}title").text == hostile
    assert figure.find("figcaption").text == hostile
    assert [row.find("th").text for row in figure.find(".//tbody")] == [
        hostile,
        "</svg><img src=x onerror=alert(1)>",
        "]]>&amp;",
    ]
    assert not list(figure.iter("b")) and not list(figure.iter("script"))
    assert not list(figure.iter("img")) and not list(figure.iter(f"{SVG}script"))


def test_characters_xml_cannot_hold_are_dropped(within):
    within("es")
    svg = svg_of(parse(draw(title="Acme\x00\x1b S.L.\ufffe", categories=["a\x08", "b", "c"])))
    assert svg.find(f"{SVG}title").text == "Acme S.L."


@pytest.mark.parametrize("locale", ["es", "en"])
def test_all_zero_still_draws_axes_and_says_so(within, locale):
    within(locale)
    zeros = [Decimal(0)] * 3
    figure = parse(draw(series=[Series("Facturado", zeros), Series("Cobrado", zeros)]))
    svg = svg_of(figure)
    message = "Aún no hay nada que mostrar" if locale == "es" else "Nothing to show yet"
    assert texts(svg, "chart-empty") == [message]
    assert [plain(t) for t in texts(svg, "chart-tick")] == ["0 €" if locale == "es" else "€0"]
    assert texts(svg, "chart-category") == ["ene", "feb", "mar"]
    assert len(gridlines(svg)) == 1
    assert [float(b.get("height")) for b in bars(svg)] == [0.0] * 6
    assert len(figure.find(".//tbody").findall("tr")) == 3  # the zeros are figures too


def test_no_categories_at_all(within):
    within("es")
    figure = parse(draw(categories=[], series=[Series("Facturado", []), Series("Cobrado", [])]))
    svg = svg_of(figure)
    assert texts(svg, "chart-empty") == ["Aún no hay nada que mostrar"]
    assert bars(svg) == [] and texts(svg, "chart-category") == []
    assert [plain(t) for t in texts(svg, "chart-tick")] == ["0 €"]
    (row,) = figure.find(".//tbody").findall("tr")
    assert row.find("td").text == "Aún no hay nada que mostrar"
    assert row.find("td").get("colspan") == "3"


def test_negative_values_hang_below_zero(within):
    within("en")
    series = [Series("Net", [Decimal(300), Decimal(-150), Decimal(0)])]
    svg = svg_of(parse(draw(series=series)))
    ticks = [plain(t) for t in texts(svg, "chart-tick")]
    assert ticks == ["-€200", "€0", "€200", "€400"]
    lines = gridlines(svg)
    zero = lines[2]  # 400 and 200 above it, -200 below
    up, down, flat = bars(svg)
    assert float(up.get("y")) + float(up.get("height")) == pytest.approx(zero, abs=0.02)
    assert float(down.get("y")) == pytest.approx(zero, abs=0.02)
    assert float(down.get("height")) == pytest.approx(float(up.get("height")) / 2, abs=0.02)
    assert float(flat.get("height")) == 0


def test_sixty_months_thin_their_labels_so_they_never_touch(within):
    within("es")
    months = month_starts(org_today(), 60)
    figure = parse(str(monthly("monthly", months)))
    svg = svg_of(figure)
    assert len(bars(svg)) == 120
    assert "chart-svg-l" in svg.get("class")  # the widest drawing: it scrolls on a phone
    first_lines = first_row(svg)
    assert 10 <= len(first_lines) <= 20  # a label a quarter at most
    for left, right in itertools.pairwise(first_lines):
        gap = float(right.get("x")) - float(left.get("x"))
        assert gap >= (text_width(drawn(left)) + text_width(drawn(right))) / 2 + 4
    # …but the table still has all sixty.
    assert len(figure.find(".//tbody").findall("tr")) == 60


def test_twelve_categories_or_fewer_are_all_labelled(within):
    within("es")
    svg = svg_of(parse(str(monthly("monthly", month_starts(org_today(), 12)))))
    assert "chart-svg-m" in svg.get("class")
    assert len(first_row(svg)) == 12


def test_long_labels_turn_rather_than_collide(within):
    within("es")
    names = ["Ferretería García Hermanos", "Construcciones López", "Talleres Ruiz"] * 3
    html = draw(
        categories=names,
        series=[Series("Importe", [Decimal(n * 100) for n in range(9)])],
    )
    svg = svg_of(parse(html))
    labels = [t for t in svg.iter(f"{SVG}text") if t.get("class") == "chart-category"]
    assert len(labels) == 9
    assert all(t.get("transform", "").startswith("rotate(-40 ") for t in labels)
    # Parallel lines of text a slot apart: far enough for a line's height.
    slot = float(labels[1].get("x")) - float(labels[0].get("x"))
    assert slot * math.sin(math.radians(40)) >= 1.2 * FONT
    # A cut label keeps its whole name as a tooltip.
    cut = [t for t in labels if t.find(f"{SVG}title") is not None]
    assert cut and all(t.find(f"{SVG}title").text in names for t in cut)
    assert all(drawn(t).endswith("…") for t in cut)


def test_mismatched_or_bad_input_is_refused(within):
    within("es")
    with pytest.raises(ValueError, match="one value per category"):
        draw(series=[Series("Facturado", [Decimal(1)])])
    with pytest.raises(ValueError, match="finite"):
        draw(series=[Series("Facturado", [Decimal(1), Decimal("NaN"), Decimal(2)])])
    with pytest.raises(ValueError, match="identifier"):
        draw(chart_id='x" onload="alert(1)')
    with pytest.raises(ValueError, match="at least one series"):
        draw(series=[])


def test_whole_currency_drops_the_cents_in_both_locales(within):
    within("es")
    assert plain(whole_currency("EUR")(Decimal(250000))) == "250.000 €"
    within("en")
    assert whole_currency("USD")(Decimal(250000)) == "$250,000"


def test_the_samples_render_in_english_too(within):
    within("en")
    months = month_starts(org_today(), 3)
    svg = svg_of(parse(str(empty("none", months))))
    assert texts(svg, "chart-empty") == ["Nothing to show yet"]
    assert texts(svg, "chart-legend") == ["Invoiced", "Revenue"]


# --- round ticks --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("low", "high", "ticks"),
    [
        ("0", "0", ["0"]),
        ("0", "0.4", ["0", "1"]),
        ("0", "3", ["0", "1", "2", "3"]),
        ("0", "9", ["0", "3", "6", "9"]),
        ("0", "17500.5", ["0", "5000", "10000", "15000", "20000"]),
        ("0", "1000000", ["0", "250000", "500000", "750000", "1000000"]),
        ("0", "1234567.89", ["0", "500000", "1000000", "1500000"]),
        ("-150", "300", ["-200", "0", "200", "400"]),
        ("0", "8.01", ["0", "3", "6", "9"]),
        ("-80", "-5", ["-80", "-60", "-40", "-20", "0"]),
    ],
)
def test_nice_axis(low, high, ticks):
    assert nice_axis(Decimal(low), Decimal(high)) == [Decimal(t) for t in ticks]


@PURE
@given(st.decimals(min_value=Decimal(4), max_value=Decimal(10) ** 18, places=2))
def test_nice_axis_has_four_or_five_round_ticks_around_the_maximum(high):
    ticks = nice_axis(Decimal(0), high)
    assert 4 <= len(ticks) <= 5
    assert ticks[0] == 0 and ticks[-2] < high <= ticks[-1]
    step = ticks[1]
    assert all(b - a == step for a, b in itertools.pairwise(ticks))
    assert step in {3, 4} or step.normalize().as_tuple().digits in {(1,), (2,), (2, 5), (5,)}


# --- whatever the figures, a drawable chart -----------------------------------------------

labels = st.text(min_size=0, max_size=40)
amounts = st.decimals(min_value=0, max_value=Decimal(10) ** 12, places=2)


@st.composite
def charts(draw_):
    count = draw_(st.integers(min_value=0, max_value=70))
    names = draw_(st.lists(labels, min_size=1, max_size=3))
    values = [draw_(st.lists(amounts, min_size=count, max_size=count)) for _name in names]
    categories = draw_(st.lists(labels, min_size=count, max_size=count))
    return categories, [Series(name, v) for name, v in zip(names, values, strict=True)]


@WITH_APP
@given(charts(), labels)
def test_any_figures_make_a_well_formed_chart_within_its_plot(app, chart, title):
    categories, series = chart
    with app.test_request_context("/"), force_locale("es"):
        html = draw(title=title, categories=categories, series=series)
    figure = parse(html)
    svg = svg_of(figure)
    width, height = (float(n) for n in svg.get("viewBox").split()[2:])
    assert math.isfinite(width) and math.isfinite(height) and height > 0
    for element in list(svg.iter())[1:]:  # the root is 100 % wide
        for name in NUMERIC & element.attrib.keys():
            assert math.isfinite(float(element.get(name))), (element.tag, name, element.attrib)
    top, zero = gridlines(svg)[0], gridlines(svg)[-1]
    drawn = bars(svg)
    assert len(drawn) == len(categories) * len(series)
    for rect in drawn:
        y, h = float(rect.get("y")), float(rect.get("height"))
        assert h >= 0 and y >= top - 0.01 and y + h <= zero + 0.01
        left, right = float(rect.get("x")), float(rect.get("x")) + float(rect.get("width"))
        assert left >= 0 and right <= width
    for text in svg.iter(f"{SVG}text"):
        assert 0 <= float(text.get("x")) <= width and 0 <= float(text.get("y")) <= height
    assert len(figure.find(".//tbody").findall("tr")) == max(len(categories), 1)
