"""The statutory clocks of Working Together to Safeguard Children (unchanged 2010-2023).

Each function turns the date something happened into the date by which the next step is due.
"""

from __future__ import annotations

from datetime import date

from domain.calendar import add_months, add_working_days

ICPC_WORKING_DAYS = 15
FIRST_CORE_GROUP_WORKING_DAYS = 10
FIRST_REVIEW_MONTHS = 3
LATER_REVIEW_MONTHS = 6


def icpc_due(strategy_discussion_on: date) -> date:
    """The initial child protection conference is due within 15 working days of the strategy
    discussion that decided on the section 47 enquiry."""
    return add_working_days(strategy_discussion_on, ICPC_WORKING_DAYS)


def first_core_group_due(icpc_on: date) -> date:
    """The core group first meets within 10 working days of the initial conference."""
    return add_working_days(icpc_on, FIRST_CORE_GROUP_WORKING_DAYS)


def first_review_due(icpc_on: date) -> date:
    """The first review conference is due within 3 months of the initial conference."""
    return add_months(icpc_on, FIRST_REVIEW_MONTHS)


def next_review_due(last_review_on: date) -> date:
    """Later reviews are held at most 6 months apart."""
    return add_months(last_review_on, LATER_REVIEW_MONTHS)
