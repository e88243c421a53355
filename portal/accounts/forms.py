from babel import Locale
from babel.numbers import list_currencies
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, PasswordField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, Length, ValidationError

from portal.fiscal.forms import AddressField, CountryField, FiscalFormMixin, given, tax_id_field
from portal.forms import (
    PASSWORD_REQUIRED,
    TOO_LONG,
    PortalForm,
    email_validators,
    lower,
    name_validators,
    password_validators,
    strip,
)
from portal.organization.forms import (
    TimeZoneField,
    check_currency,
    check_iban,
    iban_field,
    legal_name_field,
    payment_terms_field,
    upper,
)

ORGANIZATION_NAME_REQUIRED = _l("Organisation name is required")
COUNTRY_REQUIRED = _l("Choose your organisation's country")


def _currency_choices() -> list[SelectChoice]:
    """Blank (the country's currency), then every ISO 4217 code with its name."""
    locale = str(get_locale() or "es") if has_request_context() else "es"
    names = Locale.parse(locale).currencies
    choices = [SelectChoice("", _l("The country's currency"))]
    choices += [
        SelectChoice(code, f"{code} · {names.get(code, code)}")
        for code in sorted(list_currencies())
    ]
    return choices


class CurrencyChoiceField(SelectField):
    """An ISO 4217 code, upper-cased; blank (``""``) lets the country decide."""

    def __init__(self, label=None, **kwargs):
        super().__init__(label, choices=_currency_choices, filters=[upper], **kwargs)

    def process_formdata(self, valuelist) -> None:
        if valuelist:
            self.data = str(valuelist[0])

    def pre_validate(self, form) -> None:
        """Checked by ``validate_currency`` with the settings' own message."""


class SignupForm(FiscalFormMixin, PortalForm):
    """A new organisation and its OWNER; the fiscal profile's fields are optional (the API
    takes them all, the page asks for the country, the currency and the tax id)."""

    organization_name = StringField(
        _l("Organisation name"),
        validators=[DataRequired(ORGANIZATION_NAME_REQUIRED), Length(max=200, message=TOO_LONG)],
        filters=[strip],
    )
    country = CountryField(_l("Country"))
    currency = CurrencyChoiceField(_l("Currency"))
    legal_name = legal_name_field()
    tax_id = tax_id_field(_l("Tax ID (optional)"))
    address = AddressField(_l("Address"))
    iban = iban_field()
    payment_terms_days = payment_terms_field(optional=True)
    name = StringField(
        _l("Your name"),
        validators=name_validators(),
        filters=[strip],
        render_kw={"autocomplete": "name"},
    )
    email = EmailField(
        _l("Email"),
        validators=email_validators(),
        filters=[strip, lower],
        render_kw={"autocomplete": "email"},
    )
    password = PasswordField(
        _l("Password"),
        validators=password_validators(),
        render_kw={"autocomplete": "new-password"},
    )
    time_zone = TimeZoneField(_l("Time zone"))

    def __init__(self, *args, country_required: bool = False, **kwargs):
        # Without a country the tax id is free text (checked as such).
        kwargs.setdefault("fallback_country", "")
        super().__init__(*args, **kwargs)
        self.country_required = country_required

    def validate_country(self, field) -> None:
        # The page's select sends "" when nothing was chosen; a post without the field at
        # all (a script written before countries existed) means "none given", as in the API.
        if self.country_required and given(field) and not field.data:
            raise ValidationError(COUNTRY_REQUIRED)

    def validate_currency(self, field) -> None:
        if field.data:
            check_currency(field)

    def validate_iban(self, field) -> None:
        check_iban(field)

    def profile(self) -> dict:
        """The fiscal profile typed at sign-up, as the organisation's columns."""
        data = self.data
        columns = self.fiscal_columns(data)
        columns.pop("country", None)
        columns.update(
            legal_name=data["legal_name"] or "",
            iban=data["iban"] or "",
        )
        if data["payment_terms_days"] is not None:
            columns["payment_terms_days"] = data["payment_terms_days"]
        return {name: "" if value is None else value for name, value in columns.items()}


class LoginForm(PortalForm):
    email = EmailField(
        _l("Email"),
        validators=email_validators(),
        filters=[strip, lower],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(PASSWORD_REQUIRED)],
        render_kw={"autocomplete": "current-password"},
    )
    next = HiddenField()


class LanguageForm(PortalForm):
    locale = HiddenField(validators=[DataRequired()])
    next = HiddenField()
