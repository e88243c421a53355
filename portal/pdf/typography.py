"""The PDFs' font, styles and text: any Latin text, money and percentages as people read them.

ReportLab's built-in Helvetica draws Windows-1252 only ("Łódź" and "Őz" come out as boxes),
so the PDFs embed DejaVu Sans, shipped inside this package (``fonts/``, its licence beside
it; where it came from: ``docs/pdf.md``). ReportLab embeds only the glyphs a PDF uses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from flask_babel import format_currency, format_decimal
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from portal.i18n import percent as i18n_percent

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
MINUS = "\u2212"  # the minus sign, not the hyphen Babel writes

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#616e7c")
RULE = colors.HexColor("#cbd2d9")
SHADE = colors.HexColor("#eef2f7")
ACCENT = colors.HexColor("#1d4e89")

SIZE = 8.5  # body and table cells
SMALL = 7.2  # footer, notes, running header
CELL_PADDING = 4  # points, left and right of a table cell

# Not drawable or not text: C0/C1 controls (the API refuses them; old data may hold some)
# and lone surrogates, which JSON can carry and no PDF string can encode.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


@cache
def register_fonts() -> None:
    """DejaVu Sans as ``REGULAR`` and ``BOLD``, a family so that ``<b>`` works (once)."""
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(
        REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD
    )


@cache
def styles() -> dict[str, ParagraphStyle]:
    register_fonts()
    body = ParagraphStyle("body", fontName=REGULAR, fontSize=SIZE, leading=11, textColor=INK)
    return {
        "body": body,
        "bold": ParagraphStyle("bold", parent=body, fontName=BOLD),
        "right": ParagraphStyle("right", parent=body, alignment=TA_RIGHT),
        "name": ParagraphStyle("name", parent=body, fontName=BOLD, fontSize=11, leading=14),
        "small": ParagraphStyle("small", parent=body, fontSize=SMALL, leading=9.2, textColor=MUTED),
        "label": ParagraphStyle(
            "label", parent=body, fontName=BOLD, fontSize=SMALL, leading=9.5, textColor=MUTED
        ),
        "title": ParagraphStyle(
            "title",
            parent=body,
            fontName=BOLD,
            fontSize=20,
            leading=24,
            textColor=ACCENT,
            alignment=TA_RIGHT,
        ),
        "number": ParagraphStyle(
            "number", parent=body, fontName=BOLD, fontSize=11, leading=14, alignment=TA_RIGHT
        ),
        # Column headers: widths are measured so that every word fits (``column_width``);
        # a word is never split, even if a translation outgrows its column.
        "head": ParagraphStyle("head", parent=body, fontName=BOLD, splitLongWords=0),
        "head_right": ParagraphStyle(
            "head_right", parent=body, fontName=BOLD, splitLongWords=0, alignment=TA_RIGHT
        ),
    }


def clean(value: Any) -> str:
    """Text a PDF can hold: no control characters; Babel's narrow no-break space (which
    ReportLab would break a line at) as a plain no-break space."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNPRINTABLE.sub("", text.replace("\u202f", "\u00a0"))


def markup(value: Any) -> str:
    """``clean`` text escaped for a Paragraph, its line breaks kept."""
    return escape(clean(value)).replace("\n", "<br/>")


def money(value: Decimal, currency: str) -> str:
    return clean(format_currency(value, currency))


def negative(value: Decimal, currency: str) -> str:
    """An amount taken off ("−6,00 €"), with a real minus sign; zero stays unsigned."""
    return MINUS + money(abs(value), currency) if value else money(value, currency)


def number(value: Decimal) -> str:
    """A quantity without trailing zeros ("2,5", "1")."""
    return clean(format_decimal(value))


def percent(value: Decimal) -> str:
    """A rate given in percent ("5.20") as the locale writes it: "5,2 %", "5.2%"."""
    return clean(i18n_percent(value))


def text_width(text: str, *, bold: bool = False, size: float = SIZE) -> float:
    register_fonts()
    return pdfmetrics.stringWidth(text, BOLD if bold else REGULAR, size)


def column_width(
    header: str,
    cells: Iterable[str] = (),
    *,
    bold: Iterable[str] = (),
    size: float = SIZE,
    whole: bool = False,
) -> float:
    """A column as wide as its widest cell line (``bold`` ones in bold) and its header's
    widest word (bold), so that a header wraps only between words and a plain cell never
    overflows; ``whole``: wide enough for the header on one line."""
    words = [header] if whole else header.split()
    needs = [text_width(word, bold=True, size=size) for word in words]
    needs += [text_width(line, size=size) for cell in cells for line in cell.split("\n")]
    needs += [text_width(line, bold=True, size=size) for cell in bold for line in cell.split("\n")]
    return max([*needs, 0]) + 2 * CELL_PADDING + 1  # 1 pt against rounding


def fit(text: str, width: float, *, bold: bool = False, size: float = SIZE) -> str:
    """``text`` cut with an ellipsis to ``width`` (one line of a running header)."""
    if text_width(text, bold=bold, size=size) <= width:
        return text
    while text and text_width(text + "…", bold=bold, size=size) > width:
        text = text[:-1]
    return text.rstrip() + "…"
