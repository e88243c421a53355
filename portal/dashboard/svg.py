"""SVG pieces for the charts: text that fits (measured without a browser) and escaped elements.

Everything returned is ``Markup`` built with ``Markup.format``, so every text is escaped; texts
pass through ``clean`` first, which also drops what XML cannot hold.
"""

from __future__ import annotations

import re
import unicodedata

from markupsafe import Markup

FONT = 13  # user units; the stylesheet never draws a chart below ¾ of its size
ANGLE = 40  # degrees: category labels too long for their slot are turned this much
INK = "#1d2433"
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Advance widths in em, rounded up from DejaVu Sans (the widest common system-ui font), so
# that a label measured to fit does fit in the browser (tests/e2e/test_chart_layout.py).
_NARROW, _SLIM, _BROAD = set("ijlI.,:;|!'’`·"), set("frt()[]{}/\\- "), set("mwMW%@—…")


def clean(text: object) -> str:
    """Text as a plain ``str`` (lazy texts included) without what XML cannot hold."""
    return _NOT_XML.sub("", str(text))


def _em(char: str) -> float:
    base = unicodedata.normalize("NFD", char)[0]
    if base in _NARROW:
        return 0.30
    if base in _SLIM:
        return 0.40
    if base in _BROAD:
        return 0.95
    if unicodedata.east_asian_width(char) in "WF":
        return 1.0
    if base.isupper():
        return 0.72
    return 0.64 if base.isdigit() else 0.62


def text_width(text: str, size: float = FONT) -> float:
    """An upper estimate of the drawn width of ``text``, in user units."""
    return size * sum(_em(char) for char in text)


def truncate(text: str, room: float) -> str:
    """``text``, cut with an ellipsis if it is wider than ``room``."""
    if text_width(text) <= room:
        return text
    while text and text_width(text.rstrip() + "…") > room:
        text = text[:-1]
    return text.rstrip() + "…"


def two_lines(text: str, room: float) -> tuple[list[str], bool]:
    """The text on one line or two (split at a space), and whether it fits without cutting."""
    if text_width(text) <= room:
        return [text], True
    words = text.split()
    splits = [(" ".join(words[:i]), " ".join(words[i:])) for i in range(1, len(words))]
    if not splits:
        return [truncate(text, room)], False
    lines = min(splits, key=lambda pair: max(text_width(pair[0]), text_width(pair[1])))
    fits = max(text_width(lines[0]), text_width(lines[1])) <= room
    return [truncate(line, room) for line in lines], fits


def coord(number: float) -> str:
    """A coordinate for an attribute: at most two decimals, never ``-0``."""
    text = f"{number:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def line(x1: float, y1: float, x2: float, y2: float, colour: str) -> Markup:
    return Markup('<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="1"/>').format(
        coord(x1), coord(y1), coord(x2), coord(y2), colour
    )


def text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str,
    css: str,
    fill: str = INK,
    size: int = FONT,
    full: str | None = None,
    turn: bool = False,
) -> Markup:
    """One line of text; a cut label keeps its whole wording as a tooltip (``full``)."""
    attributes = Markup(' class="{}"').format(css)
    if size != FONT:
        attributes += Markup(' font-size="{}"').format(size)
    if turn:
        attributes += Markup(' transform="rotate(-{} {} {})"').format(ANGLE, coord(x), coord(y))
    tip = Markup("<title>{}</title>").format(full) if full is not None else ""
    return Markup('<text x="{}" y="{}" text-anchor="{}" fill="{}"{}>{}{}</text>').format(
        coord(x), coord(y), anchor, fill, attributes, tip, content
    )
