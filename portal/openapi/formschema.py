"""A form class (WTForms, shared by pages and API) as the JSON Schema of its JSON body.

Keys are the fields' names camelized, as ``forms.form_from_json`` reads them; a list of
sub-forms is an array of objects, a sub-form an object; limits come from the validators.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, FieldList, FormField, IntegerField, SelectFieldBase
from wtforms.fields import EmailField, PasswordField
from wtforms.validators import Length, NumberRange, Optional, Regexp

from portal.envelope import camelize
from portal.forms import DateInput, DecimalInput, DecimalRange, WholeNumber

# Beyond this many choices (countries, currencies, time zones) a field is described by its
# format instead of listing every value.
MAX_ENUM = 30
SKIPPED = frozenset({"csrf_token", "next", "remove"})  # page-only fields


def form_schema(form_class: type[FlaskForm], *, partial: bool = False) -> dict[str, Any]:
    """The body ``form_class`` validates; ``partial`` (a PATCH): every field optional.
    Needs an application context (choices and labels are computed there)."""
    form = form_class(formdata=None, meta={"csrf": False})
    return _object_schema(form, partial=partial)


def _object_schema(form: Any, *, partial: bool) -> dict[str, Any]:
    properties: dict[str, Any] = {}
    required: list[str] = []
    for name, field in form._fields.items():
        if name in SKIPPED:
            continue
        key = camelize(name)
        properties[key] = field_schema(field, partial=partial)
        if not partial and _required(field):
            required.append(key)
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    return schema


def _required(field: Field) -> bool:
    if any(isinstance(v, Optional) for v in field.validators):
        return False
    return bool(getattr(field.flags, "required", False))


def field_schema(field: Field, *, partial: bool = False) -> dict[str, Any]:
    """One field's schema; ``null`` is allowed where it blanks an optional value."""
    schema = _base_schema(field, partial=partial)
    label = str(field.label.text) if field.label and field.label.text else ""
    if label:
        schema["description"] = label
    if not isinstance(field, FieldList | FormField) and (partial or not _required(field)):
        kinds = schema.get("type")
        if isinstance(kinds, str):
            schema["type"] = [kinds, "null"]
        elif isinstance(kinds, list) and "null" not in kinds:
            schema["type"] = [*kinds, "null"]
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
    return schema


def _base_schema(field: Field, *, partial: bool) -> dict[str, Any]:
    if isinstance(field, FieldList):
        probe = field.unbound_field.args[0](meta={"csrf": False})
        schema: dict[str, Any] = {"type": "array", "items": _object_schema(probe, partial=False)}
        if field.max_entries is not None:
            schema["maxItems"] = field.max_entries
        return schema
    if isinstance(field, FormField):
        schema = _object_schema(field.form, partial=partial)
        if getattr(field, "plain_string", None):  # a plain string fills that part
            schema = {"oneOf": [schema, {"type": "string"}]}
        return schema
    if isinstance(field, BooleanField):
        return {"type": "boolean"}
    if isinstance(field, DecimalInput):
        schema = {"type": ["string", "number"], "format": "decimal"}
        schema.update(_decimal_limits(field))
        return schema
    if isinstance(field, DateInput):
        return {"type": "string", "format": "date"}
    if isinstance(field, WholeNumber):
        return {"type": "integer", "minimum": field.minimum, "maximum": field.maximum}
    if isinstance(field, IntegerField):
        schema = {"type": "integer"}
        for validator in field.validators:
            if isinstance(validator, NumberRange):
                if validator.min is not None:
                    schema["minimum"] = validator.min
                if validator.max is not None:
                    schema["maximum"] = validator.max
        return schema
    if isinstance(field, SelectFieldBase):
        values = [choice[0] for choice in field.iter_choices() if choice[0] not in ("", "-")]
        if len(values) <= MAX_ENUM:
            return {"type": "string", "enum": values}
        return {"type": "string", "maxLength": max(len(v) for v in values)}
    return _string_schema(field)


def _string_schema(field: Field) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string"}
    if isinstance(field, EmailField):
        schema["format"] = "email"
    if isinstance(field, PasswordField):
        schema["format"] = "password"
    for validator in field.validators:
        if isinstance(validator, Length):
            if validator.min is not None and validator.min > 0:
                schema["minLength"] = validator.min
            if validator.max is not None and validator.max >= 0:
                schema["maxLength"] = validator.max
        elif isinstance(validator, Regexp):
            schema["pattern"] = validator.regex.pattern
    return schema


def _decimal_limits(field: Field) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    for validator in field.validators:
        if isinstance(validator, DecimalRange):
            low = _number(validator.minimum)
            limits["minimum" if validator.inclusive else "exclusiveMinimum"] = low
            limits["maximum"] = _number(validator.maximum)
    return limits


def _number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)
