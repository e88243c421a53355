from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, StopValidation, ValidationError

from portal.clock import is_time_zone, time_zone_names
from portal.forms import TOO_LONG, ChoiceField, strip
from portal.security.plans import PLAN_LABELS
from portal.security.roles import PLANS

CURRENCY_INVALID = _l("Unknown currency code")
LOCALE_INVALID = _l("Choose Spanish or English")
PLAN_INVALID = _l("Unknown plan")
ORGANIZATION_NAME_REQUIRED = _l("Organisation name is required")
TIME_ZONE_INVALID = _l("Choose a time zone from the list, such as Europe/Madrid")
TIME_ZONE_REQUIRED = _l("Time zone is required")


class TimeZoneField(SelectField):
    """An IANA time zone (``America/Mexico_City``); blank is ``None`` unless ``required``."""

    def __init__(self, label=None, *, required: bool = False, **kwargs):
        super().__init__(label, choices=_time_zone_choices, **kwargs)
        self.required = required

    def process_formdata(self, valuelist) -> None:
        value = valuelist[0].strip() if valuelist and isinstance(valuelist[0], str) else ""
        self.data = value or None

    def pre_validate(self, form) -> None:
        if self.data is None:
            if self.required:
                raise StopValidation(TIME_ZONE_REQUIRED)
            return
        if not is_time_zone(self.data):
            raise StopValidation(TIME_ZONE_INVALID)


def _time_zone_choices() -> list[SelectChoice]:
    return [SelectChoice(name, name.replace("_", " ")) for name in time_zone_names()]


def upper(value: object) -> object:
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
    time_zone = TimeZoneField(_l("Time zone"))  # blank: keep the current one

    def validate_currency(self, field) -> None:
        if field.data not in list_currencies():
            raise ValidationError(CURRENCY_INVALID)


def plan_field() -> ChoiceField:
    return ChoiceField(
        _l("Plan"),
        choices=[SelectChoice(p.value, PLAN_LABELS[p]) for p in PLANS],
        invalid=PLAN_INVALID,
    )


class PlanForm(FlaskForm):
    plan = plan_field()


class OrganizationUpdateForm(OrganizationForm):
    """The API's PATCH: settings and, for the OWNER, the plan."""

    plan = plan_field()
