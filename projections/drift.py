"""Drift: which plans are slipping, and in what way, for the team manager who oversees them.

Plans drift quietly: a core group that stops meeting, a review that slips past its date, tasks
left undone past their due dates, outcomes whose ratings go nowhere, parents who stop working with
the plan. None of these is recorded as an event; each is worked out here from the dates and
ratings the record holds and the caller's `today`, so a flag appears the day after a clock runs
out without anyone typing it in, and disappears when the work is done.

The statutory clocks follow Working Together: the initial conference within 15 working days of
the strategy discussion, the core group first within 10 working days of the conference and then
at the local interval, the first review within 3 months and later ones at most 6 months apart
(or on the date a chair's letter of concern postponed it to).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from uuid import UUID

from domain.agency_task import AgencyTask
from domain.calendar import add_months, working_days_between
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan as Plan
from domain.plan import OutcomeStatus, ReviewDecision
from domain.timescales import ICPC_WORKING_DAYS, first_core_group_due, first_review_due, icpc_due
from domain.values import ParentalEngagement
from projections.base import Changes, ReadModel, Row, Table, View, columns, topics_of

STALLED_MONTHS = 3
"""An outcome with no improvement over this long (or no rating at all) is stalled."""

STALLED_RATINGS = 3
"""...or whose last this-many ratings show no improvement."""

PLANS = Table(
    "plans",
    columns(
        "plan_id:uuid team lead_worker_id:uuid lead_worker_name icpc_on:date "
        "strategy_discussion_on:date icpc_due_on:date next_review_due:date last_review_on:date "
        "reviews:int core_group_id:uuid core_group_formed_on:date meeting_interval_weeks:int "
        "first_core_group_due:date first_core_group_on:date last_core_group_on:date "
        "core_group_closed_on:date latest_engagement latest_engagement_on:date "
        "not_engaged_count:int letters_of_concern:int ended_on:date"
    ),
    key=("plan_id",),
    # The register lists plans newest first: the last index reads them in that order.
    indexes=(("team",), ("lead_worker_id",), ("icpc_on", "plan_id")),
)
CORE_GROUPS = Table(
    "core_groups",
    columns("core_group_id:uuid plan_id:uuid"),
    key=("core_group_id",),
)
MEETINGS = Table(
    "meetings",
    columns("core_group_id:uuid meeting_id:uuid plan_id:uuid status scheduled_for:date"),
    key=("core_group_id", "meeting_id"),
    indexes=(("plan_id",),),
)
OUTCOMES = Table(
    "outcomes",
    columns("outcome_id:uuid plan_id:uuid status agreed_on:date ratings:json"),
    key=("outcome_id",),
    indexes=(("plan_id",),),
)
TASKS = Table(
    "tasks",
    columns("task_id:uuid plan_id:uuid agency due_on:date status"),
    key=("task_id",),
    indexes=(("plan_id",),),
)
MEMBERS = Table(
    "members",
    columns("plan_id:uuid member_id:uuid"),
    key=("plan_id", "member_id"),
    indexes=(("member_id",),),
)

TASK_OPEN = "open"
TASK_COMPLETED = "completed"
TASK_CANCELLED = "cancelled"
MEETING_SCHEDULED = "scheduled"
MEETING_HELD = "held"
MEETING_CANCELLED = "cancelled"

CORE_GROUP_OVERDUE = "core group meeting overdue"
REVIEW_OVERDUE = "review conference overdue"
TASKS_OVERDUE = "agency tasks overdue"
OUTCOMES_STALLED = "outcomes stalled"
PARENTS_NOT_ENGAGING = "parents not engaging"


@dataclass(frozen=True)
class PlanDrift:
    """Where one plan stands against its clocks today, and what is slipping.

    The clocks stop when a plan ends: an ended plan is never overdue and has no stalled outcomes.
    `first_core_group_timely` is None while the first meeting is neither held nor yet due.
    """

    plan_id: UUID
    team: str
    lead_worker_id: UUID
    lead_worker_name: str
    icpc_on: date
    ended_on: date | None
    icpc_timeliness: str
    icpc_working_days: int | None
    first_core_group_due: date
    first_core_group_on: date | None
    first_core_group_timely: bool | None
    last_core_group_on: date | None
    next_core_group_due: date | None
    next_scheduled_meeting_on: date | None
    core_group_overdue: bool
    last_review_on: date | None
    reviews: int
    next_review_due: date | None
    review_overdue: bool
    overdue_tasks: int
    overdue_task_agencies: tuple[str, ...]
    stalled_outcomes: tuple[UUID, ...]
    latest_engagement: str | None
    parental_non_engagement: bool
    letters_of_concern: int

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    @property
    def flags(self) -> tuple[str, ...]:
        """What is drifting now. Timeliness of the initial conference and of the first core
        group is history, shown but not flagged: nothing can be done about it today."""
        raised = (
            (CORE_GROUP_OVERDUE, self.core_group_overdue),
            (REVIEW_OVERDUE, self.review_overdue),
            (TASKS_OVERDUE, self.overdue_tasks > 0),
            (OUTCOMES_STALLED, bool(self.stalled_outcomes)),
            (PARENTS_NOT_ENGAGING, self.parental_non_engagement),
        )
        return tuple(flag for flag, on in raised if on)


@dataclass(frozen=True)
class Caseload:
    """One lead social worker's open plans in one team, and how many of them drift."""

    lead_worker_id: UUID
    lead_worker_name: str
    team: str
    open_plans: int
    drifting_plans: int


class DriftModel(ReadModel):
    name = "drift"
    relative_cost = 5.0
    tables = (PLANS, CORE_GROUPS, MEETINGS, OUTCOMES, TASKS, MEMBERS)
    topics = topics_of(
        Plan.Started,
        Plan.LeadSocialWorkerAllocated,
        Plan.ReviewConferenceHeld,
        Plan.LetterOfConcernSent,
        Plan.ParentalEngagementRecorded,
        Plan.OutcomeAgreed,
        Plan.OutcomeAchieved,
        Plan.OutcomeWithdrawn,
        Plan.OutcomeProgressRated,
        Plan.Ended,
        CoreGroup.Formed,
        CoreGroup.MeetingScheduled,
        CoreGroup.MeetingHeld,
        CoreGroup.MeetingCancelled,
        CoreGroup.Closed,
        CoreGroup.MemberJoined,
        CoreGroup.MemberLeft,
        AgencyTask.Assigned,
        AgencyTask.Completed,
        AgencyTask.Cancelled,
        AgencyTask.DueDateChanged,
        AgencyTask.Reassigned,
    )

    @classmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        match event:
            case Plan.Started():
                cls._started(event, changes)
            case Plan.LeadSocialWorkerAllocated():
                changes.update(
                    PLANS,
                    event.originator_id,
                    team=event.team,
                    lead_worker_id=event.social_worker_id,
                    lead_worker_name=event.social_worker_name,
                )
            case Plan.ReviewConferenceHeld():
                cls._reviewed(event, changes)
            case Plan.LetterOfConcernSent():
                cls._letter_sent(event, changes)
            case Plan.ParentalEngagementRecorded():
                cls._engagement(event, changes)
            case Plan.OutcomeAgreed():
                cls._outcome_agreed(event, changes)
            case Plan.OutcomeAchieved():
                changes.update(OUTCOMES, event.outcome_id, status=OutcomeStatus.ACHIEVED.value)
            case Plan.OutcomeWithdrawn():
                changes.update(OUTCOMES, event.outcome_id, status=OutcomeStatus.WITHDRAWN.value)
            case Plan.OutcomeProgressRated():
                cls._rated(event, changes)
            case Plan.Ended():
                changes.update(PLANS, event.originator_id, ended_on=event.ended_on)
            case CoreGroup.Formed():
                cls._formed(event, changes)
            case CoreGroup.MeetingScheduled():
                cls._meeting(event, changes, MEETING_SCHEDULED, event.meeting_on)
            case CoreGroup.MeetingHeld():
                plan_id = cls._meeting(event, changes, MEETING_HELD)
                cls._met(changes, plan_id, event.held_on)
            case CoreGroup.MeetingCancelled():
                cls._meeting(event, changes, MEETING_CANCELLED)
            case CoreGroup.Closed():
                group = changes.get(CORE_GROUPS, event.originator_id)
                if group is not None:
                    changes.update(PLANS, group["plan_id"], core_group_closed_on=event.closed_on)
            case CoreGroup.MemberJoined() | CoreGroup.MemberLeft():
                cls._membership(event, changes)
            case AgencyTask.Assigned():
                cls._task_assigned(event, changes)
            case AgencyTask.Completed():
                changes.update(TASKS, event.originator_id, status=TASK_COMPLETED)
            case AgencyTask.Cancelled():
                changes.update(TASKS, event.originator_id, status=TASK_CANCELLED)
            case AgencyTask.DueDateChanged():
                changes.update(TASKS, event.originator_id, due_on=event.due_on)
            case AgencyTask.Reassigned():
                changes.update(TASKS, event.originator_id, agency=event.agency)

    @staticmethod
    def _membership(event: Any, changes: Changes) -> None:
        """Who sits in each plan's core group, so a partner's list of plans can be found
        without scanning every plan (access itself is decided from the live core group)."""
        group = changes.get(CORE_GROUPS, event.originator_id)
        if group is None:
            return
        if isinstance(event, CoreGroup.MemberJoined):
            changes.put(MEMBERS, {"plan_id": group["plan_id"], "member_id": event.member_id})
        else:
            changes.delete(MEMBERS, group["plan_id"], event.member_id)

    # --- the plan -------------------------------------------------------------------------------

    @staticmethod
    def _started(event: Plan.Started, changes: Changes) -> None:
        strategy = event.strategy_discussion_on
        changes.put(
            PLANS,
            {
                "plan_id": event.originator_id,
                "team": event.team,
                "lead_worker_id": event.lead_social_worker_id,
                "lead_worker_name": event.lead_social_worker_name,
                "icpc_on": event.icpc_on,
                "strategy_discussion_on": strategy,
                "icpc_due_on": icpc_due(strategy) if strategy is not None else None,
                "next_review_due": first_review_due(event.icpc_on),
                "last_review_on": None,
                "reviews": 0,
                "core_group_id": None,
                "core_group_formed_on": None,
                "meeting_interval_weeks": None,
                "first_core_group_due": first_core_group_due(event.icpc_on),
                "first_core_group_on": None,
                "last_core_group_on": None,
                "core_group_closed_on": None,
                "latest_engagement": None,
                "latest_engagement_on": None,
                "not_engaged_count": 0,
                "letters_of_concern": 0,
                "ended_on": None,
            },
        )

    @staticmethod
    def _outcome_agreed(event: Plan.OutcomeAgreed, changes: Changes) -> None:
        changes.put(
            OUTCOMES,
            {
                "outcome_id": event.outcome_id,
                "plan_id": event.originator_id,
                "status": OutcomeStatus.AGREED.value,
                # The event carries no practice date: the day it was recorded stands in.
                "agreed_on": event.timestamp.date(),
                "ratings": [],
            },
        )

    @staticmethod
    def _reviewed(event: Plan.ReviewConferenceHeld, changes: Changes) -> None:
        """A continuing review sets the next one at most 6 months on (the event carries the date
        the plan worked out); a review that ended the plan leaves none due."""
        plan = changes.get(PLANS, event.originator_id)
        if plan is None:
            return
        plan["reviews"] += 1
        plan["last_review_on"] = event.held_on
        if event.decision is ReviewDecision.END:
            plan["next_review_due"] = None
        elif event.next_review_due is not None:
            plan["next_review_due"] = event.next_review_due
        changes.put(PLANS, plan)

    @staticmethod
    def _letter_sent(event: Plan.LetterOfConcernSent, changes: Changes) -> None:
        plan = changes.get(PLANS, event.originator_id)
        if plan is None:
            return
        plan["letters_of_concern"] += 1
        if event.review_postponed_to is not None:
            plan["next_review_due"] = event.review_postponed_to
        changes.put(PLANS, plan)

    @staticmethod
    def _engagement(event: Plan.ParentalEngagementRecorded, changes: Changes) -> None:
        """Every engagement judgement counts, core group meetings included: the application
        records the meeting's judgement on the plan in the same save as the meeting, so the
        meeting's own copy is not counted again. A judgement recorded late for an earlier day
        does not replace the latest one."""
        plan = changes.get(PLANS, event.originator_id)
        if plan is None:
            return
        latest_on = plan["latest_engagement_on"]
        if latest_on is None or event.recorded_on >= latest_on:
            plan["latest_engagement"] = event.engagement.value
            plan["latest_engagement_on"] = event.recorded_on
        if event.engagement is ParentalEngagement.NOT_ENGAGED:
            plan["not_engaged_count"] += 1
        changes.put(PLANS, plan)

    @staticmethod
    def _rated(event: Plan.OutcomeProgressRated, changes: Changes) -> None:
        """Ratings kept in date order (a rating recorded late slots into its place), oldest
        first, as `[rated_on, score]` pairs."""
        outcome = changes.get(OUTCOMES, event.outcome_id)
        if outcome is None:
            return
        rated_on = event.rated_on.isoformat()
        ratings = list(outcome["ratings"])
        # After the last rating with the same or an earlier date: ratings mostly arrive in order.
        ratings.insert(bisect_right(ratings, rated_on, key=_rated_on), [rated_on, event.score])
        outcome["ratings"] = ratings
        changes.put(OUTCOMES, outcome)

    # --- the core group -------------------------------------------------------------------------

    @staticmethod
    def _formed(event: CoreGroup.Formed, changes: Changes) -> None:
        changes.put(CORE_GROUPS, {"core_group_id": event.originator_id, "plan_id": event.plan_id})
        changes.update(
            PLANS,
            event.plan_id,
            core_group_id=event.originator_id,
            core_group_formed_on=event.formed_on,
            meeting_interval_weeks=event.meeting_interval_weeks,
        )

    @staticmethod
    def _meeting(
        event: Any, changes: Changes, status: str, scheduled_for: date | None = None
    ) -> UUID | None:
        """A meeting as it stands (scheduled, held or cancelled), under its plan; returns the
        plan's id, or None for a core group the view has not seen formed."""
        group = changes.get(CORE_GROUPS, event.originator_id)
        if group is None:
            return None
        meeting = changes.get(MEETINGS, event.originator_id, event.meeting_id)
        if meeting is not None and scheduled_for is None:
            scheduled_for = meeting["scheduled_for"]
        changes.put(
            MEETINGS,
            {
                "core_group_id": event.originator_id,
                "meeting_id": event.meeting_id,
                "plan_id": group["plan_id"],
                "status": status,
                "scheduled_for": scheduled_for,
            },
        )
        plan_id: UUID = group["plan_id"]
        return plan_id

    @staticmethod
    def _met(changes: Changes, plan_id: UUID | None, held_on: date) -> None:
        """Meetings can be recorded late and out of order: the first and last are by date."""
        plan = changes.get(PLANS, plan_id) if plan_id is not None else None
        if plan is None:
            return
        first, last = plan["first_core_group_on"], plan["last_core_group_on"]
        plan["first_core_group_on"] = held_on if first is None else min(first, held_on)
        plan["last_core_group_on"] = held_on if last is None else max(last, held_on)
        changes.put(PLANS, plan)

    # --- agency tasks ---------------------------------------------------------------------------

    @staticmethod
    def _task_assigned(event: AgencyTask.Assigned, changes: Changes) -> None:
        changes.put(
            TASKS,
            {
                "task_id": event.originator_id,
                "plan_id": event.plan_id,
                "agency": event.agency,
                "due_on": event.due_on,
                "status": TASK_OPEN,
            },
        )


# --- judging drift --------------------------------------------------------------------------------


def _rated_on(rating: list[Any]) -> str:
    return str(rating[0])


def is_stalled(agreed_on: date, ratings: Sequence[tuple[date, int]], today: date) -> bool:
    """Whether an agreed outcome is going nowhere, judged on the ratings made up to `today`.

    Stalled when its last three ratings show no improvement (the latest is no higher than the
    first of the three); or when, with a rating at least 3 months old to compare against, the
    latest score is no higher than the best score recorded 3 or more months ago; or when it has
    not been rated at all in the 3 months since it was agreed.
    """
    made = [(on, score) for on, score in ratings if on <= today]
    if not made:
        return today >= add_months(agreed_on, STALLED_MONTHS)
    latest = made[-1][1]
    recent = made[-STALLED_RATINGS:]
    if len(recent) == STALLED_RATINGS and latest <= recent[0][1]:
        return True
    cutoff = add_months(today, -STALLED_MONTHS)
    earlier = [score for on, score in made if on <= cutoff]
    return bool(earlier) and latest <= max(earlier)


def _icpc_timeliness(plan: Row) -> tuple[str, int | None]:
    strategy = plan["strategy_discussion_on"]
    if strategy is None:
        return "unknown", None
    days = working_days_between(strategy, plan["icpc_on"])
    if days <= ICPC_WORKING_DAYS:
        return f"within {ICPC_WORKING_DAYS} working days", days
    late = days - ICPC_WORKING_DAYS
    return f"late by {late} working day{'s' if late != 1 else ''}", days


def _next_core_group_due(plan: Row) -> date | None:
    """Within 10 working days of the conference until the group first meets, then the local
    interval after the latest meeting; nothing once the group has closed or the plan ended."""
    if plan["ended_on"] is not None or plan["core_group_closed_on"] is not None:
        return None
    last: date | None = plan["last_core_group_on"]
    first_due: date = plan["first_core_group_due"]
    if last is None:
        return first_due
    return last + timedelta(weeks=plan["meeting_interval_weeks"] or 6)


def _first_core_group_timely(plan: Row, today: date) -> bool | None:
    first, due = plan["first_core_group_on"], plan["first_core_group_due"]
    if first is not None:
        return bool(first <= due)
    return False if today > due else None


def _drift(
    plan: Row,
    today: date,
    overdue_agencies: Sequence[tuple[str, int]],
    outcomes: Iterable[Row],
    next_scheduled: date | None,
) -> PlanDrift:
    is_open = plan["ended_on"] is None
    icpc_timeliness, icpc_days = _icpc_timeliness(plan)
    next_core_group = _next_core_group_due(plan)
    next_review = plan["next_review_due"] if is_open else None
    stalled = tuple(
        o["outcome_id"]
        for o in outcomes
        if is_open
        and o["status"] == OutcomeStatus.AGREED.value
        and is_stalled(
            o["agreed_on"], [(date.fromisoformat(on), s) for on, s in o["ratings"]], today
        )
    )
    return PlanDrift(
        plan_id=plan["plan_id"],
        team=plan["team"],
        lead_worker_id=plan["lead_worker_id"],
        lead_worker_name=plan["lead_worker_name"],
        icpc_on=plan["icpc_on"],
        ended_on=plan["ended_on"],
        icpc_timeliness=icpc_timeliness,
        icpc_working_days=icpc_days,
        first_core_group_due=plan["first_core_group_due"],
        first_core_group_on=plan["first_core_group_on"],
        first_core_group_timely=_first_core_group_timely(plan, today),
        last_core_group_on=plan["last_core_group_on"],
        next_core_group_due=next_core_group,
        next_scheduled_meeting_on=next_scheduled if is_open else None,
        core_group_overdue=next_core_group is not None and today > next_core_group,
        last_review_on=plan["last_review_on"],
        reviews=plan["reviews"],
        next_review_due=next_review,
        review_overdue=next_review is not None and today > next_review,
        overdue_tasks=sum(count for _, count in overdue_agencies),
        overdue_task_agencies=tuple(agency for agency, _ in overdue_agencies),
        stalled_outcomes=stalled,
        latest_engagement=plan["latest_engagement"],
        parental_non_engagement=(
            plan["latest_engagement"] == ParentalEngagement.NOT_ENGAGED.value
            or plan["not_engaged_count"] >= 2
        ),
        letters_of_concern=plan["letters_of_concern"],
    )


# --- queries ------------------------------------------------------------------------------------


def drift_for_plan(view: View, plan_id: UUID, today: date) -> PlanDrift | None:
    """One plan against its clocks today; None for a plan the view does not know."""
    drifts = _drifts(view, today, " AND p.plan_id = %(plan_id)s", {"plan_id": plan_id})
    return drifts[0] if drifts else None


def drift_of_open_plans(view: View, plan_ids: Collection[UUID], today: date) -> list[PlanDrift]:
    """Drift of those of `plan_ids` that are open, in no particular order: what a person's own
    plans count, without working out the drift of every plan of the authority."""
    if not plan_ids:
        return []
    ids, params = view.any_of("plans", plan_ids)
    return _drifts(view, today, f" AND p.ended_on IS NULL AND p.plan_id {ids}", params)


def drift_list(view: View, today: date, *, team: str | None = None) -> list[PlanDrift]:
    """Open plans with anything drifting (of one team, or all), most drift first: most flags,
    then most overdue tasks, then most stalled outcomes, then the longest-running."""
    drifting = [d for d in _open_drifts(view, today, team) if d.flags]
    return sorted(
        drifting,
        key=lambda d: (
            -len(d.flags),
            -d.overdue_tasks,
            -len(d.stalled_outcomes),
            d.icpc_on,
            str(d.plan_id),
        ),
    )


def caseloads(view: View, today: date, *, team: str | None = None) -> list[Caseload]:
    """Each lead social worker's open plans and how many drift, in name order: where a manager
    looks first when allocating work or planning supervision."""
    where, params = _team_filter(team)
    rows = view.query(
        "SELECT p.lead_worker_id AS lead_worker_id, p.lead_worker_name AS lead_worker_name, "
        "p.team AS team, COUNT(*) AS open_plans FROM {plans} p "
        f"WHERE p.ended_on IS NULL{where} "
        "GROUP BY p.lead_worker_id, p.lead_worker_name, p.team",
        params,
        {"lead_worker_id": "uuid"},
    )
    drifting: dict[tuple[UUID, str, str], int] = {}
    for d in _open_drifts(view, today, team):
        if d.flags:
            key = (d.lead_worker_id, d.lead_worker_name, d.team)
            drifting[key] = drifting.get(key, 0) + 1
    loads = [
        Caseload(
            lead_worker_id=r["lead_worker_id"],
            lead_worker_name=r["lead_worker_name"],
            team=r["team"],
            open_plans=int(r["open_plans"]),
            drifting_plans=drifting.get((r["lead_worker_id"], r["lead_worker_name"], r["team"]), 0),
        )
        for r in rows
    ]
    return sorted(loads, key=lambda c: (c.lead_worker_name, c.team, str(c.lead_worker_id)))


def _team_filter(team: str | None) -> tuple[str, dict[str, Any]]:
    return ("", {}) if team is None else (" AND p.team = %(team)s", {"team": team})


def _open_drifts(view: View, today: date, team: str | None) -> list[PlanDrift]:
    where, params = _team_filter(team)
    return _drifts(view, today, " AND p.ended_on IS NULL" + where, params)


def _drifts(view: View, today: date, where: str, params: dict[str, Any]) -> list[PlanDrift]:
    """Drift for every plan matching `where` (conditions on `p`, the plans table), in four
    queries whatever the number of plans."""
    plans = view.select(PLANS, f"SELECT p.* FROM {{plans}} p WHERE 1 = 1{where}", params)
    if not plans:
        return []
    joined = f"JOIN {{plans}} p ON p.plan_id = x.plan_id WHERE 1 = 1{where}"
    overdue = view.query(
        "SELECT x.plan_id AS plan_id, x.agency AS agency, COUNT(*) AS overdue "
        f"FROM {{tasks}} x {joined} AND x.status = %(open)s AND x.due_on < %(today)s "
        "GROUP BY x.plan_id, x.agency ORDER BY x.agency",
        {**params, "open": TASK_OPEN, "today": today},
        {"plan_id": "uuid"},
    )
    outcomes = view.select(
        OUTCOMES,
        f"SELECT x.* FROM {{outcomes}} x {joined} ORDER BY x.agreed_on, x.outcome_id",
        params,
    )
    scheduled = view.query(
        "SELECT x.plan_id AS plan_id, MIN(x.scheduled_for) AS next_on "
        f"FROM {{meetings}} x {joined} AND x.status = %(scheduled)s GROUP BY x.plan_id",
        {**params, "scheduled": MEETING_SCHEDULED},
        {"plan_id": "uuid", "next_on": "date"},
    )
    overdue_of: dict[UUID, list[tuple[str, int]]] = {}
    for row in overdue:
        overdue_of.setdefault(row["plan_id"], []).append((row["agency"], int(row["overdue"])))
    outcomes_of: dict[UUID, list[Row]] = {}
    for row in outcomes:
        outcomes_of.setdefault(row["plan_id"], []).append(row)
    next_of = {row["plan_id"]: row["next_on"] for row in scheduled}
    return [
        _drift(
            plan,
            today,
            overdue_of.get(plan["plan_id"], []),
            outcomes_of.get(plan["plan_id"], []),
            next_of.get(plan["plan_id"]),
        )
        for plan in plans
    ]


@dataclass(frozen=True)
class PlanListing:
    """A line of the plan register."""

    plan_id: UUID
    team: str
    lead_worker_id: UUID
    lead_worker_name: str
    icpc_on: date
    next_review_due: date | None
    ended_on: date | None


def plan_register(
    view: View,
    *,
    team: str | None = None,
    lead_worker_id: UUID | None = None,
    member_id: UUID | None = None,
    open_only: bool | None = None,
    after: tuple[date, UUID] | None = None,
    limit: int = 50,
) -> list[PlanListing]:
    """Plans newest first, filtered, a page at a time (`after` is the last line's
    `(icpc_on, plan_id)`). Candidates only: the caller decides access from the live streams."""
    where, params = ["1 = 1"], {"limit": limit}
    if team is not None:
        where.append("p.team = %(team)s")
        params["team"] = team  # type: ignore[assignment]
    if lead_worker_id is not None:
        where.append("p.lead_worker_id = %(lead)s")
        params["lead"] = str(lead_worker_id)  # type: ignore[assignment]
    if member_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM {members} m WHERE m.plan_id = p.plan_id "
            "AND m.member_id = %(member)s)"
        )
        params["member"] = str(member_id)  # type: ignore[assignment]
    if open_only is True:
        where.append("p.ended_on IS NULL")
    elif open_only is False:
        where.append("p.ended_on IS NOT NULL")
    if after is not None:
        where.append(
            "(p.icpc_on < %(after_on)s OR (p.icpc_on = %(after_on)s AND p.plan_id < %(after_id)s))"
        )
        params["after_on"] = after[0].isoformat()  # type: ignore[assignment]
        params["after_id"] = str(after[1])  # type: ignore[assignment]
    rows = view.select(
        PLANS,
        "SELECT p.* FROM {plans} p WHERE "
        + " AND ".join(where)
        + " ORDER BY p.icpc_on DESC, p.plan_id DESC LIMIT %(limit)s",
        params,
    )
    return [
        PlanListing(
            plan_id=r["plan_id"],
            team=r["team"],
            lead_worker_id=r["lead_worker_id"],
            lead_worker_name=r["lead_worker_name"],
            icpc_on=r["icpc_on"],
            next_review_due=r["next_review_due"],
            ended_on=r["ended_on"],
        )
        for r in rows
    ]
