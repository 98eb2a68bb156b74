"""Outcomes across groups of children: which features of plans go with success or failure.

The inspectorate found that no authority could aggregate outcomes across groups of children, so
nobody knew which features of plans go with success. This read model keeps one de-identified row
per plan: no name, date of birth or any other identity of the child, only the plan's team and
categories, its dates, how it ended, whether it is a repeat plan, which agencies sat in its core
group, the parents' engagement, what happened to its tasks, who came to its core group meetings,
whether a manager's oversight was recorded at its key decisions, and where each of its outcomes
started, stands and whether it was achieved. The child appears only as the id of the child's
stream, which is what lets a child with two plans be counted once, and lets "did the child come
back onto a plan within two years" be answered.

`cohort_figures` turns the plans that ended in a period (or were active at its end) into figures
for a breakdown (by category, team, agency, engagement, task completion, core group attendance,
management oversight), with small numbers suppressed so that no figure can be traced to fewer
than five children (see `suppress`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import median
from typing import Any, Literal, get_args
from uuid import UUID

from domain.agency_task import AgencyTask
from domain.child import Child
from domain.core_group import AttendanceStatus, CoreGroup
from domain.plan import ChildProtectionPlan as Plan
from domain.plan import KeyDecisionPoint, OutcomeStatus
from domain.values import CategoryOfAbuse, ParentalEngagement
from projections.base import Changes, ReadModel, Row, Table, View, columns, topics_of

PLANS = Table(
    "plans",
    columns(
        "plan_id:uuid child_id:uuid team initial_category latest_category started_on:date "
        "ended_on:date end_reason agreed:bool latest_engagement latest_engagement_on:date "
        "non_engagement_recorded:bool tasks_assigned:int tasks_completed:int "
        "tasks_cancelled:int meetings_held:int members_attended:int members_expected:int "
        "oversight_plan_needed:bool oversight_plan_agreed:bool oversight_plan_can_end:bool"
    ),
    key=("plan_id",),
    indexes=(("ended_on",), ("started_on",), ("child_id",)),
)
CHILDREN = Table(
    "children",
    columns("child_id:uuid plans_opened:int"),
    key=("child_id",),
)
OPENINGS = Table(
    "openings",
    columns("plan_id:uuid child_id:uuid previous_plans:int"),
    key=("plan_id",),
)
CORE_GROUPS = Table(
    "core_groups",
    columns("core_group_id:uuid plan_id:uuid members:int"),
    key=("core_group_id",),
)
AGENCIES = Table(
    "agencies",
    columns("plan_id:uuid agency"),
    key=("plan_id", "agency"),
)
TASKS = Table(
    "tasks",
    columns("task_id:uuid plan_id:uuid"),
    key=("task_id",),
)
OUTCOMES = Table(
    "outcomes",
    columns(
        "outcome_id:uuid plan_id:uuid baseline:int latest_score:int latest_rated_on:date status"
    ),
    key=("outcome_id",),
    indexes=(("plan_id",),),
)

MIN_CHILDREN = 5
"""No figure is published for fewer children than this."""

IMPROVED_BY = 3
"""An outcome has improved when its latest rating is at least this many points above its
baseline on the 0-10 scale."""

REPEAT_WINDOW = timedelta(days=730)
"""A child who comes back onto a plan within two years of one ending: the repeat indicator."""

_OVERSIGHT_COLUMNS = {
    KeyDecisionPoint.PLAN_NEEDED: "oversight_plan_needed",
    KeyDecisionPoint.PLAN_AGREED: "oversight_plan_agreed",
    KeyDecisionPoint.PLAN_CAN_END: "oversight_plan_can_end",
}


class CohortModel(ReadModel):
    name = "cohort"
    relative_cost = 4.0
    tables = (PLANS, CHILDREN, OPENINGS, CORE_GROUPS, AGENCIES, TASKS, OUTCOMES)
    topics = topics_of(
        Plan.Started,
        Plan.LeadSocialWorkerAllocated,
        Plan.Agreed,
        Plan.ReviewConferenceHeld,
        Plan.Ended,
        Plan.ParentalEngagementRecorded,
        Plan.ManagementOversightRecorded,
        Plan.OutcomeAgreed,
        Plan.OutcomeProgressRated,
        Plan.OutcomeAchieved,
        Plan.OutcomeWithdrawn,
        Child.ProtectionPlanOpened,
        CoreGroup.Formed,
        CoreGroup.MemberJoined,
        CoreGroup.MemberLeft,
        CoreGroup.MeetingHeld,
        AgencyTask.Assigned,
        AgencyTask.Completed,
        AgencyTask.Cancelled,
    )

    @classmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        match event:
            case Plan.Started():
                cls._started(event, changes)
            case Plan.LeadSocialWorkerAllocated():
                changes.update(PLANS, event.originator_id, team=event.team)
            case Plan.Agreed():
                changes.update(PLANS, event.originator_id, agreed=True)
            case Plan.ReviewConferenceHeld():
                changes.update(PLANS, event.originator_id, latest_category=event.category.value)
            case Plan.Ended():
                ended_on, reason = event.ended_on, event.reason.value
                changes.update(PLANS, event.originator_id, ended_on=ended_on, end_reason=reason)
            case Plan.ParentalEngagementRecorded():
                cls._engagement(event, changes)
            case Plan.ManagementOversightRecorded():
                column = _OVERSIGHT_COLUMNS[event.decision_point]
                changes.update(PLANS, event.originator_id, **{column: True})
            case Plan.OutcomeAgreed() | Plan.OutcomeProgressRated():
                cls._outcome(event, changes)
            case Plan.OutcomeAchieved():
                changes.update(OUTCOMES, event.outcome_id, status=OutcomeStatus.ACHIEVED.value)
            case Plan.OutcomeWithdrawn():
                changes.update(OUTCOMES, event.outcome_id, status=OutcomeStatus.WITHDRAWN.value)
            case Child.ProtectionPlanOpened():
                cls._opened(event, changes)
            case CoreGroup.Formed():
                changes.put(
                    CORE_GROUPS,
                    {"core_group_id": event.originator_id, "plan_id": event.plan_id, "members": 0},
                )
            case CoreGroup.MemberJoined() | CoreGroup.MemberLeft():
                cls._membership(event, changes)
            case CoreGroup.MeetingHeld():
                cls._meeting(event, changes)
            case AgencyTask.Assigned() | AgencyTask.Completed() | AgencyTask.Cancelled():
                cls._task(event, changes)

    @staticmethod
    def _started(event: Plan.Started, changes: Changes) -> None:
        changes.put(
            PLANS,
            {
                "plan_id": event.originator_id,
                "child_id": event.child_id,
                "team": event.team,
                "initial_category": event.category.value,
                "latest_category": event.category.value,
                "started_on": event.icpc_on,
                "ended_on": None,
                "end_reason": None,
                "agreed": False,
                "latest_engagement": None,
                "latest_engagement_on": None,
                "non_engagement_recorded": False,
                "tasks_assigned": 0,
                "tasks_completed": 0,
                "tasks_cancelled": 0,
                "meetings_held": 0,
                "members_attended": 0,
                "members_expected": 0,
                "oversight_plan_needed": False,
                "oversight_plan_agreed": False,
                "oversight_plan_can_end": False,
            },
        )

    @staticmethod
    def _opened(event: Child.ProtectionPlanOpened, changes: Changes) -> None:
        """The child's plans open in order on the child's own stream, so the count so far is
        the number of plans the child had before this one (the census `NumberOfPreviousCPP`)."""
        child = changes.get(CHILDREN, event.originator_id)
        before = child["plans_opened"] if child is not None else 0
        changes.put(CHILDREN, {"child_id": event.originator_id, "plans_opened": before + 1})
        changes.put(
            OPENINGS,
            {"plan_id": event.plan_id, "child_id": event.originator_id, "previous_plans": before},
        )

    @staticmethod
    def _engagement(event: Plan.ParentalEngagementRecorded, changes: Changes) -> None:
        """The latest judgement by the day it was made (one recorded late for an earlier day
        does not replace it), and whether parents were ever judged not to engage."""
        plan = changes.get(PLANS, event.originator_id)
        if plan is None:
            return
        latest_on = plan["latest_engagement_on"]
        if latest_on is None or event.recorded_on >= latest_on:
            plan["latest_engagement"] = event.engagement.value
            plan["latest_engagement_on"] = event.recorded_on
        if event.engagement is ParentalEngagement.NOT_ENGAGED:
            plan["non_engagement_recorded"] = True
        changes.put(PLANS, plan)

    @staticmethod
    def _outcome(event: Any, changes: Changes) -> None:
        if isinstance(event, Plan.OutcomeAgreed):
            changes.put(
                OUTCOMES,
                {
                    "outcome_id": event.outcome_id,
                    "plan_id": event.originator_id,
                    "baseline": event.baseline,
                    "latest_score": None,
                    "latest_rated_on": None,
                    "status": OutcomeStatus.AGREED.value,
                },
            )
            return
        outcome = changes.get(OUTCOMES, event.outcome_id)
        if outcome is None:
            return
        latest = outcome["latest_rated_on"]
        if latest is None or event.rated_on >= latest:
            changes.update(
                OUTCOMES, event.outcome_id, latest_score=event.score, latest_rated_on=event.rated_on
            )

    @staticmethod
    def _membership(event: Any, changes: Changes) -> None:
        """Every agency that ever sat in the core group was involved in the plan, so one that
        left stays counted; the number of members now is who each meeting expects."""
        group = changes.get(CORE_GROUPS, event.originator_id)
        if group is None:
            return
        if isinstance(event, CoreGroup.MemberJoined):
            changes.put(AGENCIES, {"plan_id": group["plan_id"], "agency": event.agency})
            group["members"] += 1
        else:
            group["members"] = max(0, group["members"] - 1)
        changes.put(CORE_GROUPS, group)

    @staticmethod
    def _meeting(event: CoreGroup.MeetingHeld, changes: Changes) -> None:
        """Every member of the core group is expected at every meeting; a member the record
        does not mention counts as not there."""
        group = changes.get(CORE_GROUPS, event.originator_id)
        plan = changes.get(PLANS, group["plan_id"]) if group is not None else None
        if group is None or plan is None:
            return
        attended = sum(1 for a in event.attendance if a.status is AttendanceStatus.ATTENDED)
        plan["meetings_held"] += 1
        plan["members_attended"] += attended
        plan["members_expected"] += max(group["members"], len(event.attendance))
        changes.put(PLANS, plan)

    @staticmethod
    def _task(event: Any, changes: Changes) -> None:
        if isinstance(event, AgencyTask.Assigned):
            changes.put(TASKS, {"task_id": event.originator_id, "plan_id": event.plan_id})
            plan_id, column = event.plan_id, "tasks_assigned"
        else:
            task = changes.get(TASKS, event.originator_id)
            if task is None:
                return
            plan_id = task["plan_id"]
            completed = isinstance(event, AgencyTask.Completed)
            column = "tasks_completed" if completed else "tasks_cancelled"
        plan = changes.get(PLANS, plan_id)
        if plan is not None:
            changes.update(PLANS, plan_id, **{column: plan[column] + 1})


# --- one plan, de-identified ---------------------------------------------------------------------

CohortStatus = Literal["ended", "active"]
Breakdown = Literal[
    "category",
    "team",
    "agency",
    "engagement",
    "non_engagement",
    "task_completion",
    "attendance",
    "oversight",
]
STATUSES: tuple[CohortStatus, ...] = get_args(CohortStatus)
BREAKDOWNS: tuple[Breakdown, ...] = get_args(Breakdown)


@dataclass(frozen=True)
class CohortOutcome:
    baseline: int
    latest_score: int | None
    achieved: bool

    @property
    def improved(self) -> bool:
        """Improved by 3 points or more; an outcome never rated has not moved."""
        latest = self.baseline if self.latest_score is None else self.latest_score
        return latest - self.baseline >= IMPROVED_BY


@dataclass(frozen=True)
class CohortPlan:
    """One plan with nothing that identifies the child: `child_id` is only the id of the
    child's stream, used to count children and to find the child's next plan."""

    plan_id: UUID
    child_id: UUID
    team: str
    initial_category: str
    latest_category: str
    started_on: date
    ended_on: date | None
    end_reason: str | None
    previous_plans: int
    agencies: tuple[str, ...]
    agreed: bool
    latest_engagement: str | None
    non_engagement_recorded: bool
    tasks_assigned: int
    tasks_completed: int
    tasks_cancelled: int
    meetings_held: int
    members_attended: int
    members_expected: int
    oversight: frozenset[KeyDecisionPoint]
    outcomes: tuple[CohortOutcome, ...]
    next_plan_on: date | None = None

    @property
    def is_repeat(self) -> bool:
        return self.previous_plans > 0

    @property
    def task_completion_rate(self) -> float | None:
        """Done out of what was still owed (a cancelled task was never owed); None with none."""
        owed = self.tasks_assigned - self.tasks_cancelled
        return self.tasks_completed / owed if owed > 0 else None

    @property
    def attendance_rate(self) -> float | None:
        return self.members_attended / self.members_expected if self.members_expected else None

    @property
    def key_decisions_reached(self) -> frozenset[KeyDecisionPoint]:
        """A plan is needed (always); the plan is agreed (once it was); the plan can end (once
        it did). An ended plan that was agreed has reached all three."""
        reached = {KeyDecisionPoint.PLAN_NEEDED}
        if self.agreed:
            reached.add(KeyDecisionPoint.PLAN_AGREED)
        if self.ended_on is not None:
            reached.add(KeyDecisionPoint.PLAN_CAN_END)
        return frozenset(reached)

    @property
    def oversight_at_every_key_decision(self) -> bool:
        return self.key_decisions_reached <= self.oversight

    @property
    def repeat_within_two_years(self) -> bool:
        """The child started another plan within two years of this one ending."""
        return (
            self.ended_on is not None
            and self.next_plan_on is not None
            and self.next_plan_on - self.ended_on <= REPEAT_WINDOW
        )


# --- breakdowns ----------------------------------------------------------------------------------


def _band(rate: float | None, nothing: str) -> str:
    if rate is None:
        return nothing
    if rate < 0.5:
        return "under_50"
    return "50_to_79" if rate < 0.8 else "80_plus"


_BANDS = (("under_50", "Less than 50%"), ("50_to_79", "50% to 79%"), ("80_plus", "80% or more"))


@dataclass(frozen=True)
class BreakdownSpec:
    """How plans fall into groups. `overlapping`: a plan can fall into several groups (agency),
    so the groups do not add up to the total."""

    key: Breakdown
    label: str
    groups_of: Callable[[CohortPlan], tuple[str, ...]]
    order: tuple[tuple[str, str], ...] = ()
    """(key, label) of every group in display order; empty: groups are named by their key and
    shown in alphabetical order."""
    overlapping: bool = False

    def label_of(self, key: str) -> str:
        return dict(self.order).get(key, key)

    def sort_key(self, key: str) -> tuple[int, str]:
        keys = [k for k, _ in self.order]
        return (keys.index(key), key) if key in keys else (len(keys), key.casefold())


NO_AGENCY = "none"

BREAKDOWN_SPECS: dict[Breakdown, BreakdownSpec] = {
    spec.key: spec
    for spec in (
        BreakdownSpec(
            "category",
            "Initial category of abuse",
            lambda p: (p.initial_category,),
            (
                (CategoryOfAbuse.NEGLECT.value, "Neglect"),
                (CategoryOfAbuse.PHYSICAL.value, "Physical abuse"),
                (CategoryOfAbuse.SEXUAL.value, "Sexual abuse"),
                (CategoryOfAbuse.EMOTIONAL.value, "Emotional abuse"),
                (CategoryOfAbuse.MULTIPLE.value, "Multiple categories"),
            ),
        ),
        BreakdownSpec("team", "Team", lambda p: (p.team,)),
        BreakdownSpec(
            "agency",
            "Agency in the core group",
            lambda p: p.agencies or (NO_AGENCY,),
            ((NO_AGENCY, "No partner agency in the core group"),),
            overlapping=True,
        ),
        BreakdownSpec(
            "engagement",
            "Parental engagement (latest recorded)",
            lambda p: (p.latest_engagement or "not_recorded",),
            (
                (ParentalEngagement.ENGAGED.value, "Engaged"),
                (ParentalEngagement.PARTIALLY_ENGAGED.value, "Partially engaged"),
                (ParentalEngagement.NOT_ENGAGED.value, "Not engaged"),
                ("not_recorded", "Not recorded"),
            ),
        ),
        BreakdownSpec(
            "non_engagement",
            "Parental non-engagement ever recorded",
            lambda p: ("yes" if p.non_engagement_recorded else "no",),
            (("yes", "Yes"), ("no", "No")),
        ),
        BreakdownSpec(
            "task_completion",
            "Agency task completion",
            lambda p: (_band(p.task_completion_rate, "none"),),
            (*_BANDS, ("none", "No tasks")),
        ),
        BreakdownSpec(
            "attendance",
            "Core group attendance",
            lambda p: (_band(p.attendance_rate, "none"),),
            (*_BANDS, ("none", "No meetings held")),
        ),
        BreakdownSpec(
            "oversight",
            "Management oversight recorded at every key decision",
            lambda p: ("yes" if p.oversight_at_every_key_decision else "no",),
            (("yes", "Yes"), ("no", "No")),
        ),
    )
}


# --- measures ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    key: str
    label: str
    unit: Literal["share", "days"]


def measures_for(status: CohortStatus) -> tuple[Measure, ...]:
    """What is measured: the repeat indicator only means something for plans that ended."""
    if status == "ended":
        return (
            Measure("outcomes_improved", "Outcomes improved by 3 points or more", "share"),
            Measure("outcomes_achieved", "Outcomes achieved by the end of the plan", "share"),
            Measure("median_days", "Median time to end (days)", "days"),
            Measure(
                "repeat_within_two_years",
                "Child started another plan within 2 years of the end",
                "share",
            ),
            Measure("repeat_plans", "Repeat plans (the child had a plan before)", "share"),
        )
    return (
        Measure("outcomes_improved", "Outcomes improved by 3 points or more so far", "share"),
        Measure("outcomes_achieved", "Outcomes achieved so far", "share"),
        Measure("median_days", "Median time open so far (days)", "days"),
        Measure("repeat_plans", "Repeat plans (the child had a plan before)", "share"),
    )


@dataclass(frozen=True)
class CohortCell:
    """The figures of one group of plans (or of them all). A suppressed cell carries no number
    at all; `counts_suppressed` alone (the total only) withholds its counts but keeps its
    figures."""

    key: str
    label: str
    children: int | None
    plans: int | None
    outcomes: int | None
    figures: Mapping[str, float | None] = field(default_factory=dict)
    suppressed: bool = False
    counts_suppressed: bool = False

    def figure(self, measure: str) -> float | None:
        return self.figures.get(measure)


@dataclass(frozen=True)
class CohortFigures:
    period_start: date
    period_end: date
    status: CohortStatus
    breakdown: Breakdown
    as_at: date
    measures: tuple[Measure, ...]
    cells: tuple[CohortCell, ...]
    total: CohortCell

    @property
    def breakdown_label(self) -> str:
        return BREAKDOWN_SPECS[self.breakdown].label


# --- suppression ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suppression:
    cells: frozenset[str]
    total: bool


def suppress(children: Mapping[str, int], total: int, *, overlapping: bool = False) -> Suppression:
    """Which cells (groups) and whether the total's counts are withheld, so that no published
    figure can be traced to fewer than `MIN_CHILDREN` (5) children, directly or by subtracting
    the shown cells from the total.

    `children` is the number of distinct children in each cell, in display order; `total` the
    number of distinct children in the whole cohort. The rules, in order:

    1. Primary: a cell with fewer than 5 children is suppressed.
    2. Secondary: if exactly one cell is suppressed, the next smallest cell is suppressed too
       (of equal cells, the first shown), so the one cell cannot be recovered as the total
       minus the shown cells.
    3. Where the cells partition the cohort (every breakdown but agency), while some cell is
       suppressed and the total minus the shown cells is fewer than 5 children, the next
       smallest shown cell is suppressed too: the suppressed cells together always cover 5
       children or more, so the total's count can stay published (and consistent with the
       same cohort's other breakdowns).
    4. The total's counts are suppressed when the cohort has 1 to 4 children, or when some cell
       is suppressed and the total minus the shown cells is still fewer than 5 (possible only
       where a plan counts under several cells, as by agency).

    So, for every suppressed cell, total - sum(shown cells) >= 5 or the total's counts are
    suppressed; and no shown cell has fewer than 5 children. A cohort of no children discloses
    nothing and is shown as empty.
    """
    order = list(children)
    hidden = {key for key, n in children.items() if n < MIN_CHILDREN}

    def shown_sum() -> int:
        return sum(n for key, n in children.items() if key not in hidden)

    def hide_next_smallest() -> bool:
        shown = [key for key in order if key not in hidden]
        if not shown:
            return False
        hidden.add(min(shown, key=lambda key: (children[key], order.index(key))))
        return True

    if len(hidden) == 1:
        hide_next_smallest()
    if not overlapping:
        while hidden and total - shown_sum() < MIN_CHILDREN and hide_next_smallest():
            pass
    total_hidden = 0 < total < MIN_CHILDREN or (bool(hidden) and total - shown_sum() < MIN_CHILDREN)
    return Suppression(frozenset(hidden), total_hidden)


# --- queries -------------------------------------------------------------------------------------


def cohort_plans(
    view: View, *, period_start: date, period_end: date, status: CohortStatus, today: date
) -> list[CohortPlan]:
    """The plans that ended in the period (both days included), or, for `active`, the plans
    open at the end of the period (or today, if the period has not ended yet)."""
    if period_start > period_end:
        raise ValueError("The period starts after it ends.")
    if status == "ended":
        where = "p.ended_on >= %(start)s AND p.ended_on <= %(end)s"
        params: dict[str, Any] = {"start": period_start, "end": period_end}
    else:
        where = "p.started_on <= %(as_at)s AND (p.ended_on IS NULL OR p.ended_on > %(as_at)s)"
        params = {"as_at": min(period_end, today)}
    plans = view.query(
        "SELECT p.*, o.previous_plans FROM {plans} p "
        f"LEFT JOIN {{openings}} o ON o.plan_id = p.plan_id WHERE {where}",
        params,
        {**{c.name: c.type for c in PLANS.columns}, "previous_plans": "int"},
    )
    in_cohort = f"JOIN {{plans}} p ON p.plan_id = x.plan_id WHERE {where}"
    outcomes = view.select(OUTCOMES, f"SELECT x.* FROM {{outcomes}} x {in_cohort}", params)
    agencies = view.select(AGENCIES, f"SELECT x.* FROM {{agencies}} x {in_cohort}", params)
    starts = view.select(
        PLANS,
        "SELECT q.child_id, q.started_on FROM {plans} q WHERE q.child_id IN "
        f"(SELECT p.child_id FROM {{plans}} p WHERE {where})",
        params,
    )
    return _assemble(plans, outcomes, agencies, starts)


def _assemble(
    plans: Iterable[Row], outcomes: Iterable[Row], agencies: Iterable[Row], starts: Iterable[Row]
) -> list[CohortPlan]:
    outcomes_of: dict[UUID, list[CohortOutcome]] = {}
    for row in outcomes:
        if row["status"] == OutcomeStatus.WITHDRAWN.value:
            continue
        outcomes_of.setdefault(row["plan_id"], []).append(
            CohortOutcome(
                baseline=row["baseline"],
                latest_score=row["latest_score"],
                achieved=row["status"] == OutcomeStatus.ACHIEVED.value,
            )
        )
    agencies_of: dict[UUID, list[str]] = {}
    for row in agencies:
        agencies_of.setdefault(row["plan_id"], []).append(row["agency"])
    starts_of: dict[UUID, list[date]] = {}
    for row in starts:
        starts_of.setdefault(row["child_id"], []).append(row["started_on"])
    found = []
    for row in plans:
        ended_on = row["ended_on"]
        later = [d for d in starts_of.get(row["child_id"], ()) if ended_on and d > ended_on]
        found.append(
            CohortPlan(
                plan_id=row["plan_id"],
                child_id=row["child_id"],
                team=row["team"],
                initial_category=row["initial_category"],
                latest_category=row["latest_category"],
                started_on=row["started_on"],
                ended_on=ended_on,
                end_reason=row["end_reason"],
                previous_plans=row["previous_plans"] or 0,
                agencies=tuple(sorted(agencies_of.get(row["plan_id"], ()))),
                agreed=row["agreed"],
                latest_engagement=row["latest_engagement"],
                non_engagement_recorded=row["non_engagement_recorded"],
                tasks_assigned=row["tasks_assigned"],
                tasks_completed=row["tasks_completed"],
                tasks_cancelled=row["tasks_cancelled"],
                meetings_held=row["meetings_held"],
                members_attended=row["members_attended"],
                members_expected=row["members_expected"],
                oversight=frozenset(
                    point for point, column in _OVERSIGHT_COLUMNS.items() if row[column]
                ),
                outcomes=tuple(outcomes_of.get(row["plan_id"], ())),
                next_plan_on=min(later) if later else None,
            )
        )
    return found


def cohort_figures(
    view: View,
    *,
    period_start: date,
    period_end: date,
    status: CohortStatus,
    breakdown: Breakdown,
    today: date,
) -> CohortFigures:
    """Outcome figures for the plans that ended in the period (or were active at its end),
    overall and by `breakdown`, with small numbers suppressed (see `suppress`).

    Per group of plans: the share of outcomes (withdrawn ones left out) whose latest rating is
    3 points or more above the baseline (an outcome never rated has not moved); the share
    recorded as achieved; the median days from start to end (active plans: to the end of the
    period, or today); for ended plans, the share whose child started another plan within 730
    days of the end (endings less than two years ago can still add to it); and the share of
    repeat plans. Ratings are the latest recorded, whatever the period.
    """
    plans = cohort_plans(
        view, period_start=period_start, period_end=period_end, status=status, today=today
    )
    return figures_for(
        plans,
        period_start=period_start,
        period_end=period_end,
        status=status,
        breakdown=breakdown,
        today=today,
    )


def figures_for(
    plans: Sequence[CohortPlan],
    *,
    period_start: date,
    period_end: date,
    status: CohortStatus,
    breakdown: Breakdown,
    today: date,
) -> CohortFigures:
    """The figures of a cohort already drawn (`cohort_plans`)."""
    spec = BREAKDOWN_SPECS[breakdown]
    as_at = min(period_end, today)
    measures = measures_for(status)
    groups: dict[str, list[CohortPlan]] = {}
    for plan in plans:
        for key in spec.groups_of(plan):
            groups.setdefault(key, []).append(plan)
    ordered = sorted(groups, key=spec.sort_key)
    children = {key: len({p.child_id for p in groups[key]}) for key in ordered}
    total_children = len({p.child_id for p in plans})
    hidden = suppress(children, total_children, overlapping=spec.overlapping)
    cells = tuple(
        _cell(key, spec.label_of(key), groups[key], measures, as_at, key in hidden.cells)
        for key in ordered
    )
    too_few = 0 < total_children < MIN_CHILDREN
    total = _cell("all", "All plans", list(plans), measures, as_at, too_few)
    if hidden.total and not total.suppressed:
        total = CohortCell(
            total.key, total.label, None, None, None, total.figures, counts_suppressed=True
        )
    return CohortFigures(
        period_start=period_start,
        period_end=period_end,
        status=status,
        breakdown=breakdown,
        as_at=as_at,
        measures=measures,
        cells=cells,
        total=total,
    )


def _cell(
    key: str,
    label: str,
    plans: Sequence[CohortPlan],
    measures: Sequence[Measure],
    as_at: date,
    suppressed: bool,
) -> CohortCell:
    if suppressed:
        return CohortCell(
            key, label, None, None, None, dict.fromkeys(m.key for m in measures), True, True
        )
    outcomes = [o for p in plans for o in p.outcomes]
    ended = [p for p in plans if p.ended_on is not None]
    days = [(_end_or(p, as_at) - p.started_on).days for p in plans]
    every: dict[str, float | None] = {
        "outcomes_improved": _share(sum(o.improved for o in outcomes), len(outcomes)),
        "outcomes_achieved": _share(sum(o.achieved for o in outcomes), len(outcomes)),
        "median_days": float(median(days)) if days else None,
        "repeat_within_two_years": _share(
            sum(p.repeat_within_two_years for p in ended), len(ended)
        ),
        "repeat_plans": _share(sum(p.is_repeat for p in plans), len(plans)),
    }
    return CohortCell(
        key=key,
        label=label,
        children=len({p.child_id for p in plans}),
        plans=len(plans),
        outcomes=len(outcomes),
        figures={m.key: every[m.key] for m in measures},
    )


def _end_or(plan: CohortPlan, as_at: date) -> date:
    """When the plan ended, or, for one still open at `as_at`, that day."""
    if plan.ended_on is not None and plan.ended_on <= as_at:
        return plan.ended_on
    return as_at


def _share(count: int, out_of: int) -> float | None:
    return count / out_of if out_of else None
