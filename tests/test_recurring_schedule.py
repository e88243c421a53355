"""The recurring schedule's date arithmetic (``portal.recurring.schedule``): pure, no database.

Every date is derived from the suite's clock (``org_today``) so that the tests mean the same
in any year; the calendar facts (a 31st, a leap day) are found from it, never written.
"""

from __future__ import annotations

from calendar import isleap, monthrange
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal.recurring.models import Frequency
from portal.recurring.schedule import MAX_INTERVAL, Schedule
from tests.conftest import org_today

TODAY = org_today()


def next_leap_year(after: int) -> int:
    year = after
    while not isleap(year):
        year += 1
    return year


def january_31(year: int) -> date:
    return date(year, 1, 1) + timedelta(days=30)


def test_month_end_clamps_to_shorter_months_and_comes_back():
    for year in (next_leap_year(TODAY.year), next_leap_year(TODAY.year) + 1):
        start = january_31(year)
        schedule = Schedule(Frequency.MONTHLY, 1, start)
        february = schedule.period(1)
        march_1 = date(year, 3, 1)
        assert february == march_1 - timedelta(days=1)  # the last day of February
        assert february.day == (29 if isleap(year) else 28)
        assert schedule.period(2) == date(year, 4, 1) - timedelta(days=1)  # 31 March again
        assert schedule.period(3) == date(year, 5, 1) - timedelta(days=1)  # 30 April
        assert schedule.period(12) == january_31(year + 1)


def test_a_leap_day_falls_back_to_february_28_then_returns():
    leap = next_leap_year(TODAY.year)
    leap_day = date(leap, 3, 1) - timedelta(days=1)
    assert leap_day.day == 29
    schedule = Schedule(Frequency.YEARLY, 1, leap_day)
    for n in range(1, 4):
        assert schedule.period(n) == date(leap + n, 3, 1) - timedelta(days=1)
        assert schedule.period(n).day == 28
    assert schedule.period(4) == leap_day.replace(year=leap + 4)  # every 4th year: 29 again


def test_quarterly_and_interval_multiply_the_months():
    start = TODAY.replace(day=15)
    quarterly = Schedule(Frequency.QUARTERLY, 1, start)
    every_two_quarters = Schedule(Frequency.QUARTERLY, 2, start)
    every_three_months = Schedule(Frequency.MONTHLY, 3, start)
    for n in range(8):
        assert quarterly.period(n) == every_three_months.period(n)
        assert every_two_quarters.period(n) == quarterly.period(2 * n)
    months = (start.month - 1 + 3) % 12 + 1
    assert quarterly.period(1).month == months and quarterly.period(1).day == 15


def test_days_with_an_interval():
    schedule = Schedule(Frequency.DAYS, 10, TODAY)
    assert [schedule.period(n) for n in range(4)] == [
        TODAY + timedelta(days=10 * n) for n in range(4)
    ]
    assert schedule.first_on_or_after(TODAY + timedelta(days=1)) == 1
    assert schedule.first_on_or_after(TODAY + timedelta(days=10)) == 1
    assert schedule.first_on_or_after(TODAY + timedelta(days=11)) == 2
    assert schedule.first_on_or_after(TODAY - timedelta(days=400)) == 0


def test_count_and_end_date_limit_the_schedule():
    by_count = Schedule(Frequency.DAYS, 7, TODAY, count=3)
    assert by_count.upcoming(0, 0) == [TODAY + timedelta(days=7 * n) for n in range(3)]
    assert by_count.allows(1, 3) is None  # three made: over
    assert by_count.upcoming(1, 1) == [TODAY + timedelta(days=7 * n) for n in (1, 2)]
    end = TODAY + timedelta(days=14)  # a period may fall on the end date
    by_end = Schedule(Frequency.DAYS, 7, TODAY, end=end)
    assert by_end.upcoming(0, 0, limit=10) == [TODAY, TODAY + timedelta(days=7), end]
    assert by_end.allows(3, 0) is None
    both = Schedule(Frequency.MONTHLY, 1, TODAY, end=TODAY + timedelta(days=400), count=2)
    assert len(both.upcoming(0, 0, limit=10)) == 2
    assert Schedule(Frequency.MONTHLY, 1, TODAY).upcoming(0, 0) == [
        Schedule(Frequency.MONTHLY, 1, TODAY).period(n) for n in range(5)
    ]


def test_period_refuses_negative_and_ends_past_the_calendar():
    with pytest.raises(ValueError):
        Schedule(Frequency.MONTHLY, 1, TODAY).period(-1)
    assert Schedule(Frequency.YEARLY, MAX_INTERVAL, TODAY).period(100) is None
    assert Schedule(Frequency.DAYS, MAX_INTERVAL, TODAY).period(10**7) is None
    assert Schedule(Frequency.YEARLY, MAX_INTERVAL, TODAY).upcoming(0, 0, limit=100)


# --- properties -----------------------------------------------------------------------------

schedules = st.builds(
    Schedule,
    frequency=st.sampled_from(Frequency.ALL),
    interval=st.integers(min_value=1, max_value=40),
    start=st.dates(min_value=TODAY - timedelta(days=3000), max_value=TODAY + timedelta(days=3000)),
    end=st.none() | st.dates(min_value=TODAY, max_value=TODAY + timedelta(days=6000)),
    count=st.none() | st.integers(min_value=1, max_value=30),
)


@settings(max_examples=150, deadline=None)
@given(schedule=schedules, offset=st.integers(min_value=-500, max_value=8000))
def test_first_on_or_after_is_the_first_period_not_before_the_day(schedule, offset):
    day = schedule.start + timedelta(days=offset)
    n = schedule.first_on_or_after(day)
    assert n >= 0
    found = schedule.period(n)
    assert found is None or found >= day
    if n > 0:
        assert schedule.period(n - 1) < day


@settings(max_examples=150, deadline=None)
@given(schedule=schedules, n=st.integers(min_value=0, max_value=200))
def test_periods_strictly_increase_and_keep_the_start_day_when_they_can(schedule, n):
    first, second = schedule.period(n), schedule.period(n + 1)
    assert first is not None and second is not None
    assert first < second
    if schedule.frequency != Frequency.DAYS:
        assert first.day == min(schedule.start.day, monthrange(first.year, first.month)[1])


@settings(max_examples=150, deadline=None)
@given(schedule=schedules, made=st.integers(min_value=0, max_value=5))
def test_upcoming_never_exceeds_count_nor_end(schedule, made):
    runs = schedule.upcoming(made, made, limit=50)
    assert runs == sorted(set(runs))
    if schedule.count is not None:
        assert len(runs) <= max(schedule.count - made, 0)
    if schedule.end is not None:
        assert all(day <= schedule.end for day in runs)
    if runs:
        assert runs[0] == schedule.period(made)
