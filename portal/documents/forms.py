"""What sending a quote or an invoice carries: recipients and a message, from a page or JSON.

Addresses come as a list or as one comma-separated text (``"a@x.es, b@y.es"``); each is
checked, so a typo is a field error, not a bounce days later.
"""

from __future__ import annotations

from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import Length
from wtforms.validators import ValidationError as FieldError

from portal.errors import ValidationError
from portal.forms import EMAIL_INVALID, TOO_LONG, WRONG_TYPE, PortalForm, json_body

MESSAGE_MAX = 5000
ADDRESSES_MAX = 20
NOT_ADDRESSES = _l("Write e-mail addresses separated by commas")
TOO_MANY_ADDRESSES = _l("At most %(max)d addresses", max=ADDRESSES_MAX)


def addresses(value: Any) -> list[str]:
    """The e-mail addresses in ``value`` (a list, or a comma-separated text); ``ValueError``
    with the message to show when one is malformed or the value is neither."""
    if value is None:
        return []
    if isinstance(value, str):
        items = value.split(",")
    elif isinstance(value, list) and all(isinstance(item, str) for item in value):
        items = value
    else:
        raise ValueError(NOT_ADDRESSES)
    found = [item.strip() for item in items if item.strip()]
    for address in found:
        try:
            validate_email(address, check_deliverability=False)
        except EmailNotValidError:
            raise ValueError(EMAIL_INVALID) from None
    if len(found) > ADDRESSES_MAX:
        raise ValueError(TOO_MANY_ADDRESSES)
    return found


def _addresses_field(form: FlaskForm, field: Any) -> None:
    try:
        addresses(field.data or "")
    except ValueError as exc:
        raise FieldError(str(exc.args[0])) from None


class SendForm(PortalForm):
    """The page's form; ``to`` starts as the customer's address."""

    to = StringField(_l("Send to"), validators=[_addresses_field])
    cc = StringField(_l("Cc"), validators=[_addresses_field])
    message = TextAreaField(_l("Message"), validators=[Length(max=MESSAGE_MAX, message=TOO_LONG)])

    def values(self) -> dict[str, Any]:
        return {
            "to": addresses(self.to.data or ""),
            "cc": addresses(self.cc.data or ""),
            "message": (self.message.data or "").strip(),
        }


def send_input() -> dict[str, Any]:
    """A ``POST …/send`` body: optional ``to``, ``cc`` and ``message`` (no body: none)."""
    payload = json_body() if request.get_data() else {}
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    for name in ("to", "cc"):
        try:
            values[name] = addresses(payload.get(name))
        except ValueError as exc:
            errors[name] = exc.args[0]
    message = payload.get("message")
    if message is not None and not isinstance(message, str):
        errors["message"] = WRONG_TYPE
    elif message and len(message) > MESSAGE_MAX:
        errors["message"] = TOO_LONG % {"max": MESSAGE_MAX}
    if errors:
        raise ValidationError(errors)
    return {**values, "message": (message or "").strip()}
