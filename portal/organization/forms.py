from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.forms import TOO_LONG, ChoiceField, strip
from portal.security.roles import PLANS

CURRENCY_INVALID = _l("Unknown currency code")
LOCALE_INVALID = _l("Choose Spanish or English")
PLAN_INVALID = _l("Unknown plan")
ORGANIZATION_NAME_REQUIRED = _l("Organisation name is required")


def upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class OrganizationForm(FlaskForm):
    name = StringField(
        _l("Organisation name"),
        validators=[DataRequired(ORGANIZATION_NAME_REQUIRED), Length(max=200, message=TOO_LONG)],
        filters=[strip],
    )
    currency = StringField(
        _l("Currency"), validators=[DataRequired(CURRENCY_INVALID)], filters=[upper]
    )
    locale = ChoiceField(
        _l("Language of documents"),
        choices=[SelectChoice("es", "Español"), SelectChoice("en", "English")],
        invalid=LOCALE_INVALID,
    )

    def validate_currency(self, field) -> None:
        if field.data not in list_currencies():
            raise ValidationError(CURRENCY_INVALID)


def plan_field() -> ChoiceField:
    return ChoiceField(
        _l("Plan"), choices=[SelectChoice(p.value, p.value) for p in PLANS], invalid=PLAN_INVALID
    )


class PlanForm(FlaskForm):
    plan = plan_field()


class OrganizationUpdateForm(OrganizationForm):
    """The API's PATCH: settings and, for the OWNER, the plan."""

    plan = plan_field()
