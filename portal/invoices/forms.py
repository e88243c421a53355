from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length, Optional, Regexp, ValidationError

from portal.documents.lines import MAX_LINES, LineForm, withholding_field
from portal.forms import (
    AMOUNT_TOO_LARGE,
    NOT_BLANK,
    TOO_LONG,
    ChoiceField,
    DateInput,
    DecimalInput,
    DecimalRange,
    PortalForm,
    strip,
)

INVOICE_DATE_REQUIRED = _l("invoice date is required")
DUE_BEFORE_INVOICE = _l("The due date cannot be before the invoice date")
NUMBER_FORMAT = _l("Use letters, digits and - _ . / only")
AMOUNT_REQUIRED = _l("Amount is required")
AMOUNT_POSITIVE = _l("Amount must be greater than 0")
PAYMENT_DATE_REQUIRED = _l("Payment date is required")
METHOD_INVALID = _l("Choose a payment method")
PAYMENT_METHODS = {
    "TRANSFER": _l("Bank transfer"),
    "CASH": _l("Cash"),
    "CARD": _l("Card"),
    "CHECK": _l("Cheque"),
    "OTHER": _l("Other"),
}


class InvoiceForm(PortalForm):
    invoice_number = StringField(
        _l("Invoice number"),
        validators=[
            Optional(),
            Length(max=40, message=TOO_LONG),
            Regexp(r"^[A-Za-z0-9._/-]+$", message=NUMBER_FORMAT),
        ],
        filters=[strip],
    )
    customer_id = StringField(_l("Customer"), validators=[Length(max=64)], filters=[strip])
    customer_name = StringField(
        _l("Customer name"), validators=[Length(max=200, message=TOO_LONG)], filters=[strip]
    )
    invoice_date = DateInput(_l("Invoice date"))
    due_date = DateInput(_l("Due date"), validators=[Optional()])
    notes = TextAreaField(
        _l("Notes"), validators=[Length(max=2000, message=TOO_LONG)], filters=[strip]
    )
    withholding_percent = withholding_field()
    lines = FieldList(FormField(LineForm), min_entries=0, max_entries=MAX_LINES)

    def validate_customer_name(self, field) -> None:
        # A customer from the catalog lends its name; otherwise the name must be written.
        if not field.data and not self.customer_id.data:
            raise ValidationError(NOT_BLANK)

    def validate_invoice_date(self, field) -> None:
        if field.data is None and not field.process_errors:
            raise ValidationError(INVOICE_DATE_REQUIRED)

    def validate_due_date(self, field) -> None:
        if field.data and self.invoice_date.data and field.data < self.invoice_date.data:
            raise ValidationError(DUE_BEFORE_INVOICE)


class PaymentForm(PortalForm):
    amount = DecimalInput(
        _l("Amount"),
        validators=[
            DecimalRange(
                0,
                "9999999999.99",
                inclusive=False,
                message=AMOUNT_POSITIVE,
                too_large=AMOUNT_TOO_LARGE,
            ),
        ],
    )
    paid_on = DateInput(_l("Payment date"))
    method = ChoiceField(
        _l("Method"),
        choices=[SelectChoice(key, label) for key, label in PAYMENT_METHODS.items()],
        default="TRANSFER",
        invalid=METHOD_INVALID,
    )
    reference = StringField(
        _l("Reference"), validators=[Length(max=100, message=TOO_LONG)], filters=[strip]
    )

    def validate_amount(self, field) -> None:
        if field.data is None and not field.process_errors:
            raise ValidationError(AMOUNT_REQUIRED)

    def validate_paid_on(self, field) -> None:
        if field.data is None and not field.process_errors:
            raise ValidationError(PAYMENT_DATE_REQUIRED)
