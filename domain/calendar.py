"""Working days in England: the unit of the statutory clocks.

Bank holidays come from the `holidays` package, which carries them offline, so a due date is the
same on a laptop with no network as on the server.
"""

from __future__ import annotations

import calendar as _cal
from datetime import date, timedelta
from functools import lru_cache

import holidays

SATURDAY = 5


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=[year]).keys())


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_weekend(day: date) -> bool:
    return day.weekday() >= SATURDAY


def is_working_day(day: date) -> bool:
    return not is_weekend(day) and not is_bank_holiday(day)


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (the start day itself never counts)."""
    if days < 0:
        raise ValueError("days must not be negative")
    day = start
    remaining = days
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
    count = 0
    day = start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count


def add_months(start: date, months: int) -> date:
    """Calendar months, clamped to the month's last day (31 January + 1 month = 28/29 February)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, _cal.monthrange(year, month)[1])
    return date(year, month, day)
