"""The account statement as a PDF, in the organisation's language (ReportLab, like documents).

The period, the opening balance, every movement with the balance after it, the closing
balance, then what is open and overdue today. Helvetica draws Windows-1252 only, which
covers Spanish and the € sign (see ``documents.pdf``).
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import unescape

from flask import Response
from flask_babel import force_locale, format_currency, format_date
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.documents.pdf import pdf_response, pdf_text
from portal.statements.labels import movement_concept
from portal.statements.ledger import INVOICE
from portal.statements.services import Statement


class _Cells:
    """Cells: Paragraphs for text that may wrap (bold where asked), plain strings for dates
    and amounts, which never wrap (a Paragraph per cell would triple the time of a long
    statement); the table aligns amounts right."""

    def __init__(self, currency: str) -> None:
        normal = getSampleStyleSheet()["Normal"]
        self.style = ParagraphStyle("cell", parent=normal, fontSize=8.5, leading=10.5)
        self.right = ParagraphStyle("num", parent=self.style, alignment=TA_RIGHT)
        self.currency = currency

    def text(self, value: Any, bold: bool = False) -> Paragraph:
        content = pdf_text(value)
        return Paragraph(f"<b>{content}</b>" if bold else content, self.style)

    def money(self, value: Any, bold: bool = False) -> Paragraph:
        content = pdf_text(format_currency(value, self.currency))
        return Paragraph(f"<b>{content}</b>" if bold else content, self.right)

    def plain_money(self, value: Any) -> str:
        return plain(format_currency(value, self.currency)) if value is not None else ""


def plain(value: Any) -> str:
    """A plain cell's text (not markup): what Helvetica can draw, unescaped."""
    return unescape(pdf_text(value))


def _movements_table(statement: Statement, cells: _Cells) -> Table:
    figures, period = statement.balances, statement.period
    header = [_("Date"), _("Concept"), _("Invoice"), _("Debit"), _("Credit"), _("Balance")]
    rows: list[list[Any]] = [
        [cells.text(h, bold=True) for h in header[:3]]
        + [Paragraph(f"<b>{pdf_text(h)}</b>", cells.right) for h in header[3:]],
        [
            cells.text(format_date(period.start)),
            cells.text(_("Opening balance"), bold=True),
            "",
            "",
            "",
            cells.money(figures.opening, bold=True),
        ],
    ]
    for m in statement.movements:
        rows.append(
            [
                plain(format_date(m.on)),
                cells.text(movement_concept(m)),
                plain(m.invoice_number),
                cells.plain_money(m.debit if m.kind == INVOICE else None),
                cells.plain_money(m.credit if m.kind != INVOICE else None),
                cells.plain_money(m.balance),
            ]
        )
    rows.append(
        [
            cells.text(format_date(period.end)),
            cells.text(_("Closing balance"), bold=True),
            "",
            cells.money(figures.invoiced, bold=True),
            cells.money(figures.paid, bold=True),
            cells.money(figures.closing, bold=True),
        ]
    )
    table = Table(rows, colWidths=[22 * mm, None, 30 * mm, 26 * mm, 26 * mm, 27 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f8")),
                ("BACKGROUND", (0, 1), (-1, 1), colors.HexColor("#f7f8fb")),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f7f8fb")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTSIZE", (0, 0), (-1, -1), 8.5),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
            ]
        )
    )
    return table


def render_statement(statement: Statement, organization: Any) -> bytes:
    with force_locale(organization.locale):
        return _render(statement, organization)


def _render(statement: Statement, organization: Any) -> bytes:
    styles = getSampleStyleSheet()
    cells = _Cells(statement.currency)
    customer, period, now = statement.customer, statement.period, statement.position
    title = _("Account statement")
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{title} · {customer.name}",
        author=organization.name,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    facts = [
        (_("Customer"), customer.name),
        *([(_("Tax ID"), customer.tax_id)] if customer.tax_id else []),
        (
            _("Period"),
            _(
                "%(start)s to %(end)s",
                start=format_date(period.start, "long"),
                end=format_date(period.end, "long"),
            ),
        ),
        (_("Date"), format_date(statement.today, "long")),
        (_("Currency"), statement.currency),
    ]
    story: list[Any] = [
        Paragraph(pdf_text(organization.name), styles["Title"]),
        Paragraph(pdf_text(title), styles["Heading2"]),
        Table(
            [[cells.text(k, bold=True), cells.text(v)] for k, v in facts],
            colWidths=[40 * mm, None],
            hAlign="LEFT",
        ),
        Spacer(1, 6 * mm),
        _movements_table(statement, cells),
        Spacer(1, 6 * mm),
    ]
    as_of = format_date(statement.today, "long")
    summary = [
        (_("Opening balance"), statement.balances.opening, False),
        (_("Invoiced"), statement.balances.invoiced, False),
        (_("Payments received"), statement.balances.paid, False),
        (_("Closing balance"), statement.balances.closing, True),
        (_("Open balance on %(date)s", date=as_of), now.open_balance, True),
        (_("Overdue balance on %(date)s", date=as_of), now.overdue_balance, False),
    ]
    story.append(
        Table(
            [[cells.text(k, bold), cells.money(v, bold)] for k, v, bold in summary],
            colWidths=[70 * mm, 35 * mm],
            hAlign="RIGHT",
            style=TableStyle(
                [
                    ("LINEABOVE", (0, 3), (-1, 3), 0.5, colors.grey),
                    ("LINEABOVE", (0, 4), (-1, 4), 0.5, colors.grey),
                ]
            ),
        )
    )
    pdf.build(story)
    return buffer.getvalue()


def statement_pdf(statement: Statement, organization: Any) -> Response:
    """The statement's PDF as an answer (pages and API alike)."""
    period = statement.period
    name = f"statement-{period.start.isoformat()}-{period.end.isoformat()}"
    return pdf_response(render_statement(statement, organization), name)
