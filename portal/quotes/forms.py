from flask_babel import lazy_gettext as _l
from wtforms import FieldList, FormField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.documents.lines import MAX_LINES, LineForm, withholding_field
from portal.forms import TOO_LONG, DateInput, PortalForm, strip

CUSTOMER_REQUIRED = _l("Customer is required")
VALID_UNTIL_BEFORE_ISSUE = _l("Valid until cannot be before the issue date")


class QuoteForm(PortalForm):
    customer_id = StringField(
        _l("Customer"),
        validators=[DataRequired(CUSTOMER_REQUIRED), Length(max=64)],
        filters=[strip],
    )
    issue_date = DateInput(_l("Issue date"), validators=[Optional()])
    valid_until = DateInput(_l("Valid until"), validators=[Optional()])
    notes = TextAreaField(
        _l("Notes"), validators=[Length(max=2000, message=TOO_LONG)], filters=[strip]
    )
    withholding_percent = withholding_field()
    lines = FieldList(FormField(LineForm), min_entries=0, max_entries=MAX_LINES)

    def validate_valid_until(self, field) -> None:
        if field.data and self.issue_date.data and field.data < self.issue_date.data:
            raise ValidationError(VALID_UNTIL_BEFORE_ISSUE)


class DecisionForm(PortalForm):
    """Accept or reject, with an optional reason (the public link and the API)."""

    reason = TextAreaField(
        _l("Reason (optional)"), validators=[Length(max=1000, message=TOO_LONG)], filters=[strip]
    )
