"""Fiscal data in forms: countries, postal addresses and tax ids.

Shared by customers, the organisation's settings and sign-up; pages, JSON bodies (through
``portal.forms.form_from_json``) and CSV rows all go through these pieces.

``CountryField(label)``
    An ISO 3166 alpha-2 code known to babel's territory list, upper-cased; blank is ``""``
    (no country); anything else is the field error "Unknown country". Rendered as a select:
    a blank choice, the portal's countries in ``fiscal.countries.COUNTRIES`` order, a
    separator, then every other country by its name in the request's language.

``AddressForm`` / ``address_form(street=None)`` / ``AddressField(label)``
    The sub-form ``street`` (≤200), ``postal_code`` (≤20), ``city`` (≤100), ``region``
    (≤100) and ``country`` (a CountryField). In JSON it is the object
    ``{"street", "postalCode", "city", "region", "country"}``, and a plain string is taken as
    the street (``AddressField.plain_string``); its errors are keyed ``address.postalCode``.
    Another street field: ``AddressField(label, form_class=address_form(street=…))``.

``FiscalFormMixin`` (put it before ``PortalForm`` in the bases)
    For a form with any of ``country`` (CountryField), ``address`` (AddressField) and
    ``tax_id`` (``tax_id_field()``) — a PATCH may have removed some:

    - The country is the top-level ``country`` when the input gives it, else the address's
      ``country`` when given (then copied to ``form.country.data``); both given and
      different is an error on ``address.country``.
    - ``tax_id`` is checked with ``normalize_tax_id`` against that country when it is not
      blank, else against the ``fallback_country`` the form was built with
      (``Form(..., fallback_country=…)``: the organisation's country, say; ``""`` checks it as
      free text). With neither (``fallback_country=None``, the default) the form refuses only
      a value no country accepts, leaves it as typed, and the caller checks it against the
      record with ``checked_tax_id``. A valid one is replaced by its normalised form; a bad
      one is the field error "Invalid tax id".
    - ``street_attribute`` names the model column that holds the street (``"street"``;
      customers keep theirs in ``"address"``): ``Form(obj=record)`` fills the address
      sub-form from the record's columns, and ``fiscal_columns(form.data)`` gives the
      column values back, flat (only those the form carried).

``checked_tax_id(country, value)``
    The normalised tax id, or ``portal.errors.ValidationError({"tax_id": INVALID_TAX_ID})``:
    for services checking a value against a record the form did not know.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from babel import Locale
from flask import has_request_context
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, Field, Form, FormField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Email, Length, Optional
from wtforms.validators import ValidationError as FieldError

from portal.errors import ValidationError
from portal.fiscal.countries import COUNTRIES
from portal.fiscal.taxids import CHECKED_COUNTRIES, normalize_tax_id
from portal.forms import EMAIL_INVALID, TOO_LONG, lower, strip

INVALID_TAX_ID = _l("Invalid tax id")
UNKNOWN_COUNTRY = _l("Unknown country")
COUNTRY_MISMATCH = _l("Does not match the country")

# CLDR regions with two letters that are not countries or territories of ISO 3166.
_NOT_COUNTRIES = frozenset({"EU", "EZ", "UN", "QO", "ZZ", "XA", "XB"})
_SEPARATOR = "──────────"
_ANY_COUNTRY = ("", *sorted(CHECKED_COUNTRIES))  # free text, then each country's own form


@lru_cache(maxsize=1)
def known_countries() -> frozenset[str]:
    """Every ISO 3166 alpha-2 code the portal accepts."""
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(
        code for code in codes if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


@lru_cache(maxsize=16)
def _other_countries(locale: str) -> tuple[tuple[str, str], ...]:
    names = Locale.parse(locale).territories
    others = [(code, names.get(code, code)) for code in known_countries() if code not in COUNTRIES]
    return tuple(sorted(others, key=lambda item: item[1].casefold()))


def country_choices() -> list[SelectChoice]:
    """Blank, the portal's countries, a separator, the rest by name (the request's locale)."""
    locale = str(get_locale() or "es") if has_request_context() else "es"
    names = Locale.parse(locale).territories
    choices = [SelectChoice("", "—")]
    choices += [SelectChoice(code, names.get(code, code)) for code in COUNTRIES]
    choices.append(SelectChoice("-", _SEPARATOR, render_kw={"disabled": True}))
    choices += [SelectChoice(code, name) for code, name in _other_countries(locale)]
    return choices


class CountryField(SelectField):
    """An ISO 3166 alpha-2 code, upper-cased; ``""`` when blank; "Unknown country" else."""

    def __init__(self, label: Any = None, validators: Any = None, **kwargs: Any) -> None:
        kwargs.setdefault("default", "")
        super().__init__(label, validators, choices=country_choices, **kwargs)

    def process_data(self, value: Any) -> None:
        self.data = value.strip().upper() if isinstance(value, str) else ""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:
            return
        value = str(valuelist[0]).strip().upper()
        self.data = value
        if value and value not in known_countries():
            raise ValueError(str(UNKNOWN_COUNTRY))

    def pre_validate(self, form: Any) -> None:
        """The check is in ``process_formdata``: the choices are only what the page shows."""


def _length(maximum: int) -> Length:
    return Length(max=maximum, message=TOO_LONG)


def address_form(street: Any = None) -> type[Form]:
    """An address sub-form class; ``street`` replaces the street field (another limit, a
    textarea). Built afresh so that the street stays the first field."""
    fields = {
        "street": street or StringField(_l("Street"), validators=[_length(200)], filters=[strip]),
        "postal_code": StringField(_l("Postal code"), validators=[_length(20)], filters=[strip]),
        "city": StringField(_l("City"), validators=[_length(100)], filters=[strip]),
        "region": StringField(_l("Province / state"), validators=[_length(100)], filters=[strip]),
        "country": CountryField(_l("Country")),
    }
    return type("AddressForm", (Form,), fields)


AddressForm = address_form()


ADDRESS_PARTS = ("street", "postal_code", "city", "region", "country")


def tax_id_field(label: Any = None) -> StringField:
    """The ``tax_id`` field the mixin checks (no length of its own: the check bounds it)."""
    return StringField(label if label is not None else _l("Tax ID"), filters=[strip])


class AddressField(FormField):
    """The address sub-form; JSON may send a plain string for its ``plain_string`` part."""

    plain_string = "street"

    def __init__(
        self, label: Any = None, form_class: type[Form] = AddressForm, **kwargs: Any
    ) -> None:
        super().__init__(form_class, label, **kwargs)


def given(field: Field | None) -> bool:
    """Whether the input (a page post, a JSON body, a CSV row) carried the field."""
    return field is not None and bool(field.raw_data)


class _WithAddress:
    """A record seen by a form: its address columns gathered as the ``address`` sub-form's."""

    def __init__(self, record: Any, street_attribute: str) -> None:
        self._record = record
        self.address = {
            part: getattr(record, street_attribute if part == "street" else part, "") or ""
            for part in ADDRESS_PARTS
        }

    def __getattr__(self, name: str) -> Any:
        return getattr(self._record, name)


class FiscalFormMixin:
    """Country, address and tax id rules of a form (see the module docstring)."""

    street_attribute = "street"
    _fields: dict[str, Any]

    def __init__(self, *args: Any, fallback_country: str | None = None, **kwargs: Any) -> None:
        self.fallback_country = fallback_country
        super().__init__(*args, **kwargs)

    def process(
        self, formdata: Any = None, obj: Any = None, data: Any = None, **kwargs: Any
    ) -> None:
        if obj is not None and "address" in self._fields:
            obj = _WithAddress(obj, self.street_attribute)
        super().process(formdata, obj, data, **kwargs)  # type: ignore[misc]

    def _country_fields(self) -> tuple[Field | None, Field | None]:
        address = self._fields.get("address")
        nested = address.form._fields.get("country") if address is not None else None
        return self._fields.get("country"), nested

    def fiscal_country(self) -> str | None:
        """The country the input gives (top-level first) unless blank, else the fallback;
        None: not known here (a bad country, or no fallback)."""
        top, nested = self._country_fields()
        for field in (top, nested):
            if given(field):
                if field.process_errors:  # type: ignore[union-attr]
                    return None
                if field.data:  # type: ignore[union-attr]
                    return field.data  # type: ignore[union-attr]
                break
        return self.fallback_country

    def validate_tax_id(self, field: Field) -> None:
        country = self.fiscal_country()
        if country is None:  # the caller checks it against the record; refuse only nonsense
            if not any(normalize_tax_id(c, field.data or "") is not None for c in _ANY_COUNTRY):
                raise FieldError(INVALID_TAX_ID)
            return
        normalised = normalize_tax_id(country, field.data or "")
        if normalised is None:
            raise FieldError(INVALID_TAX_ID)
        field.data = normalised

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)  # type: ignore[misc]
        top, nested = self._country_fields()
        if given(nested) and not nested.errors:  # type: ignore[union-attr]
            if given(top) and not top.errors and top.data != nested.data:  # type: ignore[union-attr]
                nested.errors = [*nested.errors, COUNTRY_MISMATCH]  # type: ignore[union-attr]
                return False
            if top is not None and not given(top):
                top.data = nested.data  # type: ignore[union-attr]
        elif nested is not None and not given(nested):
            # Not sent (a page, or ``"address": null``): ``data`` must not carry a blank
            # country that would clear the record's.
            del self._fields["address"].form["country"]
        return valid

    @classmethod
    def fiscal_columns(cls, data: dict[str, Any]) -> dict[str, Any]:
        """``country``, ``tax_id`` and the address parts of ``form.data`` as model columns."""
        columns: dict[str, Any] = {n: data[n] for n in ("country", "tax_id") if n in data}
        address = data.get("address")
        if isinstance(address, dict):
            for part in ADDRESS_PARTS:
                if part not in address:
                    continue
                value = address[part] if address[part] is not None else ""
                if part == "country":
                    columns.setdefault("country", value)
                else:
                    columns[cls.street_attribute if part == "street" else part] = value
        return columns


def checked_tax_id(country: str, value: str) -> str:
    """``value`` normalised for ``country``; a ``ValidationError`` on ``tax_id`` if bad."""
    normalised = normalize_tax_id(country, value or "")
    if normalised is None:
        raise ValidationError({"tax_id": INVALID_TAX_ID})
    return normalised


def email_field() -> EmailField:
    """A contact e-mail (optional): the customer's or the organisation's."""
    return EmailField(
        _l("Email"),
        validators=[
            Optional(),
            Length(max=254, message=TOO_LONG),
            Email(EMAIL_INVALID, granular_message=False),
        ],
        filters=[strip, lower],
    )


def phone_field() -> StringField:
    return StringField(_l("Phone"), validators=[Length(max=40, message=TOO_LONG)], filters=[strip])
