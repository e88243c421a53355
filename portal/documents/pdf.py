"""PDF of a quote or an invoice, in the organisation's language, with ReportLab.

The letterhead (logo, issuer's legal name, tax id and address), the customer with tax id
and address beside the dates and status, the lines, the tax breakdown and totals after the
last line, payment terms and notes; the organisation's footer on every page, a running
header and "Page i of N" on documents of more than one page (``portal.pdf``).
"""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from portal.documents.labels import status_label
from portal.fiscal.parties import parties
from portal.pdf.blocks import customer_and_facts, letterhead, notes, payment_terms
from portal.pdf.layout import build_document
from portal.pdf.lines import Totals, lines_and_totals
from portal.pdf.typography import money, negative

SETTLED = frozenset({"PAID", "VOID"})  # invoices that ask for no payment


def render_quote(quote: Any, organization: Any) -> bytes:
    with force_locale(organization.locale):
        facts = [
            (_("Issue date"), format_date(quote.issue_date, "long")),
            (_("Valid until"), format_date(quote.valid_until, "long")),
            (_("Status"), status_label(quote.effective_status, "quote")),
        ]
        return _render(quote, organization, _("Quote"), facts)


def render_invoice(invoice: Any, organization: Any) -> bytes:
    with force_locale(organization.locale):
        due = format_date(invoice.due_date, "long") if invoice.due_date else None
        facts = [
            (_("Invoice date"), format_date(invoice.invoice_date, "long")),
            (_("Due date"), due or "—"),
            (_("Status"), status_label(invoice.status, "invoice")),
        ]
        after_total: Totals = []
        if invoice.amount_paid and invoice.status != "VOID":  # a void invoice owes nothing
            after_total = [
                (_("Amount paid"), negative(invoice.amount_paid, invoice.currency), False),
                (_("Balance"), money(invoice.balance, invoice.currency), True),
            ]
        payment = [] if invoice.status in SETTLED else payment_terms(organization, due)
        return _render(invoice, organization, _("Invoice"), facts, after_total, payment)


def _render(
    document: Any,
    organization: Any,
    title: str,
    facts: list[tuple[str, str]],
    after_total: Totals = (),
    payment: list[Flowable] | None = None,
) -> bytes:
    issuer, customer = parties(document, organization)
    locale = organization.locale
    story: list[Flowable] = [
        letterhead(issuer, organization.logo, title, document.number, locale),
        Spacer(1, 7 * mm),
        customer_and_facts(_("Customer"), customer, locale, facts),
        Spacer(1, 8 * mm),
        *lines_and_totals(document, issuer.country, after_total),
        *(payment or []),
        *notes(document.notes),
    ]
    return build_document(
        story,
        title=f"{title} {document.number}",
        issuer=issuer.name,
        footer=organization.invoice_footer or "",
        lang=locale,
    )


def pdf_response(content: bytes, filename: str) -> Response:
    """A PDF shown in the browser (pages and API alike)."""
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}.pdf"'
    return response
