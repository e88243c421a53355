"""The server-drawn charts in a real browser: no page scroll on a phone, legible text, labels
that never touch, and no CSP complaint (nothing inline)."""

from __future__ import annotations

import itertools

import pytest
from flask import render_template_string

from portal.dashboard.svg import FONT, text_width
from tests.conftest import org_today
from tests.support.charts import aging, empty, month_starts, monthly, pipeline

PAGE = """{% extends "base.html" %}
{% block title %}Charts{% endblock %}
{% block content %}
<h1>Charts</h1>
<section class="card">{{ charts.monthly12 }}</section>
<div class="columns">
  <section class="card">{{ charts.aging }}</section>
  <section class="card">{{ charts.pipeline }}</section>
</div>
<div class="columns"><section class="card">{{ charts.monthly60 }}</section></div>
<section class="card">{{ charts.empty }}</section>
{% endblock %}"""

# Every figure, its chart's size class, how wide it draws and how wide its box is.
MEASURE = """() => [...document.querySelectorAll('figure.chart')].map(figure => {
  const svg = figure.querySelector('svg');
  const box = figure.querySelector('.chart-scroll');
  const view = svg.viewBox.baseVal;
  const texts = [...svg.querySelectorAll('text')].map(text => ({
    css: text.getAttribute('class'),
    shown: text.lastChild.textContent,
    size: Number(text.getAttribute('font-size') || svg.getAttribute('font-size')),
    length: text.getComputedTextLength(),
    y: text.getAttribute('y'),
    turned: text.hasAttribute('transform'),
    rect: text.getBoundingClientRect().toJSON(),
  }));
  return {
    id: figure.id,
    size: [...svg.classList].find(name => name.startsWith('chart-svg-')),
    figureRight: figure.getBoundingClientRect().right,
    parentWidth: figure.parentElement.clientWidth,
    boxWidth: box.clientWidth,
    boxScrollWidth: box.scrollWidth,
    svgRect: svg.getBoundingClientRect().toJSON(),
    scale: svg.getBoundingClientRect().width / view.width,
    texts,
  };
})"""


@pytest.fixture
def chart_page(app, live_server):
    def sample():
        months = month_starts(org_today(), 60)
        charts = {
            "monthly12": monthly("monthly12", months[-12:]),
            "aging": aging(),
            "pipeline": pipeline(),
            "monthly60": monthly("monthly60", months),
            "empty": empty("empty", months[-3:]),
        }
        return render_template_string(PAGE, charts=charts)

    app.add_url_rule("/test-charts", "test_charts", sample)
    return f"{live_server.url}/test-charts"


def check_layout(page, width: int) -> list[dict]:
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    figures = page.evaluate(MEASURE)
    assert [f["id"] for f in figures] == ["monthly12", "aging", "pipeline", "monthly60", "empty"]
    for figure in figures:
        name = figure["id"]
        assert figure["figureRight"] <= width, name
        assert figure["boxWidth"] <= figure["parentWidth"], name
        # Never drawn below ¾ of its size: 13-unit text stays legible, ≥ 9.75 px.
        assert figure["scale"] * FONT >= 9.7, name
        if figure["size"] == "chart-svg-s":  # small charts fit their box, even on a phone
            assert figure["svgRect"]["width"] <= figure["boxWidth"] + 0.5, name
        for text in figure["texts"]:
            # The estimate that lays labels out is never short of the browser's measure…
            assert text["length"] <= text_width(text["shown"], text["size"]) + 0.5, text
            # …so nothing sticks out of the drawing on the left or the right.
            left, right = text["rect"]["left"], text["rect"]["right"]
            assert figure["svgRect"]["left"] - 0.5 <= left, (name, text)
            assert right <= figure["svgRect"]["right"] + 0.5, (name, text)
        level = [t for t in figure["texts"] if t["css"] == "chart-category" and not t["turned"]]
        for _y, row in itertools.groupby(
            sorted(level, key=lambda t: float(t["y"])), lambda t: t["y"]
        ):
            row = sorted(row, key=lambda t: t["rect"]["left"])
            for one, other in itertools.pairwise(row):
                assert one["rect"]["right"] <= other["rect"]["left"], (name, one, other)
    return figures


@pytest.mark.e2e
@pytest.mark.layout
@pytest.mark.parametrize("locale", ["es-ES", "en-US"])
def test_charts_fit_a_phone_and_a_laptop(chart_page, open_tab, tmp_path, locale):
    tab = open_tab(locale=locale)
    page = tab.page
    page.set_viewport_size({"width": 1366, "height": 900})
    response = page.goto(chart_page)
    assert "style-src 'self';" in response.headers["content-security-policy"]  # no inline style
    assert page.locator("svg.chart-svg").count() == 5
    wide = check_layout(page, 1366)
    assert all(f["boxScrollWidth"] <= f["boxWidth"] for f in wide)  # nothing scrolls here
    page.screenshot(path=str(tmp_path / f"charts-{locale}-1366.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 844})
    phone = {f["id"]: f for f in check_layout(page, 390)}
    # The sixty months scroll inside their own box, not the page.
    assert phone["monthly60"]["boxScrollWidth"] > phone["monthly60"]["boxWidth"]
    page.screenshot(path=str(tmp_path / f"charts-{locale}-390.png"), full_page=True)

    # The table under each chart opens without a script and holds the figures.
    page.locator("#aging summary").click()
    assert page.locator("#aging table tbody tr").count() == 5
    assert tab.csp_violations() == [], tab.console_errors
    assert tab.console_errors == []


# A layout that grows to its content (grid items of a 1fr track have min-width: auto): the
# dashboard may hold its charts in one. CSP forbids a <style> on the page, so this test
# injects it through a context that bypasses CSP.
GREEDY_LAYOUT = """
main.container, .columns { display: grid; grid-template-columns: 1fr; }
.card { display: flex; flex-direction: column; }
"""


@pytest.mark.e2e
@pytest.mark.layout
def test_a_wide_chart_never_widens_a_greedy_layout(chart_page, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, bypass_csp=True)
    try:
        page = context.new_page()
        page.goto(chart_page)
        page.add_style_tag(content=GREEDY_LAYOUT)
        assert page.evaluate("getComputedStyle(document.querySelector('main')).display") == "grid"
        check_layout(page, 390)
    finally:
        context.close()
