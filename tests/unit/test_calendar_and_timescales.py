from datetime import date

import pytest

from domain.calendar import (
    add_months,
    add_working_days,
    is_bank_holiday,
    is_working_day,
    working_days_between,
)
from domain.timescales import first_core_group_due, first_review_due, icpc_due, next_review_due


def test_weekends_are_not_working_days():
    saturday, sunday, monday = date(2026, 3, 7), date(2026, 3, 8), date(2026, 3, 9)

    assert not is_working_day(saturday)
    assert not is_working_day(sunday)
    assert is_working_day(monday)


@pytest.mark.parametrize(
    "day",
    [date(2026, 4, 3), date(2026, 4, 6), date(2026, 5, 4), date(2026, 8, 31), date(2026, 12, 28)],
    ids=["good-friday", "easter-monday", "early-may", "late-summer", "boxing-day-substitute"],
)
def test_bank_holidays_in_england_are_not_working_days(day):
    assert is_bank_holiday(day)
    assert not is_working_day(day)


def test_scottish_bank_holidays_are_working_days_in_england():
    st_andrews_day_substitute = date(2026, 11, 30)

    assert is_working_day(st_andrews_day_substitute)


def test_the_start_day_never_counts_as_a_working_day():
    thursday = date(2026, 3, 5)

    assert add_working_days(thursday, 1) == date(2026, 3, 6)
    assert add_working_days(thursday, 2) == date(2026, 3, 9)
    assert add_working_days(thursday, 0) == thursday


def test_working_days_between_counts_the_end_day_and_skips_weekends():
    assert working_days_between(date(2026, 3, 6), date(2026, 3, 9)) == 1
    assert working_days_between(date(2026, 3, 9), date(2026, 3, 6)) == 0


def test_icpc_is_due_within_15_working_days_of_the_strategy_discussion():
    monday = date(2026, 3, 2)

    assert icpc_due(monday) == date(2026, 3, 23)


def test_icpc_due_date_skips_easter_bank_holidays():
    strategy_discussion = date(2026, 3, 27)

    # 15 working days from Friday 27 March 2026 skip Good Friday and Easter Monday.
    assert icpc_due(strategy_discussion) == date(2026, 4, 21)


def test_first_core_group_is_due_within_10_working_days_of_the_icpc():
    icpc = date(2026, 12, 21)

    # Christmas Day, Boxing Day (substitute Monday 28th) and New Year's Day are skipped.
    assert first_core_group_due(icpc) == date(2027, 1, 7)


def test_first_review_is_due_within_3_months_of_the_icpc():
    assert first_review_due(date(2026, 3, 2)) == date(2026, 6, 2)


def test_three_months_from_the_end_of_a_month_lands_on_the_last_day_of_a_shorter_one():
    assert first_review_due(date(2025, 11, 30)) == date(2026, 2, 28)
    assert add_months(date(2027, 11, 30), 3) == date(2028, 2, 29)


def test_later_reviews_are_due_within_6_months_of_the_previous_one():
    assert next_review_due(date(2026, 6, 1)) == date(2026, 12, 1)
    assert next_review_due(date(2026, 8, 31)) == date(2027, 2, 28)
