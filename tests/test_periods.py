"""Report periods: presets, ``?from=&to=`` and their refusals, the previous period."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from portal.errors import ValidationError
from portal.periods import PRESETS, Period, period_from

TODAY = date(2027, 2, 14)


@pytest.mark.parametrize(
    ("preset", "start", "end"),
    [
        ("this_month", date(2027, 2, 1), TODAY),
        ("last_month", date(2027, 1, 1), date(2027, 1, 31)),
        ("this_quarter", date(2027, 1, 1), TODAY),
        ("this_year", date(2027, 1, 1), TODAY),
        ("last_12_months", date(2026, 3, 1), TODAY),
    ],
)
def test_presets(preset, start, end):
    assert period_from({"period": preset}, TODAY) == Period(start, end)


def test_year_boundaries_of_the_presets():
    new_year = date(2027, 1, 1)
    assert PRESETS["last_month"][1](new_year) == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert PRESETS["this_quarter"][1](date(2026, 12, 31)).start == date(2026, 10, 1)
    assert PRESETS["last_12_months"][1](new_year).start == date(2026, 2, 1)


def test_explicit_dates_and_the_previous_period():
    period = period_from({"from": "2026-01-01", "to": "2026-03-31"}, TODAY)
    assert period.days == 90
    assert period.previous() == Period(date(2025, 10, 3), date(2025, 12, 31))
    assert [m.month for m in period.months()] == [1, 2, 3]


@pytest.mark.parametrize(
    ("args", "errors"),
    [
        ({"from": "2026-13-01"}, {"from"}),
        ({"to": "31/12/2026"}, {"to"}),
        ({"from": "x", "to": "y"}, {"from", "to"}),
        ({"from": "1999-12-31"}, {"from"}),
        ({"from": "2026-05-01", "to": "2026-04-30"}, {"to"}),
        ({"from": "2020-01-01", "to": "2026-01-01"}, {"to"}),
    ],
)
def test_bad_ranges_name_the_field(args, errors):
    with pytest.raises(ValidationError) as refused:
        period_from(args, TODAY)
    assert set(refused.value.errors) == errors


@given(st.text(max_size=30), st.text(max_size=30))
def test_any_text_is_a_period_or_a_named_refusal(raw_from, raw_to):
    try:
        period = period_from({"from": raw_from, "to": raw_to}, TODAY)
    except ValidationError as refused:
        assert set(refused.errors) <= {"from", "to"}
    else:
        assert period.start <= period.end and period.days <= 5 * 366
