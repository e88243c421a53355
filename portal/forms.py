"""One validation source: the same form classes check a browser post and a JSON body.

Messages that pages and the API share are defined here once, lazily, so they follow
the locale of the request that shows them.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import Collection
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from babel import numbers, support
from flask import current_app, has_request_context, request
from flask_babel import LazyString, get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Field, FieldList, Form, FormField, SelectField, StringField
from wtforms.i18n import messages_path
from wtforms.validators import DataRequired, Email, Length, StopValidation
from wtforms.widgets import DateInput as DateWidget
from wtforms.widgets import TextInput

from portal.envelope import camelize
from portal.errors import ValidationError
from portal.money import parse_decimal, quantize

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


@functools.cache
def _wtforms_catalogue(locale: str) -> support.NullTranslations:
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class _WTFormsTranslations:
    """WTForms' own messages ("Not a valid choice"…) in the request's language, from a
    catalogue read once per process and language. flask-wtf reads and parses it again on
    every request that builds a form (0.3 ms, issue 16.1); the messages are the same."""

    def gettext(self, string: str) -> str:
        if not has_request_context():
            return string
        return _wtforms_catalogue(str(get_locale())).ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        if not has_request_context():
            return singular if n == 1 else plural
        return _wtforms_catalogue(str(get_locale())).ungettext(singular, plural, n)


_TRANSLATIONS = _WTFormsTranslations()


class PortalForm(FlaskForm):
    """The pages' and the API's forms: flask-wtf's, with WTForms' messages read once."""

    class Meta(FlaskForm.Meta):
        def get_translations(self, form: Any) -> Any:
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _TRANSLATIONS


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
    """The first message of each failing field, in the form's field order.

    A list of sub-forms (document lines) reports ``lines[2].quantity``, a sub-form
    (``FormField``: an address) ``address.postal_code``; the envelope camelizes both.
    """
    errors: dict[str, str] = {}
    _collect_errors(form.errors, "", errors)
    return errors


def _collect_errors(found: dict[str, Any], prefix: str, errors: dict[str, str]) -> None:
    for name, messages in found.items():
        key = f"{prefix}{name}"
        if isinstance(messages, dict):  # a FormField's errors: its sub-form's
            _collect_errors(messages, f"{key}.", errors)
            continue
        for position, message in enumerate(messages):
            if isinstance(message, dict):
                _collect_errors(message, f"{key}[{position}].", errors)
            elif isinstance(message, str | LazyString):
                errors.setdefault(key, str(message))


def json_body() -> dict[str, Any]:
    """The request's JSON object; anything else (malformed, an array…) is a 400."""
    try:
        payload = request.get_json(force=True, silent=True)
    except RecursionError:  # absurdly nested JSON
        payload = None
    if not isinstance(payload, dict):
        raise ValidationError({"body": BODY_NOT_OBJECT})
    _check_json_text(payload)
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


TOO_MANY_ITEMS = _l("At most %(max)d items")


def _list_problem(field: FieldList, name: str, items: Any) -> dict[str, Any] | None:
    """What makes a JSON value unfit for a list of sub-forms as a whole, if anything."""
    if not isinstance(items, list):
        return {name: WRONG_TYPE}
    if field.max_entries is not None and len(items) > field.max_entries:
        return {name: TOO_MANY_ITEMS % {"max": field.max_entries}}
    return None


def _item_texts(probe: Form, item: Any, key: str) -> tuple[dict[str, str], dict[str, Any]]:
    """One JSON item of a list of sub-forms as the texts a browser would post for ``probe``'s
    fields, and its type errors keyed ``<key>.field`` (the item itself when not an object)."""
    if not isinstance(item, dict):
        return {}, {key: WRONG_TYPE}
    texts: dict[str, str] = {}
    errors: dict[str, Any] = {}
    for sub in probe._fields:
        value = item.get(camelize(sub))
        if value is None:
            continue
        text = _as_form_value(probe[sub], value)
        if text is None:
            errors[f"{key}.{sub}"] = WRONG_TYPE
        else:
            texts[sub] = text
    return texts, errors


def _list_formdata(field: FieldList, name: str, items: Any, formdata: MultiDict) -> dict:
    """Flatten a JSON list of objects into ``lines-0-quantity``-style form data."""
    problem = _list_problem(field, name, items)
    if problem is not None:
        return problem
    probe = field.unbound_field.args[0](meta={"csrf": False})
    errors: dict[str, Any] = {}
    for position, item in enumerate(items):
        texts, item_errors = _item_texts(probe, item, f"{name}[{position}]")
        errors.update(item_errors)
        if not isinstance(item, dict):
            continue
        for sub, text in texts.items():
            formdata[f"{name}-{position}-{sub}"] = text
        if not texts:
            formdata[f"{name}-{position}-_present"] = ""  # keep the entry's position
    return errors


def _checked_items(
    field: FieldList, name: str, items: Any
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """A JSON list of objects checked item by item by the sub-form's own fields (WTForms
    builds and binds a whole form per entry of a ``FieldList``: most of the validation of a
    10-line invoice). The items' ``data``, and the errors a list of sub-forms would give,
    keyed ``lines[2].quantity`` by the item's place in the list."""
    problem = _list_problem(field, name, items)
    if problem is not None:
        return [], problem
    checker = _checker(field.unbound_field.args[0])
    checked: list[dict[str, Any]] = []
    errors: dict[str, Any] = {}
    for position, item in enumerate(items):
        key = f"{name}[{position}]"
        if not isinstance(item, dict):
            errors[key] = WRONG_TYPE
            continue
        checked.append(checker.check(item, key, errors))
    return checked, errors


class _ItemChecker:
    """One instance of a sub-form whose fields read JSON objects one after another.

    Each field takes WTForms' own steps, those ``Form.process`` and ``Form.validate`` would
    take (``Field.process``: the field's ``process_data`` of its default, its
    ``process_formdata``, its filters; ``Field.validate``: ``pre_validate``, the validators
    with the form's inline ``validate_<name>`` last, ``post_validate``), but straight from
    the item: no ``MultiDict``, no key camelized per item, no form-wide passes (85 → 39 µs
    a line of an invoice, issue 16.2). A field class that changes those steps (its own
    ``process``, ``validate`` or ``post_process``: a ``FormField``, a ``FieldList``) or a
    callable default is refused when the checker is built.
    """

    def __init__(self, form_class: type[Form]) -> None:
        self.form = form_class(meta={"csrf": False})
        self.fields: list[tuple[str, str, Field, tuple, tuple]] = []
        for name, field in self.form._fields.items():
            kind = type(field)
            if (
                kind.process is not Field.process
                or kind.validate is not Field.validate
                or kind.post_process is not Field.post_process
                or callable(field.default)
            ):
                raise TypeError(f"{form_class.__name__}.{name}: not a plain field")
            filters = tuple(field.filters)
            inline_filter = getattr(self.form, f"filter_{name}", None)
            if inline_filter is not None:
                filters += (inline_filter,)
            inline = getattr(form_class, f"validate_{name}", None)
            extra = (inline,) if inline is not None else ()
            self.fields.append((name, camelize(name), field, filters, extra))

    def check(self, item: dict[str, Any], key: str, errors: dict[str, Any]) -> dict[str, Any]:
        """``item``'s data by field name; its errors go into ``errors``, keyed
        ``<key>.field``: type errors first, then the first message of each failing field."""
        data: dict[str, Any] = {}
        failed: dict[str, Any] = {}
        for name, json_key, field, filters, extra in self.fields:
            value = item.get(json_key)
            text = None if value is None else _as_form_value(field, value)
            if value is not None and text is None:
                errors[f"{key}.{name}"] = WRONG_TYPE
            problems = []
            try:
                field.process_data(field.default)
            except ValueError as exc:
                problems.append(exc.args[0])
            field.raw_data = [] if text is None else [text]
            try:
                field.process_formdata(field.raw_data)
            except ValueError as exc:
                problems.append(exc.args[0])
            try:
                for step in filters:
                    field.data = step(field.data)
            except ValueError as exc:
                problems.append(exc.args[0])
            field.process_errors = problems
            if not field.validate(self.form, extra):
                failed[f"{key}.{name}"] = str(field.errors[0])
            data[name] = field.data
        for failure, message in failed.items():
            errors.setdefault(failure, message)
        return data


_checkers = threading.local()


def _checker(form_class: type[Form]) -> _ItemChecker:
    """This thread's checker of a list's sub-form: every use processes its fields afresh,
    so a request needs no new one. A plain ``wtforms.Form``: its messages are lazy strings,
    read in the request's language when they are shown, so one instance serves every
    language."""
    kept: dict[type[Form], _ItemChecker] | None = getattr(_checkers, "kept", None)
    if kept is None:
        kept = _checkers.kept = {}
    checker = kept.get(form_class)
    if checker is None:
        checker = kept[form_class] = _ItemChecker(form_class)
    return checker


def json_items(form: Any, name: str) -> list[dict[str, Any]]:
    """The checked items of the list ``name`` that ``form_from_json(…, item_lists=…)`` read."""
    return form.json_items[name]


def _object_formdata(
    field: FormField, name: str, value: Any, formdata: MultiDict, partial: bool
) -> tuple[dict[str, Any], list[str]]:
    """Flatten a JSON object into ``address-postal_code``-style form data for a sub-form.

    A plain string is the sub-form's ``plain_string`` part when it names one (an address's
    street). Returns the type errors and, for ``partial``, the parts the object leaves out.
    """
    plain = getattr(field, "plain_string", None)
    if isinstance(value, str) and plain:
        value = {camelize(plain): value}
    if not isinstance(value, dict):
        return {name: WRONG_TYPE}, []
    errors: dict[str, Any] = {}
    absent: list[str] = []
    for sub, sub_field in field.form._fields.items():
        key = camelize(sub)
        if key not in value:
            if partial:
                absent.append(sub)
            elif isinstance(sub_field, BooleanField):
                formdata[sub_field.name] = "y" if sub_field.default else "false"
            continue
        if value[key] is None:
            continue
        text = _as_form_value(sub_field, value[key])
        if text is None:
            errors[f"{name}.{sub}"] = WRONG_TYPE
        else:
            formdata[sub_field.name] = text
    return errors, absent


def form_from_json(
    form_class: type[F],
    *,
    partial: bool = False,
    payload: dict[str, Any] | None = None,
    item_lists: Collection[str] = (),
    **kwargs: Any,
) -> F:
    """Validate a JSON body with ``form_class``; raise ``ValidationError`` on any problem.

    Keys are the fields' names camelized. A list of objects fills a ``FieldList`` of
    sub-forms (errors ``lines[2].quantity``); an object fills a ``FormField`` (errors
    ``address.postalCode``), and a plain string fills the part a FormField names in its
    ``plain_string`` attribute (``AddressField``: the street; its errors are then keyed by
    the field, ``address``, as the body sent it). ``partial`` (for PATCH) checks
    only the fields the body names, inside an object too: ``{"address": {"city": "Lima"}}``
    changes the city and nothing else. ``null`` is a blank value (a blank object for a
    FormField). ``payload``: that object instead of the request's body (already checked).
    ``item_lists`` names lists of sub-forms read as plain data rather than as sub-forms (see
    ``_checked_items``): the form's ``FieldList`` stays empty and ``json_items(form, name)``
    gives the items' data; errors are the same. ``kwargs`` go to the form's constructor.
    """
    payload = json_body() if payload is None else payload
    form = form_class(formdata=None, meta={"csrf": False}, **kwargs)
    formdata: MultiDict = MultiDict()
    type_errors: dict[str, Any] = {}
    absent_parts: dict[str, list[str]] = {}
    plain_keys: dict[str, str] = {}  # a string sent for an object: its errors keep its key
    items: dict[str, list[dict[str, Any]]] = {name: [] for name in item_lists}
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
        if isinstance(form[name], FieldList) and name in item_lists:
            items[name], errors = _checked_items(form[name], name, value)
            type_errors.update(errors)
            continue
        if isinstance(form[name], FieldList):
            type_errors.update(_list_formdata(form[name], name, value, formdata))
            continue
        if isinstance(form[name], FormField):
            errors, absent_parts[name] = _object_formdata(
                form[name], name, value, formdata, partial
            )
            type_errors.update(errors)
            plain = getattr(form[name], "plain_string", None)
            if isinstance(value, str) and plain:
                plain_keys[f"{name}.{plain}"] = name
            continue
        text = _as_form_value(form[name], value)
        if text is None:
            type_errors[name] = WRONG_TYPE
        else:
            formdata[name] = text
    form.process(formdata)
    form.json_items = items
    for name, parts in absent_parts.items():  # process() built the sub-forms anew
        for part in parts:
            del form[name].form[part]
    if not form.validate() or type_errors:
        errors = {plain_keys.get(k, k): v for k, v in {**field_errors(form), **type_errors}.items()}
        raise ValidationError(
            dict(sorted(errors.items(), key=lambda item: _field_order(form, item[0])))
        )
    return form


def _field_order(form: FlaskForm, key: str) -> tuple:
    name = key.split("[", 1)[0].split(".", 1)[0]
    names = list(form._fields)
    positions = [int(n) for n in re.findall(r"\[(\d+)\]", key)]
    part = -1  # a sub-form's part: in its own field order
    if name in names and isinstance(form[name], FormField) and key.startswith(f"{name}."):
        parts = list(form[name].form._fields)
        sub = key[len(name) + 1 :]
        part = parts.index(sub) if sub in parts else len(parts)
    return (names.index(name) if name in names else len(names), positions, part, key)


def apply_error(form: FlaskForm, exc: Exception) -> bool:
    """Show a service's field error beside its field; ``False`` if it names none of them."""
    errors = getattr(exc, "errors", None) or {}
    field = getattr(exc, "field", None)
    if field and not errors:
        errors = {field: exc.message}  # type: ignore[attr-defined]
    shown = False
    for name, message in errors.items():
        if name in form:
            form[name].errors = [*form[name].errors, str(message)]
            shown = True
    return shown


NOT_A_NUMBER = _l("Must be a number")
PRICE_POSITIVE = _l("Price must be greater than 0")
AMOUNT_TOO_LARGE = _l("Must be at most %(max)s")
PERCENT_RANGE = _l("Must be between 0 and 100")
AMBIGUOUS_NUMBER = _l("Write %(whole)s for thousands or %(decimal)s for decimals")


_DIGIT_SPACE = re.compile(r"(?<=\d)[ \u00a0\u202f](?=\d)")  # "1 234,56": a space groups
_GROUPED = {
    mark: re.compile(rf"[+-]?\d{{1,3}}(?:{re.escape(mark)}\d{{3}})+") for mark in (".", ",")
}


# "1.500", "+12.345": a lone dot that may group thousands (a group never starts with 0).
_THOUSAND_DOT = re.compile(r"[+-]?[1-9]\d{0,2}\.\d{3}")


def decimal_mark() -> str:
    """The decimal mark of the request's locale ("," in Spanish, "." in English)."""
    locale = get_locale()
    return numbers.get_decimal_symbol(locale) if locale is not None else "."


def _typed_thousands(raw: str) -> bool:
    """Whether a person on a page whose decimal mark is a comma typed a lone dot before
    three digits ("1.500"): a thousands separator to them, a decimal point to ``Decimal``.
    Refused rather than read 1000 times too small. Only page forms (urlencoded): the API's
    JSON and CSV files have their own, fixed rules."""
    return (
        raw.count(".") == 1
        and "," not in raw
        and has_request_context()
        and request.mimetype == "application/x-www-form-urlencoded"
        and decimal_mark() == ","
        and _THOUSAND_DOT.fullmatch(_DIGIT_SPACE.sub("", raw)) is not None
    )


def plain_decimal(raw: str) -> str:
    """A number as a person writes it ("1.234,56", "1,234.56", "692,17", "1 234,5") as
    ``Decimal`` reads it ("1234.56"). What cannot be read is returned as it came.

    With both marks, the last one is the decimal mark and the other groups thousands. A lone
    dot is always the decimal mark (the API's "692.17", whatever the caller's language); a
    lone comma too, unless the locale's mark is a dot and it groups thousands ("1,234").
    Repeated marks group thousands ("1.234.567")."""
    text = _DIGIT_SPACE.sub("", raw)
    if "," in text and "." in text:
        mark = "," if text.rfind(",") > text.rfind(".") else "."
        group = "." if mark == "," else ","
        whole, _, fraction = text.rpartition(mark)
        if group in fraction or not _GROUPED[group].fullmatch(whole):
            return raw
        return f"{whole.replace(group, '')}.{fraction}"
    for mark in (",", "."):
        if text.count(mark) > 1:
            return text.replace(mark, "") if _GROUPED[mark].fullmatch(text) else raw
    if "," in text:
        if decimal_mark() == "." and _GROUPED[","].fullmatch(text):
            return text.replace(",", "")
        return text.replace(",", ".")
    return text


class DecimalInput(Field):
    """A decimal typed as text or sent as a JSON number; ``data`` is a finite ``Decimal``.

    WTForms' DecimalField accepts NaN and Infinity and speaks its own message. People may
    write it the way their language does ("1.234,56" in Spanish, ``plain_decimal``); a value
    the page fills in is written with the locale's decimal mark ("692,17"), so it comes back.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, places: int = 2, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.places = places

    def process_formdata(self, valuelist) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        if _typed_thousands(raw):
            whole = _DIGIT_SPACE.sub("", raw)
            raise ValueError(
                str(AMBIGUOUS_NUMBER)
                % {"whole": whole.replace(".", ""), "decimal": whole.replace(".", ",")}
            )
        value = parse_decimal(plain_decimal(raw))
        if value is None:
            raise ValueError(str(NOT_A_NUMBER))
        # Rounded before any check: 0.004 is a price of 0.00, and is refused as such.
        # parse_decimal bounds the value, so rounding it cannot exceed Decimal's precision.
        rounded = quantize(value, self.places)
        self.data = rounded.copy_abs() if rounded.is_zero() else rounded  # never "-0.00"

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return f"{self.data:f}".replace(".", decimal_mark())


INVALID_DATE = _l("Invalid date")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # not the week or ordinal forms


class DateInput(Field):
    """An ISO date (YYYY-MM-DD); ``data`` is a ``date`` or None, with our own message."""

    widget = DateWidget()

    def process_formdata(self, valuelist) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if not raw:
            return
        try:
            value = date.fromisoformat(raw) if _ISO_DATE.fullmatch(raw) else None
        except ValueError:
            value = None
        if value is None or not 2000 <= value.year <= 2100:
            raise ValueError(str(INVALID_DATE))
        self.data = value

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.data.isoformat() if self.data else ""


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


class ChoiceField(SelectField):
    """A select whose unknown values get the form's own message."""

    def __init__(self, label=None, *, invalid, **kwargs):
        super().__init__(label, **kwargs)
        self.invalid_message = invalid

    def pre_validate(self, form) -> None:
        if self.data not in {choice.value for choice in self.choices}:
            raise StopValidation(self.invalid_message)


FALSE_WORDS = frozenset({"", "false", "0", "no", "n", "off"})
TRUE_WORDS = frozenset({"true", "1", "yes", "y", "on", "si", "sí"})
INVALID_CHARACTERS = _l("The request contains characters that are not allowed")


class FlexibleBoolean(BooleanField):
    """A checkbox that also reads what spreadsheets write: FALSE, False, 0, no…"""

    data: bool | None  # None: a word it does not know (then a validation error)

    def process_formdata(self, valuelist) -> None:
        if not valuelist:
            self.data = False
            return
        word = str(valuelist[0]).strip().lower()
        if word in FALSE_WORDS:
            self.data = False
        elif word in TRUE_WORDS:
            self.data = True
        else:
            self.data = None
            raise ValueError(str(WRONG_TYPE))


# C0 control characters but tab, LF and CR, and lone UTF-16 surrogates (a JSON "\ud800"):
# PostgreSQL text refuses NUL, and no UTF-8 encoder (database driver, password hash,
# template) accepts a surrogate.
_UNACCEPTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")


def acceptable_text(text: str) -> bool:
    """Whether ``text`` may enter the portal: the one rule for every input a request brings."""
    return _UNACCEPTABLE.search(text) is None


def _check_json_text(value: Any) -> None:
    """Every string of a decoded JSON value, keys included (iteratively: depth is the
    sender's choice)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if not acceptable_text(item):
                raise ValidationError({"body": INVALID_CHARACTERS})
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)


def escape_raw_query_bytes() -> None:
    """Raw bytes that are not UTF-8 in the query string (a browser would have escaped them)
    become their %XX escapes, which werkzeug keeps as text, as it keeps a typed "%FF".
    Left raw, every reader of ``request.args`` or ``request.full_path`` would raise."""
    try:
        request.query_string.decode()
    except UnicodeDecodeError:
        request.query_string = request.query_string.decode(errors="werkzeug.url_quote").encode()


FORM_MIMETYPES = frozenset({"application/x-www-form-urlencoded", "multipart/form-data"})


def reject_nul_characters() -> None:
    """``before_request``: text the portal refuses (see ``acceptable_text``) in the path
    (ids, public tokens), the query or a posted form is a 400, never a database or encoding
    error further on. A JSON body is checked by the same rule where it is read
    (``json_body``), once the caller's rights are known.

    Werkzeug turns invalid UTF-8 in the path or a multipart form into U+FFFD, keeps it
    percent-escaped in the query and drops an url-encoded form that holds it.
    """
    texts = [request.path]
    sources = [request.args] if request.query_string else []
    if request.mimetype in FORM_MIMETYPES:  # werkzeug parses no other body as a form
        sources.append(request.form)
    for values in sources:
        for key, value in values.items(multi=True):
            texts += (key, value)
    if not all(acceptable_text(text) for text in texts):
        raise ValidationError({"body": INVALID_CHARACTERS})


class WholeNumber(Field):
    """A whole number written in ASCII digits (``int()`` would also take ``1_0`` or ``٣``),
    from ``minimum`` to ``maximum``; blank is ``None`` (``Optional`` or a required check
    decides). JSON numbers arrive as their text."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, minimum: int, maximum: int, message, **kw):
        super().__init__(label, validators, **kw)
        self.minimum, self.maximum, self.message = minimum, maximum, message

    def process_formdata(self, valuelist) -> None:
        self.data = None
        text = str(valuelist[0]).strip() if valuelist else ""
        if not text:
            return
        if not re.fullmatch(r"[0-9]{1,9}", text) or not (self.minimum <= int(text) <= self.maximum):
            raise ValueError(str(self.message))
        self.data = int(text)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)
