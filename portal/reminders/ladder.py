"""The reminder ladder as a person or a program writes it: days from the due date.

Kept apart from ``reminders.services`` (which knows invoices) so that the settings form can
check a ladder without importing the documents.
"""

from __future__ import annotations

import re
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.errors import ValidationError

MAX_STEPS = 10
EARLIEST, LATEST = -90, 365

STEPS_WRONG = _l("Write days from the due date as whole numbers, such as -3, 0, 7, 30")
STEPS_RANGE = _l("Each day must be from %(min)d to %(max)d", min=EARLIEST, max=LATEST)
STEPS_TOO_MANY = _l("At most %(max)d reminders", max=MAX_STEPS)


def clean_ladder(value: Any, field: str = "reminder_days") -> list[int]:
    """A ladder as sent (a list of whole numbers, or their text "-3, 0, 7"), sorted and
    without repeats; ``ValidationError`` on ``field`` otherwise."""
    if isinstance(value, str):
        parts = [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]
        if not all(re.fullmatch(r"[+-]?[0-9]{1,4}", part) for part in parts):
            raise ValidationError({field: STEPS_WRONG})
        value = [int(part) for part in parts]
    if not isinstance(value, list) or not all(
        isinstance(day, int) and not isinstance(day, bool) for day in value
    ):
        raise ValidationError({field: STEPS_WRONG})
    steps = sorted(set(value))
    if any(day < EARLIEST or day > LATEST for day in steps):
        raise ValidationError({field: STEPS_RANGE})
    if len(steps) > MAX_STEPS:
        raise ValidationError({field: STEPS_TOO_MANY})
    return steps
