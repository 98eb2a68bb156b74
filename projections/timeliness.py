"""Timeliness: the indicators the DfE publishes for child protection, per plan and for a period.

For each plan: was the initial conference held within 15 working days of the strategy discussion
(when the record has that date); did the core group first meet within 10 working days of the
conference; was every review held within its statutory timescale (the first within 3 months of
the conference, each later one within 6 months of the one before); how long the plan lasted, in
which duration band it ended, and whether it lasted 2 years or more; and whether it was a repeat
plan (the child had a plan before, in the order the child's record opened them).

Timescales are the statutory clocks of `domain.timescales`. A chair's letter of concern may
postpone a review, and the drift view follows the postponed date; the published indicator does
not, and neither does this view. What depends on the day (a first core group or a review not held
yet but already overdue) is worked out when a query runs, from the date the caller gives.

Duration bands are half-open, as the DfE publishes them: a plan that lasted exactly 3 months is
in "3 months to under 6 months", and one that lasted exactly 2 years has lasted 2 years or more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any
from uuid import UUID

from domain.calendar import add_months, working_days_between
from domain.child import Child
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan as Plan
from domain.timescales import (
    ICPC_WORKING_DAYS,
    first_core_group_due,
    first_review_due,
    next_review_due,
)
from projections.base import Changes, ReadModel, Row, Table, View, columns, topics_of

PLANS = Table(
    "plans",
    columns(
        "plan_id:uuid child_id:uuid core_group_id:uuid icpc_on:date strategy_discussion_on:date "
        "icpc_working_days:int first_core_group_due:date first_core_group_on:date reviews:int "
        "last_review_on:date ended_on:date previous_plans:int"
    ),
    key=("plan_id",),
    indexes=(("icpc_on",), ("ended_on",)),
)
REVIEWS = Table(
    "reviews",
    columns("plan_id:uuid number:int held_on:date due_on:date"),
    key=("plan_id", "number"),
    append_only=True,
)
CORE_GROUPS = Table(
    "core_groups",
    columns("core_group_id:uuid plan_id:uuid first_meeting_on:date"),
    key=("core_group_id",),
)
OPENINGS = Table(
    "openings",
    columns("plan_id:uuid previous_plans:int"),
    key=("plan_id",),
)
"""How many plans the child had before each plan, from the child's record: kept apart from the
plan's row so the count lands whichever of the two streams' events the log holds first."""
CHILDREN = Table(
    "children",
    columns("child_id:uuid plans_opened:int"),
    key=("child_id",),
)

THREE_MONTHS = 3
TWO_YEARS = 24


class DurationBand(Enum):
    """How long a plan lasted, in the DfE's bands (months, lower bound included)."""

    UNDER_3_MONTHS = "under 3 months"
    FROM_3_TO_6_MONTHS = "3 months to under 6 months"
    FROM_6_TO_12_MONTHS = "6 months to under 1 year"
    FROM_1_TO_2_YEARS = "1 year to under 2 years"
    TWO_YEARS_OR_MORE = "2 years or more"


_BANDS: tuple[tuple[int, DurationBand], ...] = (
    (3, DurationBand.UNDER_3_MONTHS),
    (6, DurationBand.FROM_3_TO_6_MONTHS),
    (12, DurationBand.FROM_6_TO_12_MONTHS),
    (TWO_YEARS, DurationBand.FROM_1_TO_2_YEARS),
)


def duration_band(started_on: date, ended_on: date) -> DurationBand:
    for months, band in _BANDS:
        if ended_on < add_months(started_on, months):
            return band
    return DurationBand.TWO_YEARS_OR_MORE


@dataclass(frozen=True)
class Rate:
    """`count` out of `out_of`, and the percentage (None when there is nothing to count)."""

    count: int
    out_of: int

    @property
    def percent(self) -> float | None:
        return round(100 * self.count / self.out_of, 1) if self.out_of else None


@dataclass(frozen=True)
class ReviewTimeliness:
    number: int
    held_on: date
    due_on: date

    @property
    def within_timescale(self) -> bool:
        return self.held_on <= self.due_on


@dataclass(frozen=True)
class PlanTimeliness:
    """One plan against the statutory clocks, as things stood on `as_of`.

    A None answers "not yet known": no strategy discussion date recorded, or a first core group
    neither held nor yet due, or a plan still open."""

    plan_id: UUID
    child_id: UUID
    as_of: date
    icpc_on: date
    strategy_discussion_on: date | None
    icpc_working_days: int | None
    first_core_group_due: date
    first_core_group_on: date | None
    reviews: tuple[ReviewTimeliness, ...]
    next_review_due: date | None
    ended_on: date | None
    previous_plans: int | None

    @property
    def icpc_within_timescale(self) -> bool | None:
        days = self.icpc_working_days
        return None if days is None else days <= ICPC_WORKING_DAYS

    @property
    def first_core_group_within_timescale(self) -> bool | None:
        if self.first_core_group_on is not None:
            return self.first_core_group_on <= self.first_core_group_due
        if self.ended_on is not None and self.ended_on <= self.first_core_group_due:
            return None
        return False if self.as_of > self.first_core_group_due else None

    @property
    def review_overdue(self) -> bool:
        return self.next_review_due is not None and self.as_of > self.next_review_due

    @property
    def reviews_within_timescales(self) -> bool:
        """Every review held on time, and none overdue now."""
        return all(r.within_timescale for r in self.reviews) and not self.review_overdue

    @property
    def duration_days(self) -> int:
        return ((self.ended_on or self.as_of) - self.icpc_on).days

    @property
    def lasted_two_years_or_more(self) -> bool:
        return (self.ended_on or self.as_of) >= add_months(self.icpc_on, TWO_YEARS)

    @property
    def duration_band(self) -> DurationBand | None:
        return None if self.ended_on is None else duration_band(self.icpc_on, self.ended_on)

    @property
    def repeat_plan(self) -> bool | None:
        return None if self.previous_plans is None else self.previous_plans > 0


@dataclass(frozen=True)
class StartedFigures:
    """Plans started (initial conferences held) in a period."""

    plans_started: int
    icpc_within_15_working_days: Rate
    """Of the plans whose strategy discussion date is recorded."""
    strategy_discussion_not_recorded: int
    first_core_group_within_10_working_days: Rate
    """Of the plans whose first core group had been held, or was due, by the period's end."""
    repeat_plans: Rate


@dataclass(frozen=True)
class EndedFigures:
    """Plans ended in a period."""

    plans_ended: int
    lasted_two_years_or_more: Rate
    by_duration: tuple[tuple[DurationBand, Rate], ...]
    reviewed_within_timescales: Rate
    """Every review of the plan held on time."""


@dataclass(frozen=True)
class OpenFigures:
    """Plans open on a day, the way the census counts them on 31 March."""

    open_plans: int
    reviewed_within_timescales: Rate
    """Of the plans open for 3 months or more: every review held on time and none overdue."""
    open_two_years_or_more: Rate


class TimelinessModel(ReadModel):
    name = "timeliness"
    relative_cost = 1.0
    tables = (PLANS, REVIEWS, CORE_GROUPS, OPENINGS, CHILDREN)
    topics = topics_of(
        Plan.Started,
        Plan.ReviewConferenceHeld,
        Plan.Ended,
        CoreGroup.Formed,
        CoreGroup.MeetingHeld,
        Child.ProtectionPlanOpened,
    )

    @classmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        match event:
            case Plan.Started():
                cls._started(event, changes)
            case Plan.ReviewConferenceHeld():
                cls._reviewed(event, changes)
            case Plan.Ended():
                changes.update(PLANS, event.originator_id, ended_on=event.ended_on)
            case CoreGroup.Formed():
                if changes.get(CORE_GROUPS, event.originator_id) is None:
                    changes.put(
                        CORE_GROUPS,
                        {
                            "core_group_id": event.originator_id,
                            "plan_id": event.plan_id,
                            "first_meeting_on": None,
                        },
                    )
            case CoreGroup.MeetingHeld():
                cls._met(event, changes)
            case Child.ProtectionPlanOpened():
                cls._opened(event, changes)

    @staticmethod
    def _started(event: Plan.Started, changes: Changes) -> None:
        strategy = event.strategy_discussion_on
        opening = changes.get(OPENINGS, event.originator_id)
        group = changes.get(CORE_GROUPS, event.core_group_id)
        changes.put(
            PLANS,
            {
                "plan_id": event.originator_id,
                "child_id": event.child_id,
                "core_group_id": event.core_group_id,
                "icpc_on": event.icpc_on,
                "strategy_discussion_on": strategy,
                "icpc_working_days": (
                    None if strategy is None else working_days_between(strategy, event.icpc_on)
                ),
                "first_core_group_due": first_core_group_due(event.icpc_on),
                "first_core_group_on": group["first_meeting_on"] if group else None,
                "reviews": 0,
                "last_review_on": None,
                "ended_on": None,
                "previous_plans": opening["previous_plans"] if opening else None,
            },
        )

    @staticmethod
    def _reviewed(event: Plan.ReviewConferenceHeld, changes: Changes) -> None:
        """Each review is due 3 months after the conference (the first) or 6 months after the
        review before it; the plan holds reviews in date order."""
        plan = changes.get(PLANS, event.originator_id)
        if plan is None:
            return
        last: date | None = plan["last_review_on"]
        due_on = first_review_due(plan["icpc_on"]) if last is None else next_review_due(last)
        plan["reviews"] += 1
        plan["last_review_on"] = event.held_on
        changes.put(PLANS, plan)
        changes.put(
            REVIEWS,
            {
                "plan_id": event.originator_id,
                "number": plan["reviews"],
                "held_on": event.held_on,
                "due_on": due_on,
            },
        )

    @staticmethod
    def _met(event: CoreGroup.MeetingHeld, changes: Changes) -> None:
        """Meetings may be recorded late and out of order: the first is the earliest held."""
        group = changes.get(CORE_GROUPS, event.originator_id)
        if group is None:
            return
        first: date | None = group["first_meeting_on"]
        if first is not None and first <= event.held_on:
            return
        group["first_meeting_on"] = event.held_on
        changes.put(CORE_GROUPS, group)
        changes.update(PLANS, group["plan_id"], first_core_group_on=event.held_on)

    @staticmethod
    def _opened(event: Child.ProtectionPlanOpened, changes: Changes) -> None:
        child = changes.get(CHILDREN, event.originator_id)
        previous = child["plans_opened"] if child else 0
        changes.put(CHILDREN, {"child_id": event.originator_id, "plans_opened": previous + 1})
        changes.put(OPENINGS, {"plan_id": event.plan_id, "previous_plans": previous})
        changes.update(PLANS, event.plan_id, previous_plans=previous)


# --- queries ------------------------------------------------------------------------------------


def plan_timeliness(view: View, plan_id: UUID, as_of: date) -> PlanTimeliness | None:
    """One plan against the clocks on `as_of`; None for a plan the view does not know."""
    found = _timeliness(view, "p.plan_id = %(plan_id)s", {"plan_id": plan_id}, as_of)
    return found[0] if found else None


def plans_started(view: View, start: date, end: date) -> StartedFigures:
    """Plans whose initial conference fell between `start` and `end`, both included, judged as
    things stood on `end`."""
    plans = _timeliness(
        view, "p.icpc_on >= %(start)s AND p.icpc_on <= %(end)s", {"start": start, "end": end}, end
    )
    known = [p for p in plans if p.icpc_within_timescale is not None]
    judged = [p for p in plans if p.first_core_group_within_timescale is not None]
    counted = [p for p in plans if p.repeat_plan is not None]
    return StartedFigures(
        plans_started=len(plans),
        icpc_within_15_working_days=Rate(
            sum(bool(p.icpc_within_timescale) for p in known), len(known)
        ),
        strategy_discussion_not_recorded=len(plans) - len(known),
        first_core_group_within_10_working_days=Rate(
            sum(bool(p.first_core_group_within_timescale) for p in judged), len(judged)
        ),
        repeat_plans=Rate(sum(bool(p.repeat_plan) for p in counted), len(counted)),
    )


def plans_ended(view: View, start: date, end: date) -> EndedFigures:
    """Plans that ended between `start` and `end`, both included."""
    plans = _timeliness(
        view,
        "p.ended_on IS NOT NULL AND p.ended_on >= %(start)s AND p.ended_on <= %(end)s",
        {"start": start, "end": end},
        end,
    )
    bands = [p.duration_band for p in plans]
    return EndedFigures(
        plans_ended=len(plans),
        lasted_two_years_or_more=Rate(sum(p.lasted_two_years_or_more for p in plans), len(plans)),
        by_duration=tuple((band, Rate(bands.count(band), len(plans))) for band in DurationBand),
        reviewed_within_timescales=Rate(
            sum(p.reviews_within_timescales for p in plans), len(plans)
        ),
    )


def plans_open_on(view: View, on: date) -> OpenFigures:
    """Plans open on `on` (started on or before it, not ended by it)."""
    plans = _timeliness(
        view,
        "p.icpc_on <= %(on)s AND (p.ended_on IS NULL OR p.ended_on > %(on)s)",
        {"on": on},
        on,
    )
    settled = [p for p in plans if on >= add_months(p.icpc_on, THREE_MONTHS)]
    return OpenFigures(
        open_plans=len(plans),
        reviewed_within_timescales=Rate(
            sum(p.reviews_within_timescales for p in settled), len(settled)
        ),
        open_two_years_or_more=Rate(sum(p.lasted_two_years_or_more for p in plans), len(plans)),
    )


def _timeliness(
    view: View, where: str, params: dict[str, Any], as_of: date
) -> list[PlanTimeliness]:
    """Every plan matching `where` (conditions on `p`, the plans table), in two queries, with
    only what had happened by `as_of`."""
    plans = view.select(PLANS, f"SELECT p.* FROM {{plans}} p WHERE {where}", params)
    if not plans:
        return []
    reviews = view.select(
        REVIEWS,
        "SELECT r.* FROM {reviews} r JOIN {plans} p ON p.plan_id = r.plan_id "
        f"WHERE {where} ORDER BY r.plan_id, r.number",
        params,
    )
    reviews_of: dict[UUID, list[ReviewTimeliness]] = {}
    for row in reviews:
        if row["held_on"] <= as_of:
            reviews_of.setdefault(row["plan_id"], []).append(
                ReviewTimeliness(row["number"], row["held_on"], row["due_on"])
            )
    return [_plan(row, reviews_of.get(row["plan_id"], []), as_of) for row in plans]


def _by(day: date | None, as_of: date) -> date | None:
    """The date, if it had come by `as_of`."""
    return day if day is not None and day <= as_of else None


def _plan(row: Row, reviews: Sequence[ReviewTimeliness], as_of: date) -> PlanTimeliness:
    ended_on: date | None = (
        row["ended_on"] if row["ended_on"] and row["ended_on"] <= as_of else None
    )
    first_on: date | None = row["first_core_group_on"]
    if ended_on is not None:
        next_due = None
    elif reviews:
        next_due = next_review_due(reviews[-1].held_on)
    else:
        next_due = first_review_due(row["icpc_on"])
    return PlanTimeliness(
        plan_id=row["plan_id"],
        child_id=row["child_id"],
        as_of=as_of,
        icpc_on=row["icpc_on"],
        strategy_discussion_on=row["strategy_discussion_on"],
        icpc_working_days=row["icpc_working_days"],
        first_core_group_due=row["first_core_group_due"],
        first_core_group_on=first_on,
        reviews=tuple(reviews),
        next_review_due=next_due,
        ended_on=ended_on,
        previous_plans=row["previous_plans"],
    )
