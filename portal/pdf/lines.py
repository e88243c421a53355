"""The lines of a quote or an invoice and, after the last one, its tax breakdown and totals.

One table: a header row repeated on every page, a row per line, and a last row spanning
every column that holds the breakdown and the totals. A row is never split, and the last
line is kept with it, so the totals stay whole, come after the last line, and the page they
end up on starts with the header and holds at least that line. Amounts are plain strings
(they never wrap, and a Paragraph per figure would triple the time of a long document);
descriptions and tax names are Paragraphs and wrap.

Columns are as wide as their widest figure and the widest word of their header (in the
organisation's language); the description takes the rest. The discount column appears only
when a line has a discount, the recargo columns of the breakdown only when one has recargo.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from portal.documents.calc import TaxRow, exemption_notes, tax_breakdown
from portal.pdf.blocks import figures
from portal.pdf.layout import WIDTH
from portal.pdf.typography import (
    CELL_PADDING,
    INK,
    REGULAR,
    RULE,
    SHADE,
    SIZE,
    column_width,
    markup,
    money,
    negative,
    number,
    percent,
    styles,
)

DESCRIPTION_MIN = 45 * mm
DESCRIPTION_ROOMY = 75 * mm  # below it, headers wrap between words to leave room
TAX_CELL_MAX = 28 * mm  # a longer tax name wraps
SUMMARY_MAX = 130 * mm  # a breakdown taller than this follows the table instead of riding in it
GAP = 8 * mm

Totals = Sequence[tuple[str, str, bool]]  # (label, amount, strong)


def lines_and_totals(
    document: Any, issuer_country: str, after_total: Totals = ()
) -> list[Flowable]:
    """The lines table (with the breakdown and totals in its last row) and what may follow."""
    currency, lines = document.currency, list(document.lines)
    s = styles()
    tax_cells = [_tax_cell(line) for line in lines]
    numeric = [
        (_("Quantity"), [number(line.quantity) for line in lines]),
        (_("Unit price"), [money(line.unit_price, currency) for line in lines]),
    ]
    if any(line.discount for line in lines):
        numeric.append(
            (
                _("Discount"),
                [
                    f"{negative(line.discount, currency)}\n{percent(line.discount_percent)}"
                    if line.discount
                    else ""
                    for line in lines
                ],
            )
        )
    tax_header = _("Tax")
    tax_width = min(
        column_width(tax_header, tax_cells), max(TAX_CELL_MAX, column_width(tax_header))
    )
    amount = (_("Amount"), [money(line.net, currency) for line in lines])
    columns = [*numeric, amount]
    widths = [column_width(header, cells, whole=True) for header, cells in columns]
    if WIDTH - sum(widths) - tax_width < DESCRIPTION_ROOMY:  # headers on two lines, then
        widths = [column_width(header, cells) for header, cells in columns]
    widths.insert(len(numeric), tax_width)
    description = max(WIDTH - sum(widths), DESCRIPTION_MIN)
    if description + sum(widths) > WIDTH:  # figures in the billions: squeeze them
        widths = [w * (WIDTH - description) / sum(widths) for w in widths]

    headers = [header for header, _cells in numeric] + [tax_header, amount[0]]
    rows: list[list[Any]] = [
        [Paragraph(markup(_("Description")), s["head"])]
        + [Paragraph(markup(header), s["head_right"]) for header in headers]
    ]
    for index, line in enumerate(lines):
        rows.append(
            [Paragraph(markup(line.description), s["body"])]
            + [cells[index] for _header, cells in numeric]
            + [Paragraph(markup(tax_cells[index]), s["right"]), amount[1][index]]
        )

    summary, following = _summary(document, lines, issuer_country, after_total)
    rows.append([summary] + [""] * len(headers))
    table = Table(rows, colWidths=[description, *widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 1), (-1, -1), REGULAR),
                ("FONTSIZE", (0, 1), (-1, -1), SIZE),
                ("LEADING", (0, 1), (-1, -1), 11),
                ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, INK),
                ("LINEBELOW", (0, 1), (-1, -2), 0.25, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
                ("SPAN", (0, -1), (-1, -1)),
                ("LEFTPADDING", (0, -1), (-1, -1), 0),
                ("RIGHTPADDING", (0, -1), (-1, -1), 0),
                ("TOPPADDING", (0, -1), (-1, -1), 5 * mm),
                # The last line goes with the totals: no page of totals without a line.
                ("NOSPLIT", (0, -2 if lines else -1), (-1, -1)),
            ]
        )
    )
    return [table, *following]


def _tax_cell(line: Any) -> str:
    """The line's tax by name ("IVA 21 %", "Exento") or rate, and its recargo."""
    shown = [line.tax_name or percent(line.tax_percent)]
    if line.surcharge_percent:
        shown.append(_("Surcharge %(rate)s", rate=percent(line.surcharge_percent)))
    return "\n".join(shown)


def _summary(
    document: Any, lines: list[Any], issuer_country: str, after_total: Totals
) -> tuple[Flowable, list[Flowable]]:
    """(what rides in the table's last row, what follows the table)."""
    breakdown = [_breakdown(tax_breakdown(lines), document.currency)]
    breakdown += [Paragraph(markup(note), styles()["small"]) for note in exemption_notes(lines)]
    totals = _totals(document, issuer_country, after_total)
    totals_width = totals.wrap(WIDTH, 1000 * mm)[0]
    breakdown_width = breakdown[0].wrap(WIDTH, 1000 * mm)[0]
    if breakdown_width + GAP + totals_width <= WIDTH:
        side = [[breakdown, totals]]
        summary: Flowable = Table(
            side, colWidths=[WIDTH - totals_width, totals_width], style=_bare()
        )
    else:
        totals.hAlign = "RIGHT"
        summary = Table([[breakdown], [totals]], colWidths=[WIDTH], style=_bare(gap=True))
    if summary.wrap(WIDTH, 1000 * mm)[1] <= SUMMARY_MAX:
        return summary, []
    totals.hAlign = "RIGHT"
    return totals, [Spacer(1, 5 * mm), *breakdown]


def _breakdown(rows: list[TaxRow], currency: str) -> Table:
    """Per rate: base, tax rate, tax; and recargo rate and amount when a line has recargo."""
    s = styles()
    surcharged = any(row.surcharge_percent or row.surcharge for row in rows)
    columns = [
        (_("Tax base"), [money(row.base, currency) for row in rows]),
        (_("Tax rate"), [percent(row.tax_percent) for row in rows]),
        (_("Tax"), [money(row.tax, currency) for row in rows]),
    ]
    if surcharged:
        columns += [
            (
                _("Surcharge rate"),
                [percent(row.surcharge_percent) if row.surcharge_percent else "" for row in rows],
            ),
            (
                _("Surcharge"),
                [money(row.surcharge, currency) if row.surcharge_percent else "" for row in rows],
            ),
        ]
    data: list[list[Any]] = [[Paragraph(markup(h), s["head_right"]) for h, _cells in columns]]
    data += [[cells[i] for _h, cells in columns] for i in range(len(rows))]
    return Table(
        data,
        colWidths=[column_width(header, cells) for header, cells in columns],
        repeatRows=1,
        hAlign="LEFT",
        style=TableStyle(
            [
                ("FONTNAME", (0, 1), (-1, -1), REGULAR),
                ("FONTSIZE", (0, 1), (-1, -1), SIZE),
                ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                ("ALIGN", (0, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        ),
    )


def _totals(document: Any, issuer_country: str, after_total: Totals) -> Table:
    currency = document.currency
    rows: list[tuple[str, str, bool]] = [(_("Subtotal"), money(document.subtotal, currency), False)]
    if document.discount_total:
        rows += [
            (_("Discounts"), negative(document.discount_total, currency), False),
            (_("Tax base"), money(document.subtotal - document.discount_total, currency), False),
        ]
    rows.append((_("Taxes"), money(document.tax_total, currency), False))
    if document.surcharge_total:
        surcharge = _("Recargo de equivalencia")  # the page's words: a Spanish legal term
        rows.append((surcharge, money(document.surcharge_total, currency), False))
    if document.withholding_percent:
        rate = percent(document.withholding_percent)
        label = (
            _("IRPF withholding %(rate)s", rate=rate)
            if issuer_country == "ES"
            else _("Withholding (%(rate)s)", rate=rate)
        )
        rows.append((label, negative(document.withholding_total, currency), False))
    total_row = len(rows)
    rows.append((_("Total"), money(document.total, currency), True))
    return figures([*rows, *after_total], total=total_row)


def _bare(gap: bool = False) -> TableStyle:
    return TableStyle(
        [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ("TOPPADDING", (0, 0), (-1, -1), 0),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm if gap else 0),
        ]
    )
