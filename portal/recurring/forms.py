"""The recurring profile's form, shared by its pages and the API (``customerId``,
``frequency``, ``interval``, ``startDate``, ``endDate`` or ``count``, ``autoIssue``,
``autoSend``, ``notes``, ``withholdingPercent``, ``lines``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, SelectChoice, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from portal.documents.lines import MAX_LINES, LineForm, withholding_field
from portal.forms import (
    TOO_LONG,
    ChoiceField,
    DateInput,
    FlexibleBoolean,
    PortalForm,
    WholeNumber,
    strip,
)
from portal.recurring.models import Frequency
from portal.recurring.schedule import MAX_INTERVAL

MAX_COUNT = 10_000
CUSTOMER_REQUIRED = _l("Choose a customer: a recurring invoice is sent to one")
START_REQUIRED = _l("Start date is required")
END_BEFORE_START = _l("The end date cannot be before the start date")
INTERVAL_RANGE = _l("Write a whole number from 1 to %(max)d", max=MAX_INTERVAL)
COUNT_RANGE = _l("Write a whole number from 1 to %(max)d", max=MAX_COUNT)
FREQUENCY_INVALID = _l("Choose how often: monthly, quarterly, yearly or every N days")
SEND_NEEDS_ISSUE = _l("Only issued invoices can be sent: tick Issue automatically too")

FREQUENCY_LABELS = {
    Frequency.MONTHLY: _l("Monthly"),
    Frequency.QUARTERLY: _l("Quarterly"),
    Frequency.YEARLY: _l("Yearly"),
    Frequency.DAYS: _l("Every N days"),
}


class RecurringForm(PortalForm):
    customer_id = StringField(_l("Customer"), validators=[Length(max=64)], filters=[strip])
    frequency = ChoiceField(
        _l("Frequency"),
        choices=[SelectChoice(key, label) for key, label in FREQUENCY_LABELS.items()],
        default=Frequency.MONTHLY,
        invalid=FREQUENCY_INVALID,
    )
    interval = WholeNumber(
        _l("Every"), minimum=1, maximum=MAX_INTERVAL, message=INTERVAL_RANGE, default=1
    )
    start_date = DateInput(_l("Start date"))
    end_date = DateInput(_l("End date"), validators=[Optional()])
    count = WholeNumber(
        _l("Number of invoices"),
        validators=[Optional()],
        minimum=1,
        maximum=MAX_COUNT,
        message=COUNT_RANGE,
    )
    auto_issue = FlexibleBoolean(_l("Issue automatically"), default=False)
    auto_send = FlexibleBoolean(_l("Send automatically"), default=False)
    notes = TextAreaField(
        _l("Notes"), validators=[Length(max=2000, message=TOO_LONG)], filters=[strip]
    )
    withholding_percent = withholding_field()
    lines = FieldList(FormField(LineForm), min_entries=0, max_entries=MAX_LINES)

    def validate_customer_id(self, field) -> None:
        if not field.data:
            raise ValidationError(CUSTOMER_REQUIRED)

    def validate_interval(self, field) -> None:
        if field.data is None and not field.process_errors:
            field.data = 1  # blank: every 1

    def validate_start_date(self, field) -> None:
        if field.data is None and not field.process_errors:
            raise ValidationError(START_REQUIRED)

    def validate_end_date(self, field) -> None:
        if field.data and self.start_date.data and field.data < self.start_date.data:
            raise ValidationError(END_BEFORE_START)

    def validate_auto_send(self, field) -> None:
        if field.data and not self.auto_issue.data:
            raise ValidationError(SEND_NEEDS_ISSUE)
