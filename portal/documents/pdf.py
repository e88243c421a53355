"""PDF of a quote or an invoice, in the organisation's language, with ReportLab.

ReportLab installs from PyPI alone (no browser, no system library). Its built-in
Helvetica uses the Windows-1252 encoding, which covers Spanish and the € sign.
"""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from flask import Response
from flask_babel import force_locale, format_currency, format_date, format_decimal
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from portal.documents.labels import STATUS_LABELS

# Babel's narrow no-break space is not in Windows-1252; a plain no-break space is.
_UNSUPPORTED = {"\u202f": "\u00a0"}


def pdf_text(value: Any) -> str:
    """Text for a Paragraph or a cell: escaped, in characters Helvetica can draw."""
    text = str(value)
    for bad, good in _UNSUPPORTED.items():
        text = text.replace(bad, good)
    return escape(text)


def _render(organization, title: str, document, facts: list[tuple[str, str]], extra) -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"{title} {document.number}",
        author=organization.name,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )

    def money(value) -> str:
        return pdf_text(format_currency(value, document.currency))

    story: list[Any] = [
        Paragraph(pdf_text(organization.name), styles["Title"]),
        Paragraph(f"{pdf_text(title)} {pdf_text(document.number)}", styles["Heading2"]),
        Table(
            [[Paragraph(f"<b>{pdf_text(k)}</b>"), Paragraph(pdf_text(v))] for k, v in facts],
            colWidths=[45 * mm, None],
            hAlign="LEFT",
        ),
        Spacer(1, 6 * mm),
    ]
    header = [
        _("Description"),
        _("Quantity"),
        _("Unit price"),
        _("Discount (%)"),
        _("Tax (%)"),
        _("Total"),
    ]
    rows = [[Paragraph(f"<b>{pdf_text(h)}</b>") for h in header]]
    for line in document.lines:
        rows.append(
            [
                Paragraph(pdf_text(line.description)),
                pdf_text(format_decimal(line.quantity)),
                money(line.unit_price),
                pdf_text(format_decimal(line.discount_percent)),
                pdf_text(format_decimal(line.tax_percent)),
                money(line.total),
            ]
        )
    table = Table(rows, colWidths=[None, 20 * mm, 28 * mm, 20 * mm, 17 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f8")),
                ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    totals = [
        (_("Subtotal"), document.subtotal),
        (_("Discounts"), document.discount_total),
        (_("Taxes"), document.tax_total),
        (_("Total"), document.total),
        *extra,
    ]
    story.append(
        Table(
            [[pdf_text(label), money(value)] for label, value in totals],
            colWidths=[40 * mm, 35 * mm],
            hAlign="RIGHT",
            style=TableStyle(
                [
                    ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                    ("FONTNAME", (0, 3), (-1, 3), "Helvetica-Bold"),
                ]
            ),
        )
    )
    if document.notes:
        story += [Spacer(1, 6 * mm), Paragraph(pdf_text(document.notes), styles["Normal"])]
    pdf.build(story)
    return buffer.getvalue()


def render_quote(quote, organization) -> bytes:
    with force_locale(organization.locale):
        facts = [
            (_("Customer"), quote.customer_name),
            (_("Issue date"), format_date(quote.issue_date, "long")),
            (_("Valid until"), format_date(quote.valid_until, "long")),
            (_("Status"), STATUS_LABELS[quote.effective_status]),
        ]
        return _render(organization, _("Quote"), quote, facts, [])


def render_invoice(invoice, organization) -> bytes:
    with force_locale(organization.locale):
        facts = [
            (_("Customer"), invoice.customer_name),
            (_("Invoice date"), format_date(invoice.invoice_date, "long")),
            (_("Due date"), format_date(invoice.due_date, "long") if invoice.due_date else "—"),
            (_("Status"), STATUS_LABELS[invoice.status]),
        ]
        extra = [(_("Amount paid"), invoice.amount_paid), (_("Balance"), invoice.balance)]
        return _render(organization, _("Invoice"), invoice, facts, extra)


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF shown in the browser (pages and API alike)."""
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response
