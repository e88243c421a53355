"""The words of an e-mail: the organisation's templates or the portal's own, with placeholders.

A template is a subject and a body per purpose (``"quote"``, ``"invoice"``, ``"reminder"``)
and language (``"es"``, ``"en"``), kept in ``Organization.mail_templates`` as
``{purpose: {language: {"subject": …, "body": …}}}``; a missing or blank one falls back to
the portal's wording below. Placeholders are ``{name}`` from ``PLACEHOLDERS`` and nothing
else (no attributes, indexes or format specs: a template is data a person typed, never
code); ``{{`` and ``}}`` write a brace. The HTML part is the text escaped, paragraph by
paragraph, with the link as a button.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html import escape
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency

PURPOSES = ("quote", "invoice", "reminder")
LANGUAGES = ("es", "en")
PLACEHOLDERS = ("customer", "number", "total", "due_date", "organization", "link", "message")
SUBJECT_MAX = 300
BODY_MAX = 5000

# The portal's wording, in each language a customer can read (data, like an organisation's
# own templates: the customer's language, not the sender's, picks it).
DEFAULT_TEMPLATES: dict[str, dict[str, dict[str, str]]] = {
    "quote": {
        "es": {
            "subject": "Cotización {number} de {organization}",
            "body": (
                "Hola {customer}:\n\n{message}\n\n"
                "Le enviamos la cotización {number} por un total de {total}, válida hasta "
                "el {due_date}. La encontrará adjunta en PDF y también en línea:\n{link}\n\n"
                "Un saludo,\n{organization}"
            ),
        },
        "en": {
            "subject": "Quote {number} from {organization}",
            "body": (
                "Hello {customer},\n\n{message}\n\n"
                "Please find quote {number} for a total of {total}, valid until {due_date}, "
                "attached as a PDF and online:\n{link}\n\n"
                "Kind regards,\n{organization}"
            ),
        },
    },
    "invoice": {
        "es": {
            "subject": "Factura {number} de {organization}",
            "body": (
                "Hola {customer}:\n\n{message}\n\n"
                "Le enviamos la factura {number} por un total de {total}, con vencimiento el "
                "{due_date}. La encontrará adjunta en PDF y también en línea:\n{link}\n\n"
                "Un saludo,\n{organization}"
            ),
        },
        "en": {
            "subject": "Invoice {number} from {organization}",
            "body": (
                "Hello {customer},\n\n{message}\n\n"
                "Please find invoice {number} for a total of {total}, due on {due_date}, "
                "attached as a PDF and online:\n{link}\n\n"
                "Kind regards,\n{organization}"
            ),
        },
    },
}

DEFAULT_TEMPLATES["reminder"] = {
    "es": {
        "subject": "Recordatorio: factura {number} de {organization}",
        "body": (
            "Hola {customer}:\n\n{message}\n\n"
            "Importe pendiente: {total}, con vencimiento el {due_date}. Puede ver la factura "
            "y descargarla en PDF aquí:\n{link}\n\n"
            "Si ya la ha pagado, no tenga en cuenta este mensaje.\n\n"
            "Un saludo,\n{organization}"
        ),
    },
    "en": {
        "subject": "Reminder: invoice {number} from {organization}",
        "body": (
            "Hello {customer},\n\n{message}\n\n"
            "Amount due: {total}, due on {due_date}. You can view the invoice and download "
            "it as a PDF here:\n{link}\n\n"
            "If you have already paid it, please disregard this message.\n\n"
            "Kind regards,\n{organization}"
        ),
    },
}

BUTTON_LABELS = {
    "quote": {"es": "Ver la cotización", "en": "View the quote"},
    "invoice": {"es": "Ver la factura", "en": "View the invoice"},
    "reminder": {"es": "Ver la factura", "en": "View the invoice"},
}


class TemplateError(ValueError):
    """A template that cannot be filled: ``reason`` is ``"unknown"`` (a placeholder not in
    ``PLACEHOLDERS``, named in ``placeholder``) or ``"syntax"`` (an unmatched brace)."""

    def __init__(self, reason: str, placeholder: str = "") -> None:
        super().__init__(reason, placeholder)
        self.reason = reason
        self.placeholder = placeholder


@dataclass(frozen=True)
class Composed:
    subject: str
    text: str
    html: str


def check_template(text: str) -> None:
    """Raise ``TemplateError`` unless ``text`` only uses known ``{placeholders}``."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        raise TemplateError("syntax") from None
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS or spec or conversion:
            raise TemplateError("unknown", field)


def fill(text: str, values: Mapping[str, str]) -> str:
    """``text`` with its placeholders replaced by ``values`` (checked first)."""
    check_template(text)
    out = []
    for literal, field, _spec, _conversion in string.Formatter().parse(text):
        out.append(literal)
        if field is not None:
            out.append(values.get(field, ""))
    return "".join(out)


def template_for(templates: Mapping[str, Any], purpose: str, language: str) -> dict[str, str]:
    """The subject and body for ``purpose`` in ``language``: the organisation's where it
    wrote them (each on its own), else the portal's."""
    default = DEFAULT_TEMPLATES[purpose][language]
    own = (templates or {}).get(purpose, {}).get(language, {}) or {}
    return {
        "subject": (own.get("subject") or "").strip() or default["subject"],
        "body": (own.get("body") or "").strip() or default["body"],
    }


def document_values(
    document: Any,
    *,
    purpose: str,
    language: str,
    organization_name: str,
    customer_name: str,
    link: str,
    message: str,
) -> dict[str, str]:
    """The placeholders' values for a quote or an invoice, written for ``language``; in a
    reminder, ``{total}`` is what is still due (the balance)."""
    due: date | None = document.valid_until if purpose == "quote" else document.due_date
    amount = document.balance if purpose == "reminder" else document.total
    return {
        "customer": customer_name,
        "number": document.number,
        "total": format_total(amount, document.currency, language),
        "due_date": format_date(due, format="long", locale=language) if due else "—",
        "organization": organization_name,
        "link": link,
        "message": message,
    }


def format_total(amount: Decimal, currency: str, language: str) -> str:
    return format_currency(amount, currency, locale=language)


def compose(
    template: Mapping[str, str], values: Mapping[str, str], *, button_label: str
) -> Composed:
    """Subject, text and HTML parts from a template and the values of its placeholders.

    An empty ``{message}`` leaves no empty paragraph behind.
    """
    subject = " ".join(fill(template["subject"], values).split())[:SUBJECT_MAX]
    text = _tidy(fill(template["body"], values))
    return Composed(subject, text, _html(text, values.get("link", ""), button_label))


def _tidy(text: str) -> str:
    paragraphs = [part.strip() for part in text.replace("\r\n", "\n").split("\n\n")]
    return "\n\n".join(part for part in paragraphs if part) + "\n"


def _html(text: str, link: str, button_label: str) -> str:
    paragraphs = []
    for part in text.strip().split("\n\n"):
        lines = [_line_html(line, link) for line in part.split("\n")]
        paragraphs.append("<p>" + "<br>\n".join(lines) + "</p>")
    button = ""
    if link:
        href = escape(link, quote=True)
        button = (
            f'<p><a href="{href}" style="display:inline-block;padding:10px 18px;'
            "background:#1d4ed8;color:#ffffff;text-decoration:none;border-radius:4px;"
            f'font-weight:bold">{escape(button_label)}</a></p>'
        )
    return (
        '<!DOCTYPE html>\n<html><body style="font-family:Arial,Helvetica,sans-serif;'
        'font-size:15px;line-height:1.5;color:#111827">\n'
        + "\n".join(paragraphs)
        + ("\n" + button if button else "")
        + "\n</body></html>\n"
    )


def _line_html(line: str, link: str) -> str:
    if link and line.strip() == link:
        return f'<a href="{escape(link, quote=True)}">{escape(link)}</a>'
    return escape(line)
