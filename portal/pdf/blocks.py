"""The blocks around a document's table: letterhead, customer and facts, payment, notes."""

from __future__ import annotations

import io
import logging
from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from portal.fiscal.parties import Party
from portal.fiscal.taxids import format_iban
from portal.pdf.layout import WIDTH
from portal.pdf.typography import (
    BOLD,
    CELL_PADDING,
    INK,
    REGULAR,
    RULE,
    SHADE,
    SIZE,
    clean,
    markup,
    styles,
    text_width,
)

TOTAL_SIZE = 10  # the total of a figures table

log = logging.getLogger(__name__)

LOGO_WIDTH, LOGO_HEIGHT = 48 * mm, 20 * mm  # the box a logo is fitted into
# What a tax id is called where the portal knows the country; elsewhere "Tax ID".
TAX_ID_NAMES = {
    "ES": "NIF",
    "MX": "RFC",
    "CO": "NIT",
    "CL": "RUT",
    "AR": "CUIT",
    "PE": "RUC",
    "EC": "RUC",
}
_BARE = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


def tax_id_line(party: Party) -> str:
    """ "NIF: B12345678" (markup)."""
    label = TAX_ID_NAMES.get(party.country) or _("Tax ID")
    return f"{markup(label)}: {markup(party.tax_id)}"


def party_paragraphs(party: Party, locale: str, *, name_style: str = "bold") -> list[Flowable]:
    """Name, trade name, tax id, address and contact of a party, one paragraph each."""
    s = styles()
    shown: list[Flowable] = [Paragraph(markup(party.name or "—"), s[name_style])]
    if party.trade_name:
        shown.append(Paragraph(markup(party.trade_name), s["body"]))
    if party.tax_id:
        shown.append(Paragraph(tax_id_line(party), s["body"]))
    shown += [Paragraph(markup(line), s["body"]) for line in party.address_lines(locale)]
    contact = " · ".join(value for value in (party.email, party.phone) if value)
    if contact:
        shown.append(Paragraph(markup(contact), s["small"]))
    return shown


def logo(data: bytes | None) -> Image | None:
    """The organisation's logo fitted into ``LOGO_WIDTH`` × ``LOGO_HEIGHT``, if it has one.

    Logos are re-encoded at upload; one that still cannot be read leaves the document
    without a logo rather than without a PDF.
    """
    if not data:
        return None
    try:
        width, height = ImageReader(io.BytesIO(data)).getSize()
    except (OSError, ValueError):
        log.warning("the organisation's logo cannot be read; the PDF is drawn without it")
        return None
    scale = min(LOGO_WIDTH / width, LOGO_HEIGHT / height)
    image = Image(io.BytesIO(data), width=width * scale, height=height * scale)
    image.hAlign = "LEFT"
    return image


def letterhead(
    issuer: Party, logo_data: bytes | None, title: str, subtitle: str, locale: str
) -> Table:
    """The logo and the issuer on the left; the document's title and number on the right."""
    s = styles()
    image = logo(logo_data)
    left: list[Flowable] = [image, Spacer(1, 3 * mm)] if image else []
    left += party_paragraphs(issuer, locale, name_style="name")
    right = [Paragraph(markup(title), s["title"])]
    if subtitle:
        right.append(Paragraph(markup(subtitle), s["number"]))
    return Table([[left, right]], colWidths=[WIDTH * 0.62, WIDTH * 0.38], style=_BARE, splitInRow=1)


def customer_and_facts(
    heading: str, customer: Party, locale: str, facts: Sequence[tuple[str, str]]
) -> Table:
    """The customer in a shaded box on the left; the document's dates and status right."""
    s = styles()
    box = Table(
        [[[Paragraph(markup(heading), s["label"]), *party_paragraphs(customer, locale)]]],
        colWidths=[WIDTH * 0.5],
        splitInRow=1,
        style=TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), SHADE),
                ("BOX", (0, 0), (-1, -1), 0.5, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3 * mm),
            ]
        ),
    )
    facts_table = Table(
        [
            [Paragraph(markup(label), s["label"]), Paragraph(markup(value), s["right"])]
            for label, value in facts
        ],
        colWidths=[WIDTH * 0.2, WIDTH * 0.24],
        style=TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )
    return Table(
        [[box, facts_table]], colWidths=[WIDTH * 0.56, WIDTH * 0.44], style=_BARE, splitInRow=1
    )


def figures(
    rows: Sequence[tuple[str, str, bool]], *, total: int, rules: Sequence[int] = ()
) -> Table:
    """Rows of (label, amount, bold), amounts aligned right; the ``total`` row larger and
    shaded under a rule, a thin rule above each of ``rules``; placed at the right."""
    cells = [[clean(label), amount] for label, amount, _bold in rows]
    sizes = [TOTAL_SIZE if i == total else SIZE for i in range(len(rows))]
    bold = [strong for _label, _amount, strong in rows]

    def width(column: int) -> float:
        widths = [
            text_width(cell[column], bold=strong, size=size)
            for cell, strong, size in zip(cells, bold, sizes, strict=True)
        ]
        return max(widths) + 2 * CELL_PADDING + 1

    style: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), REGULAR),
        ("FONTSIZE", (0, 0), (-1, -1), SIZE),
        ("TEXTCOLOR", (0, 0), (-1, -1), INK),
        ("ALIGN", (1, 0), (1, -1), "RIGHT"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("TOPPADDING", (0, 0), (-1, -1), 2),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LINEABOVE", (0, total), (-1, total), 0.75, INK),
        ("FONTSIZE", (0, total), (-1, total), TOTAL_SIZE),
        ("TOPPADDING", (0, total), (-1, total), 4),
        ("BOTTOMPADDING", (0, total), (-1, total), 4),
        ("BACKGROUND", (0, total), (-1, total), SHADE),
    ]
    style += [("LINEABOVE", (0, i), (-1, i), 0.25, RULE) for i in rules]
    style += [("FONTNAME", (0, i), (-1, i), BOLD) for i, strong in enumerate(bold) if strong]
    return Table(cells, colWidths=[width(0), width(1)], hAlign="RIGHT", style=TableStyle(style))


def payment_terms(
    organization: Any, due_on: str | None, heading: str | None = None
) -> list[Flowable]:
    """When and how to pay: the due date, the IBAN in groups of four, the bank details."""
    s = styles()
    said = []
    if due_on:
        said.append(_("Payment due on %(date)s", date=due_on))
    if organization.iban:
        said.append(
            _("Payment by bank transfer to IBAN %(iban)s", iban=format_iban(organization.iban))
        )
    if organization.bank_details and organization.bank_details.strip():
        said.append(organization.bank_details.strip())
    if not said:
        return []
    heading_paragraph = Paragraph(markup(heading or _("Payment terms")), s["label"])
    block = [heading_paragraph, *(Paragraph(markup(text), s["body"]) for text in said)]
    return [Spacer(1, 5 * mm), KeepTogether(block)]


def notes(text: str) -> list[Flowable]:
    if not text or not text.strip():
        return []
    s = styles()
    heading = Paragraph(markup(_("Notes")), s["label"])
    heading.keepWithNext = True
    return [Spacer(1, 5 * mm), heading, Paragraph(markup(text.strip()), s["body"])]
