"""One validation source: the same form classes check a browser post and a JSON body.

Messages that pages and the API share are defined here once, lazily, so they follow
the locale of the request that shows them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, TypeVar

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, StringField
from wtforms.validators import DataRequired, Email, Length, StopValidation
from wtforms.widgets import TextInput

from portal.envelope import camelize
from portal.errors import ValidationError
from portal.money import parse_decimal

NAME_REQUIRED = _l("Name is required")
EMAIL_REQUIRED = _l("Email is required")
EMAIL_INVALID = _l("Invalid email address")
PASSWORD_REQUIRED = _l("Password is required")
PASSWORD_TOO_SHORT = _l("Password must be at least %(min)d characters")
TOO_LONG = _l("Must be at most %(max)d characters")
WRONG_TYPE = _l("Invalid value")
BODY_NOT_OBJECT = _l("The request body must be a JSON object")
NOT_BLANK = _l("must not be blank")

F = TypeVar("F", bound=FlaskForm)


def strip(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def lower(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def name_validators(max_length: int = 200) -> list:
    return [DataRequired(NAME_REQUIRED), Length(max=max_length, message=TOO_LONG)]


def email_validators() -> list:
    return [
        DataRequired(EMAIL_REQUIRED),
        Length(max=254, message=TOO_LONG),
        Email(EMAIL_INVALID, granular_message=False),
    ]


def password_validators() -> list:
    return [
        DataRequired(PASSWORD_REQUIRED),
        Length(min=8, message=PASSWORD_TOO_SHORT),
        Length(max=128, message=TOO_LONG),
    ]


def field_errors(form: FlaskForm) -> dict[str, str]:
    """The first message of each failing field, in the form's field order."""
    return {name: str(messages[0]) for name, messages in form.errors.items() if messages}


def json_body() -> dict[str, Any]:
    """The request's JSON object; anything else (malformed, an array…) is a 400."""
    payload = request.get_json(force=True, silent=True)
    if not isinstance(payload, dict):
        raise ValidationError({"body": BODY_NOT_OBJECT})
    return payload


def _as_form_value(field: Field, value: Any) -> str | None:
    """A JSON value as the text a browser would post, or ``None`` when its type is wrong."""
    if isinstance(field, BooleanField):
        return ("y" if value else "false") if isinstance(value, bool) else None
    if isinstance(value, bool | dict | list):
        return None
    if isinstance(field, StringField) and not isinstance(value, str):
        return None
    return str(value)


def form_from_json(form_class: type[F], *, partial: bool = False, **kwargs: Any) -> F:
    """Validate a JSON body with ``form_class``; raise ``ValidationError`` on any problem.

    ``partial`` (for PATCH) checks only the fields the body names.
    """
    payload = json_body()
    form = form_class(formdata=None, meta={"csrf": False}, **kwargs)
    formdata: MultiDict = MultiDict()
    type_errors: dict[str, Any] = {}
    for name in list(form._fields):
        key = camelize(name)
        if key not in payload:
            if partial:
                del form[name]
            elif isinstance(form[name], BooleanField):
                # An absent checkbox means "off" in a browser; in JSON it means the default.
                formdata[name] = "y" if form[name].default else "false"
            continue
        value = payload[key]
        if value is None:
            continue
        text = _as_form_value(form[name], value)
        if text is None:
            type_errors[name] = WRONG_TYPE
        else:
            formdata[name] = text
    form.process(formdata)
    if not form.validate() or type_errors:
        errors = {**field_errors(form), **type_errors}
        raise ValidationError({name: errors[name] for name in form._fields if name in errors})
    return form


def apply_error(form: FlaskForm, exc: Exception) -> bool:
    """Show a service's field error beside its field; ``False`` if it names none of them."""
    errors = getattr(exc, "errors", None) or {}
    field = getattr(exc, "field", None)
    if field and not errors:
        errors = {field: exc.message}  # type: ignore[attr-defined]
    shown = False
    for name, message in errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, message]
            shown = True
    return shown


NOT_A_NUMBER = _l("Must be a number")
PRICE_POSITIVE = _l("Price must be greater than 0")
AMOUNT_TOO_LARGE = _l("Must be at most %(max)s")
PERCENT_RANGE = _l("Must be between 0 and 100")


class DecimalInput(Field):
    """A decimal typed as text or sent as a JSON number; ``data`` is a finite ``Decimal``.

    WTForms' DecimalField accepts NaN and Infinity and speaks its own message. A single
    comma is read as the decimal mark, as Spanish speakers write it ("12,50").
    """

    widget = TextInput()

    def process_formdata(self, valuelist) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        if raw.count(",") == 1 and "." not in raw:
            raw = raw.replace(",", ".")
        self.data = parse_decimal(raw)
        if self.data is None:
            raise ValueError(str(NOT_A_NUMBER))

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:f}"


class Present:
    """Required, for values whose zero is falsy (a price of 0 is present, just too low)."""

    field_flags = {"required": True}

    def __init__(self, message) -> None:
        self.message = message

    def __call__(self, form, field) -> None:
        if field.data is None and not field.process_errors:
            raise StopValidation(self.message)


class DecimalRange:
    """``minimum < value`` (or ``<=`` when inclusive) and ``value <= maximum``."""

    def __init__(self, minimum, maximum, *, message, inclusive=True, too_large=None):
        self.minimum = Decimal(minimum)
        self.maximum = Decimal(maximum)
        self.inclusive = inclusive
        self.message = message
        self.too_large = too_large or message

    def __call__(self, form, field) -> None:
        value = field.data
        if value is None:
            return
        low_ok = value >= self.minimum if self.inclusive else value > self.minimum
        if not low_ok:
            raise StopValidation(self.message)
        if value > self.maximum:
            raise StopValidation(self.too_large % {"max": f"{self.maximum:f}"})
