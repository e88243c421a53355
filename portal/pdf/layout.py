"""The page of every PDF: A4, a first page and later pages, the footer, "Page i of N".

Later pages start lower, under a running header (the issuer on the left, the document on
the right, a rule below). The organisation's footer text is drawn at the foot of every
page; a footer too long for its band is shrunk to fit it. "Page i of N" needs N before the
first page is finished, so the canvas keeps each page and draws the numbers when the
document is saved (the two-pass canvas of ReportLab's own recipes); a one-page document
gets no number.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask_babel import gettext as _
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate, Paragraph

from portal.pdf.typography import (
    BOLD,
    INK,
    MUTED,
    REGULAR,
    RULE,
    SMALL,
    clean,
    fit,
    markup,
    register_fonts,
    styles,
)

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 16 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN  # of the text on a page
RUNNING_HEADER = 10 * mm  # the band later pages give their running header
PAGE_NUMBER_Y = 9 * mm
FOOTER_BOTTOM = 13 * mm
# The most a footer takes: a longer one gets smaller type, down to 5.6 pt, where the longest
# the settings accept (2,000 characters of ordinary text) still fits.
FOOTER_MAX = 32 * mm
FOOTER_SIZES = (7.2, 6.4, 5.6)
FOOTER_GAP = 5 * mm  # between the text and the footer


@dataclass(frozen=True)
class Furniture:
    """What a document draws around its text on each page."""

    issuer: str  # the running header's left side
    document: str  # its right side: "Invoice FAC-2026-0001"
    footer: str  # the organisation's footer text, "" for none


def build_document(
    story: Sequence[Flowable], *, title: str, issuer: str, footer: str, lang: str
) -> bytes:
    """A document of the organisation's: its name in the running header and as the author,
    ``title`` ("Factura FAC-2026-0001") on the right and as the PDF's title."""
    furniture = Furniture(issuer=issuer, document=title, footer=footer)
    return build(story, title=title, author=issuer, lang=lang, furniture=furniture)


def build(
    story: Sequence[Flowable], *, title: str, author: str, lang: str, furniture: Furniture
) -> bytes:
    """The PDF of ``story`` with the page furniture; call it inside ``force_locale``."""
    register_fonts()
    footer, footer_height = _footer(furniture.footer)
    bottom = max(MARGIN, FOOTER_BOTTOM + footer_height + FOOTER_GAP)
    top = PAGE_HEIGHT - MARGIN

    def frame(name: str, frame_top: float) -> Frame:
        return Frame(
            MARGIN, bottom, WIDTH, frame_top - bottom, id=name,
            leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0,
        )  # fmt: skip

    def first_page(canvas: Canvas, _doc: Any) -> None:
        _draw_footer(canvas, footer)

    def later_page(canvas: Canvas, _doc: Any) -> None:
        _draw_footer(canvas, footer)
        _draw_running_header(canvas, furniture, top)

    buffer = io.BytesIO()
    doc = BaseDocTemplate(
        buffer,
        pagesize=A4,
        title=clean(title),
        author=clean(author),
        creator="Portal",
        lang=lang,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=bottom,
    )
    doc.addPageTemplates(
        [
            PageTemplate(
                "first", [frame("first", top)], onPage=first_page, autoNextPageTemplate="later"
            ),
            PageTemplate("later", [frame("later", top - RUNNING_HEADER)], onPage=later_page),
        ]
    )
    doc.build(list(story), canvasmaker=partial(NumberedCanvas, page_label=page_label))
    return buffer.getvalue()


def page_label(page: int, pages: int) -> str:
    return _("Page %(page)s of %(pages)s", page=page, pages=pages)


def _footer(text: str) -> tuple[Paragraph | None, float]:
    """The footer paragraph and its height: smaller type for a long text; a text too long
    even then (wide letters only, or older data) is cut to the band with "…"."""
    text = text.strip()
    if not text:
        return None, 0
    for size in FOOTER_SIZES:
        paragraph, height = _footer_paragraph(text, size)
        if height <= FOOTER_MAX:
            return paragraph, height
    while height > FOOTER_MAX:
        text = text[: int(len(text) * FOOTER_MAX / height * 0.95)].rstrip() + "…"
        paragraph, height = _footer_paragraph(text, FOOTER_SIZES[-1])
    return paragraph, height


def _footer_paragraph(text: str, size: float) -> tuple[Paragraph, float]:
    style = styles()["small"].clone(
        "footer", alignment=TA_CENTER, fontSize=size, leading=size * 1.25
    )
    paragraph = Paragraph(markup(text), style)
    return paragraph, paragraph.wrap(WIDTH, FOOTER_MAX)[1]


def _draw_footer(canvas: Canvas, footer: Paragraph | None) -> None:
    if footer is not None:
        footer.drawOn(canvas, MARGIN, FOOTER_BOTTOM)


def _draw_running_header(canvas: Canvas, furniture: Furniture, top: float) -> None:
    canvas.saveState()
    baseline = top - 4 * mm
    right = fit(_one_line(furniture.document), WIDTH / 2, size=SMALL)
    left = fit(
        _one_line(furniture.issuer),
        WIDTH - canvas.stringWidth(right, REGULAR, SMALL) - 6 * mm,
        bold=True,
        size=SMALL,
    )
    canvas.setFillColor(INK)
    canvas.setFont(BOLD, SMALL)
    canvas.drawString(MARGIN, baseline, left)
    canvas.setFont(REGULAR, SMALL)
    canvas.drawRightString(MARGIN + WIDTH, baseline, right)
    canvas.setStrokeColor(RULE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, baseline - 2 * mm, MARGIN + WIDTH, baseline - 2 * mm)
    canvas.restoreState()


def _one_line(text: str) -> str:
    return " ".join(clean(text).split())


class NumberedCanvas(Canvas):
    """Keeps every page until the document is saved, then numbers them "i of N"."""

    def __init__(self, *args: Any, page_label: Callable[[int, int], str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._page_label = page_label
        self._kept: list[dict[str, Any]] = []

    def showPage(self) -> None:  # ReportLab's name
        self._kept.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        pages = len(self._kept)
        for page, state in enumerate(self._kept, start=1):
            self.__dict__.update(state)
            if pages > 1:
                self.saveState()
                self.setFont(REGULAR, SMALL)
                self.setFillColor(MUTED)
                self.drawRightString(MARGIN + WIDTH, PAGE_NUMBER_Y, self._page_label(page, pages))
                self.restoreState()
            super().showPage()
        super().save()
