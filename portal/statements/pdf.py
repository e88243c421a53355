"""The account statement as a PDF, in the organisation's language (``portal.pdf``, like the
documents' PDFs).

The letterhead, the customer with tax id and address beside the period, every movement with
the balance after it (the header repeated on every page), the closing balance, what is open
and overdue today, and how to pay; the footer on every page, "Page i of N" when it runs over.
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, Spacer, Table, TableStyle

from portal.documents.pdf import pdf_response
from portal.fiscal.parties import issuer_of, recipient_of
from portal.pdf.blocks import customer_and_facts, figures, letterhead, payment_terms
from portal.pdf.layout import WIDTH, build_document
from portal.pdf.typography import (
    BOLD,
    CELL_PADDING,
    INK,
    REGULAR,
    RULE,
    SHADE,
    SIZE,
    clean,
    column_width,
    markup,
    money,
    styles,
)
from portal.statements.labels import movement_concept
from portal.statements.ledger import INVOICE
from portal.statements.services import Statement

CONCEPT_MIN = 40 * mm


def _movements_table(statement: Statement) -> Table:
    """Date, concept, invoice, debit, credit, balance: opening row, movements, closing row."""
    s, currency = styles(), statement.currency
    figures, period = statement.balances, statement.period

    def amount(value: Any) -> str:
        return money(value, currency) if value is not None else ""

    body = [
        [
            clean(format_date(m.on)),
            movement_concept(m),
            clean(m.invoice_number or ""),
            amount(m.debit if m.kind == INVOICE else None),
            amount(m.credit if m.kind != INVOICE else None),
            amount(m.balance),
        ]
        for m in statement.movements
    ]
    opening = [
        clean(format_date(period.start)),
        _("Opening balance"),
        "",
        "",
        "",
        amount(figures.opening),
    ]
    closing = [
        clean(format_date(period.end)),
        _("Closing balance"),
        "",
        amount(figures.invoiced),
        amount(figures.paid),
        amount(figures.closing),
    ]
    headers = [_("Date"), _("Concept"), _("Invoice"), _("Debit"), _("Credit"), _("Balance")]
    widths = [
        column_width(h, [row[i] for row in body], bold=[opening[i], closing[i]])
        for i, h in enumerate(headers)
    ]
    widths[1] = max(WIDTH - sum(widths) + widths[1], CONCEPT_MIN)
    data: list[list[Any]] = [
        [Paragraph(markup(h), s["head"]) for h in headers[:3]]
        + [Paragraph(markup(h), s["head_right"]) for h in headers[3:]]
    ]
    data += [[row[0], Paragraph(markup(row[1]), s["body"]), *row[2:]] for row in body]
    data.insert(1, [opening[0], Paragraph(markup(opening[1]), s["bold"]), *opening[2:]])
    data.append([closing[0], Paragraph(markup(closing[1]), s["bold"]), *closing[2:]])
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 1), (-1, -1), REGULAR),
                ("FONTSIZE", (0, 1), (-1, -1), SIZE),
                ("TEXTCOLOR", (0, 1), (-1, -1), INK),
                ("FONTNAME", (0, 1), (-1, 1), BOLD),
                ("FONTNAME", (0, -1), (-1, -1), BOLD),
                ("BACKGROUND", (0, 0), (-1, 0), SHADE),
                ("LINEBELOW", (0, 0), (-1, 0), 0.75, INK),
                ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
                ("LINEABOVE", (0, -1), (-1, -1), 0.75, INK),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("ALIGN", (3, 0), (-1, -1), "RIGHT"),
                ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _summary(statement: Statement) -> Table:
    currency, as_of = statement.currency, format_date(statement.today, "long")
    now = statement.position
    rows = [
        (_("Opening balance"), statement.balances.opening, False),
        (_("Invoiced"), statement.balances.invoiced, False),
        (_("Payments received"), statement.balances.paid, False),
        (_("Closing balance"), statement.balances.closing, True),
        (_("Open balance on %(date)s", date=as_of), now.open_balance, True),
        (_("Overdue balance on %(date)s", date=as_of), now.overdue_balance, False),
    ]
    shown = [(label, money(value, currency), bold) for label, value, bold in rows]
    return figures(shown, total=3, rules=[4])


def render_statement(statement: Statement, organization: Any) -> bytes:
    with force_locale(organization.locale):
        return _render(statement, organization)


def _render(statement: Statement, organization: Any) -> bytes:
    issuer, customer = issuer_of(organization), recipient_of(statement)
    period, locale = statement.period, organization.locale
    title = _("Account statement")
    facts = [
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
    story: list[Flowable] = [
        letterhead(issuer, organization.logo, title, "", locale),
        Spacer(1, 7 * mm),
        customer_and_facts(_("Customer"), customer, locale, facts),
        Spacer(1, 8 * mm),
        _movements_table(statement),
        Spacer(1, 6 * mm),
        _summary(statement),
    ]
    if statement.position.open_balance > 0:
        story += payment_terms(organization, None)
    return build_document(
        story,
        title=f"{title} · {customer.name}",
        issuer=issuer.name,
        footer=organization.invoice_footer or "",
        lang=locale,
    )


def statement_pdf(statement: Statement, organization: Any) -> Response:
    """The statement's PDF as an answer (pages and API alike)."""
    period = statement.period
    name = f"statement-{period.start.isoformat()}-{period.end.isoformat()}"
    return pdf_response(render_statement(statement, organization), name)
