"""The organisation's settings and fiscal profile: one form for the page and the API."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from babel.numbers import list_currencies
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    FieldList,
    FileField,
    Form,
    FormField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    StopValidation,
    ValidationError,
)

from portal.clock import is_time_zone, time_zone_names
from portal.errors import ValidationError as PortalValidationError
from portal.fiscal.forms import (
    AddressField,
    CountryField,
    FiscalFormMixin,
    email_field,
    phone_field,
    tax_id_field,
)
from portal.fiscal.taxes import find_rate
from portal.fiscal.taxids import normalize_iban
from portal.forms import (
    EMAIL_INVALID,
    NAME_REQUIRED,
    PERCENT_RANGE,
    TOO_LONG,
    ChoiceField,
    DecimalInput,
    DecimalRange,
    PortalForm,
    Present,
    lower,
    strip,
)
from portal.mail.compose import BODY_MAX, LANGUAGES, PURPOSES, SUBJECT_MAX
from portal.money import parse_decimal
from portal.reminders.ladder import clean_ladder
from portal.security.plans import PLAN_LABELS
from portal.security.roles import PLANS

CURRENCY_INVALID = _l("Unknown currency code")
LOCALE_INVALID = _l("Choose Spanish or English")
PLAN_INVALID = _l("Unknown plan")
ORGANIZATION_NAME_REQUIRED = _l("Organisation name is required")
TIME_ZONE_INVALID = _l("Choose a time zone from the list, such as Europe/Madrid")
TIME_ZONE_REQUIRED = _l("Time zone is required")
IBAN_INVALID = _l("Invalid IBAN")
PAYMENT_TERMS_RANGE = _l("Must be a whole number of days from 0 to 365")
PREFIX_FORMAT = _l("Use 1 to 10 letters from A to Z")
PERCENT_REQUIRED = _l("Percent is required")
PERCENT_PLACES = _l("At most two decimals")
TAX_NAME_DUPLICATE = _l("Another tax of the table has this name")

MAX_TAX_RATES = 30
SPARE_TAX_ROWS = 3


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


def check_currency(field: Any) -> None:
    if field.data not in list_currencies():
        raise ValidationError(CURRENCY_INVALID)


class TwoDecimals:
    """The number as typed has at most two decimals (a tax table keeps cents of a percent)."""

    def __call__(self, form: Any, field: Any) -> None:
        raw = (field.raw_data[0] if field.raw_data else "").strip().replace(",", ".")
        value = parse_decimal(raw) if raw else None
        if value is not None and value != value.quantize(Decimal("0.01")):
            raise StopValidation(PERCENT_PLACES)


def percent_field(label: Any, *validators: Any) -> DecimalInput:
    return DecimalInput(
        label,
        validators=[*validators, TwoDecimals(), DecimalRange(0, 100, message=PERCENT_RANGE)],
    )


class TaxRateForm(Form):
    """A rate of the table: a name lines choose it by, its percent, the recargo it pairs
    with (Spain) and, for an exempt rate, the legal reason printed on the document."""

    name = StringField(
        _l("Tax name"),
        validators=[DataRequired(NAME_REQUIRED), Length(max=60, message=TOO_LONG)],
        filters=[strip],
    )
    percent = percent_field(_l("Rate (%)"), Present(PERCENT_REQUIRED))
    surcharge_percent = percent_field(_l("Recargo (%)"), Optional())
    exempt_reason = StringField(
        _l("Exemption reason"), validators=[Length(max=300, message=TOO_LONG)], filters=[strip]
    )

    def is_blank(self) -> bool:
        """A spare row: nothing typed into it, nothing read into it from the table."""
        return not any(
            _filled(field)
            for field in (self.name, self.percent, self.surcharge_percent, self.exempt_reason)
        )

    def entry(self) -> dict[str, str]:
        """The rate as the table keeps it (percents as strings with two decimals)."""
        surcharge = self.surcharge_percent.data or Decimal("0")
        return {
            "name": self.name.data,
            "percent": f"{self.percent.data:.2f}",
            "surchargePercent": f"{surcharge:.2f}",
            "exemptReason": self.exempt_reason.data or "",
        }


def _filled(field: Any) -> bool:
    if field.raw_data:
        return bool(str(field.raw_data[0]).strip())
    return field.data not in (None, "")


def tax_rate_rows(tax_rates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The table as the form's rows (what ``TaxRateForm`` is filled from)."""
    return [
        {
            "name": rate.get("name", ""),
            "percent": parse_decimal(str(rate.get("percent") or "0")),
            "surcharge_percent": parse_decimal(str(rate.get("surchargePercent") or "0")),
            "exempt_reason": rate.get("exemptReason", ""),
        }
        for rate in tax_rates
    ]


class _Profile:
    """An organisation as the form reads it: its tax table as rows."""

    def __init__(self, organization: Any) -> None:
        self._organization = organization
        self.tax_rates = tax_rate_rows(organization.tax_rates or [])

    def __getattr__(self, name: str) -> Any:
        return getattr(self._organization, name)


class DaysField(IntegerField):
    """A whole number of days written in ASCII digits (``int()`` would also take ``1_0``)."""

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            return
        text = str(valuelist[0]).strip()
        self.data = int(text) if re.fullmatch(r"[0-9]{1,6}", text) else None
        if self.data is None:
            raise ValueError(str(PAYMENT_TERMS_RANGE))


def legal_name_field() -> StringField:
    return StringField(
        _l("Legal name"), validators=[Length(max=200, message=TOO_LONG)], filters=[strip]
    )


def iban_field() -> StringField:
    return StringField(_l("IBAN"), validators=[Length(max=50, message=TOO_LONG)], filters=[strip])


def check_iban(field: Any) -> None:
    """``validate_iban`` of a form: the compact IBAN, or the field error."""
    compact = normalize_iban(field.data or "")
    if compact is None:
        raise ValidationError(IBAN_INVALID)
    field.data = compact


def payment_terms_field(*, optional: bool = False) -> DaysField:
    """Days from an invoice's date to its due date; ``optional``: blank is not given."""
    validators: list[Any] = [NumberRange(0, 365, message=PAYMENT_TERMS_RANGE)]
    return DaysField(
        _l("Payment terms (days)"), validators=[Optional(), *validators] if optional else validators
    )


def prefix_field(label: Any) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(PREFIX_FORMAT), Regexp(r"^[A-Z]{1,10}$", message=PREFIX_FORMAT)],
        filters=[upper],
    )


class OrganizationForm(FiscalFormMixin, PortalForm):
    """Settings and fiscal profile (OWNER). ``Form(organization=…)`` reads the
    organisation and checks its tax id against the country it keeps."""

    name = StringField(
        _l("Trade name"),
        validators=[DataRequired(ORGANIZATION_NAME_REQUIRED), Length(max=200, message=TOO_LONG)],
        filters=[strip],
    )
    legal_name = legal_name_field()
    tax_id = tax_id_field()
    country = CountryField(_l("Country"))
    address = AddressField(_l("Address"))
    email = email_field()
    phone = phone_field()
    iban = iban_field()
    bank_details = TextAreaField(
        _l("Bank details"), validators=[Length(max=500, message=TOO_LONG)], filters=[strip]
    )
    payment_terms_days = payment_terms_field()
    invoice_footer = TextAreaField(
        _l("Invoice footer"), validators=[Length(max=2000, message=TOO_LONG)], filters=[strip]
    )
    invoice_prefix = prefix_field(_l("Invoice prefix"))
    quote_prefix = prefix_field(_l("Quote prefix"))
    tax_rates = FieldList(
        FormField(TaxRateForm), _l("Taxes"), min_entries=0, max_entries=MAX_TAX_RATES
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
    mail_reply_to = EmailField(
        _l("Reply-to address"),
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(EMAIL_INVALID, granular_message=False),
        ],
        filters=[strip, lower],
    )

    def __init__(self, *args: Any, organization: Any = None, **kwargs: Any) -> None:
        if organization is not None:
            kwargs.setdefault("obj", _Profile(organization))
            kwargs.setdefault("fallback_country", organization.country)
        super().__init__(*args, **kwargs)

    def validate_currency(self, field) -> None:
        check_currency(field)

    def validate_iban(self, field) -> None:
        check_iban(field)

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_tax_names() and valid

    def _check_tax_names(self) -> bool:
        """Names are unique in the table, as lines find a rate by its name (any case)."""
        if "tax_rates" not in self:
            return True
        seen: list[dict[str, Any]] = []
        clean = True
        for entry in self.tax_rates.entries:
            name = entry.form.name.data
            if name and find_rate(seen, name) is not None:
                entry.form.name.errors = [*entry.form.name.errors, TAX_NAME_DUPLICATE]
                entry.form._errors = None
                clean = False
            elif name:
                seen.append({"name": name})
        if not clean:
            self.tax_rates.errors = [entry.errors for entry in self.tax_rates.entries]
            self._errors = None
        return clean

    def drop_blank_tax_rows(self) -> None:
        """Pages: the spare rows left empty are not rates."""
        self.tax_rates.entries = [e for e in self.tax_rates.entries if not e.form.is_blank()]

    def pad_tax_rows(self) -> None:
        """Pages: a few empty rows to type new rates into (no JavaScript needed)."""
        spare = sum(1 for e in self.tax_rates.entries if e.form.is_blank())
        while spare < SPARE_TAX_ROWS and len(self.tax_rates.entries) < MAX_TAX_RATES:
            self.tax_rates.append_entry()
            spare += 1

    def tax_table(self) -> list[dict[str, str]]:
        return [entry.form.entry() for entry in self.tax_rates.entries]

    def profile_changes(self, *, tax_rates: bool = True) -> dict[str, Any]:
        """What ``services.update_profile`` takes, from the fields the form holds (a PATCH
        removed those it does not name). ``tax_rates=False``: the table was not sent."""
        data = {name: field.data for name, field in self._fields.items()}
        changes = {
            name: value
            for name, value in data.items()
            if name not in ("address", "country", "tax_id", "tax_rates", "plan", "csrf_token")
        }
        changes.update(self.fiscal_columns(data))
        if tax_rates and "tax_rates" in data:
            changes["tax_rates"] = self.tax_table()
        if "time_zone" in changes and changes["time_zone"] is None:
            del changes["time_zone"]  # blank: keep the current zone
        return {name: "" if value is None else value for name, value in changes.items()}


class MailTemplatesForm(Form):
    """The settings page's template fields: ``invoice_es_subject``, ``invoice_es_body``…
    (the API takes the nested ``mailTemplates`` object; the service checks both)."""

    PREFIX = "mail_templates-"

    @staticmethod
    def field_name(purpose: str, language: str, part: str) -> str:
        return f"{purpose}_{language}_{part}"

    @classmethod
    def flat(cls, templates: dict[str, Any]) -> dict[str, str]:
        """The organisation's templates as the fields' data."""
        return {
            cls.field_name(purpose, language, part): text
            for purpose, languages in (templates or {}).items()
            for language, parts in (languages or {}).items()
            for part, text in (parts or {}).items()
        }

    def templates(self) -> dict[str, Any]:
        return {
            purpose: {
                language: {
                    part: self[self.field_name(purpose, language, part)].data or ""
                    for part in ("subject", "body")
                }
                for language in LANGUAGES
            }
            for purpose in PURPOSES
        }


for _purpose in PURPOSES:
    for _language in LANGUAGES:
        setattr(
            MailTemplatesForm,
            MailTemplatesForm.field_name(_purpose, _language, "subject"),
            StringField(
                _l("Subject"),
                validators=[Length(max=SUBJECT_MAX, message=TOO_LONG)],
                filters=[strip],
            ),
        )
        setattr(
            MailTemplatesForm,
            MailTemplatesForm.field_name(_purpose, _language, "body"),
            TextAreaField(
                _l("Message"),
                validators=[Length(max=BODY_MAX, message=TOO_LONG)],
                filters=[strip],
            ),
        )


class RemindersForm(Form):
    """The settings page's payment reminders: on or off, and the ladder typed as text
    ("-3, 0, 7, 30"). The page always sends the text field (even blank): a post without it
    is not the page's form and leaves the reminders alone (an absent checkbox reads "off").
    The API takes ``reminders: {enabled, days}`` instead."""

    SENT_BY = "reminder_days"

    reminders_enabled = BooleanField(_l("Send payment reminders"))
    reminder_days = StringField(
        _l("Days from the due date"),
        validators=[Length(max=200, message=TOO_LONG)],
        filters=[strip],
    )

    @classmethod
    def of(cls, organization: Any) -> RemindersForm:
        """The organisation's reminders as the fields' data."""
        return cls(
            data={
                "reminders_enabled": organization.reminders_enabled,
                "reminder_days": ladder_text(organization.reminder_days),
            }
        )

    def validate_reminder_days(self, field: Any) -> None:
        try:
            clean_ladder(field.data or "", field.name)
        except PortalValidationError as exc:
            raise ValidationError(str((exc.errors or {})[field.name])) from exc

    def changes(self) -> dict[str, Any]:
        """What ``services.update_profile`` takes (it cleans the ladder)."""
        return {
            "reminders_enabled": bool(self.reminders_enabled.data),
            "reminder_days": self.reminder_days.data or "",
        }


def ladder_text(days: Any) -> str:
    """A ladder as people write it: "-3, 0, 7, 30"."""
    return ", ".join(str(day) for day in days or [])


def plan_field() -> ChoiceField:
    return ChoiceField(
        _l("Plan"),
        choices=[SelectChoice(p.value, PLAN_LABELS[p]) for p in PLANS],
        invalid=PLAN_INVALID,
    )


class PlanForm(PortalForm):
    plan = plan_field()


class OrganizationUpdateForm(OrganizationForm):
    """The API's PATCH: settings, fiscal profile and, for the OWNER, the plan."""

    plan = plan_field()


class LogoForm(PortalForm):
    """The settings page's upload (multipart); the image itself is checked by
    ``fiscal.logo``."""

    logo = FileField(_l("Logo"))
