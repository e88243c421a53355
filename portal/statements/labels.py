"""Words for a statement's movements, shared by the page and the PDF."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.invoices.forms import PAYMENT_METHODS
from portal.statements.ledger import INVOICE, Movement


def movement_concept(movement: Movement) -> str:
    """What a movement is, in words: "Invoice" or "Payment (Bank transfer)"."""
    if movement.kind == INVOICE:
        return _("Invoice")
    method = movement.method or ""
    return _("Payment (%(method)s)", method=PAYMENT_METHODS.get(method, method))
