"""Webhook endpoint forms: the page's form, and the same checks for a JSON body.

A JSON body names its events as a list of strings (absent, ``null`` or empty: every event);
the page ticks them as checkboxes (none ticked: every event). The URL's shape is checked
here; whether it may be called at all (scheme, private addresses, DNS) is the service's
check (``portal.webhooks.urls.check_url``), so the page and the API refuse the same URLs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length
from wtforms.validators import ValidationError as FieldError
from wtforms.widgets import CheckboxInput, ListWidget

from portal.clock import zone
from portal.errors import ValidationError
from portal.forms import (
    TOO_LONG,
    WRONG_TYPE,
    DateInput,
    FlexibleBoolean,
    PortalForm,
    form_from_json,
    json_body,
    strip,
)
from portal.webhooks.events import EVENT_TYPES

URL_REQUIRED = _l("URL is required")
INVALID_URL = _l("Invalid URL")
UNKNOWN_EVENT = _l("Unknown event: %(event)s")
SINCE_REQUIRED = _l("Choose the date to recover from")
SINCE_INVALID = _l("Invalid date and time: use ISO 8601, such as 2026-11-30T09:00:00Z")
MAX_MOMENT = 40
EARLIEST_YEAR, LATEST_YEAR = 2000, 2100
MAX_URL = 2000
MAX_DESCRIPTION = 500
# An event named in an error is the caller's text: shown, but never at any length.
SHOWN_EVENT_LENGTH = 60


class EndpointFields(PortalForm):
    """What a JSON body and the page share (``events`` is read apart: a list in JSON)."""

    url = StringField(
        _l("URL"),
        validators=[DataRequired(URL_REQUIRED), Length(max=MAX_URL, message=TOO_LONG)],
        filters=[strip],
        render_kw={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"},
    )
    description = TextAreaField(
        _l("Description"),
        validators=[Length(max=MAX_DESCRIPTION, message=TOO_LONG)],
        filters=[strip],
    )
    active = FlexibleBoolean(_l("Active"), default=True)


class EventsField(SelectMultipleField):
    """Checkboxes, one per event type; an unknown value is refused with its name."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        for value in self.data or []:
            if value not in EVENT_TYPES:
                raise FieldError(str(UNKNOWN_EVENT % {"event": value[:SHOWN_EVENT_LENGTH]}))


class EndpointForm(EndpointFields):
    """The page's form: the shared fields and a checkbox per event."""

    events = EventsField(
        _l("Events"),
        choices=[SelectChoice(event, event) for event in EVENT_TYPES],
        validate_choice=False,  # pre_validate says which one is unknown
    )


class RecoverForm(PortalForm):
    """Re-queue the failed deliveries created on or after this day (the organisation's)."""

    since = DateInput(_l("Failed since"), validators=[InputRequired(SINCE_REQUIRED)])


def events_of(value: Any) -> list[str]:
    """A body's ``events``: a list of known event types, each once, in the table's order;
    absent, ``null`` or empty means every event (``[]``)."""
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValidationError({"events": WRONG_TYPE})
    for item in value:
        if item not in EVENT_TYPES:
            raise ValidationError({"events": UNKNOWN_EVENT % {"event": item[:SHOWN_EVENT_LENGTH]}})
    return [event for event in EVENT_TYPES if event in value]


def endpoint_input(*, partial: bool = False) -> dict[str, Any]:
    """A JSON body's endpoint fields (``partial``: only those it names), every problem at
    once in the form's order: url, description, active, events."""
    payload = json_body()
    values: dict[str, Any] = {}
    errors: dict[str, Any] = {}
    try:
        form = form_from_json(EndpointFields, partial=partial)
    except ValidationError as refused:
        errors.update(refused.errors or {})
    else:
        values.update(form.data)
    if "events" in payload or not partial:
        try:
            values["events"] = events_of(payload.get("events"))
        except ValidationError as refused:
            errors.update(refused.errors or {})
    if errors:
        raise ValidationError(errors)
    return values


def page_values(form: EndpointForm) -> dict[str, Any]:
    """The page form's data as the service takes it (no CSRF token; events in order)."""
    chosen = form.events.data or []
    return {
        "url": form.url.data,
        "description": form.description.data or "",
        "active": bool(form.active.data),
        "events": [event for event in EVENT_TYPES if event in chosen],
    }


def moment_of(value: Any, time_zone: str) -> datetime:
    """A ``since``: an ISO 8601 date and time (without an offset: the organisation's wall
    clock) or a date (its first moment there), as an aware UTC datetime; else a 400."""
    if value is None or value == "":
        raise ValidationError({"since": SINCE_REQUIRED})
    if isinstance(value, date) and not isinstance(value, datetime):
        value = value.isoformat()
    if not isinstance(value, str) or len(value) > MAX_MOMENT:
        raise ValidationError({"since": SINCE_INVALID})
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationError({"since": SINCE_INVALID}) from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(time_zone))
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValidationError({"since": SINCE_INVALID})
    return moment.astimezone(UTC)


def since_input(time_zone: str) -> datetime:
    """``POST …/recover``'s body: ``{"since": "2026-11-30T09:00:00Z"}`` (or a date)."""
    return moment_of(json_body().get("since"), time_zone)
