"""Partner task completion: did the agencies do what the plan asked of them, and on time?

The inspectorate found that plans worked where partner agencies conscientiously carried out the
tasks the plan assigned to them, and that social workers lost time chasing whether they had.
This view answers the chasing question for team managers and conference chairs: per agency, per
plan and per named person, how many tasks were set, done, done on time, stuck or dropped, and
which are overdue today. "Overdue" is worked out at query time from the stored due date and the
caller's `today`, so it can never go stale.

A task counts towards the agency (and person) that holds it now: a reassigned task moves with
its new holder. The plan's team comes from the plan's own events, kept in a small lookup, so a
team manager's figures follow the plans their team holds now.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from statistics import median
from typing import Any
from uuid import UUID

from domain.agency_task import AgencyTask, TaskStatus
from domain.plan import ChildProtectionPlan as Plan
from projections.base import (
    Changes,
    Index,
    Read,
    Reader,
    ReadModel,
    Row,
    Table,
    View,
    columns,
    fetch_together,
    run_reader,
    topics_of,
)

OPEN_STATUSES = (TaskStatus.ASSIGNED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)
IS_OPEN = "status IN ({})".format(", ".join(f"'{status.value}'" for status in OPEN_STATUSES))
"""An open task, as SQL: written out, so the partial indexes below serve queries that say it."""
LIST_ORDER = ("due_on", "assigned_on", "task_id")
"""The order of a person's task list: due first, then assigned first."""

TASKS = Table(
    "tasks",
    columns(
        "task_id:uuid plan_id:uuid outcome_id:uuid agency assignee_id:uuid assignee_name "
        "description assigned_on:date due_on:date status started_on:date completed_on:date "
        "completed_on_time:bool blocked_on:date blocked_reason cancelled_on:date "
        "last_activity_on:date"
    ),
    key=("task_id",),
    indexes=(
        ("plan_id",),
        ("agency",),
        ("assignee_id",),
        ("status", "due_on"),
        # "My tasks": the open tasks of a person and of an agency, each read in the list's order.
        Index(("assignee_id", *LIST_ORDER), IS_OPEN),
        Index(("agency", *LIST_ORDER), IS_OPEN),
    ),
)
PLANS = Table(
    "plans",
    columns("plan_id:uuid team lead_social_worker_id:uuid lead_social_worker_name"),
    key=("plan_id",),
)


@dataclass(frozen=True)
class TaskRow:
    """One task as it stands, with the dates that show whether the agency kept to the plan."""

    task_id: UUID
    plan_id: UUID
    outcome_id: UUID
    agency: str
    assignee_id: UUID | None
    assignee_name: str
    description: str
    assigned_on: date
    due_on: date
    status: str
    started_on: date | None
    completed_on: date | None
    completed_on_time: bool | None
    blocked_on: date | None
    blocked_reason: str | None
    cancelled_on: date | None
    last_activity_on: date

    @property
    def is_open(self) -> bool:
        return self.status in {s.value for s in OPEN_STATUSES}

    def is_overdue(self, today: date) -> bool:
        """Asked of the caller's today, so drift shows the day after the due date without anyone
        recording it; a done or dropped task never is."""
        return self.is_open and today > self.due_on


@dataclass(frozen=True)
class CompletionFigures:
    """How one agency (or one person) has done with the tasks given to it.

    `assigned` counts every task ever given; `open` those not yet done or dropped, of which
    `blocked` are stuck now. Rates are None when there is nothing to divide by, so an agency
    with no tasks yet is not shown as failing.
    """

    key: str
    label: str
    agency: str
    assigned: int
    open: int
    completed: int
    completed_on_time: int
    blocked: int
    cancelled: int
    median_days_to_complete: float | None

    @property
    def completion_rate(self) -> float | None:
        """Done out of what was still asked for: cancelled tasks were never owed."""
        owed = self.assigned - self.cancelled
        return self.completed / owed if owed else None

    @property
    def on_time_rate(self) -> float | None:
        return self.completed_on_time / self.completed if self.completed else None


@dataclass(frozen=True)
class PlanTeam:
    """Which team holds a plan and who its lead social worker is: whom to tell about drift."""

    plan_id: UUID
    team: str
    lead_social_worker_id: UUID
    lead_social_worker_name: str


class PartnerTaskCompletionModel(ReadModel):
    name = "partner_task_completion"
    relative_cost = 2.0
    tables = (TASKS, PLANS)
    topics = topics_of(
        Plan.Started,
        Plan.LeadSocialWorkerAllocated,
        AgencyTask.Assigned,
        AgencyTask.Started,
        AgencyTask.ProgressNoted,
        AgencyTask.Blocked,
        AgencyTask.Unblocked,
        AgencyTask.Completed,
        AgencyTask.DueDateChanged,
        AgencyTask.Reassigned,
        AgencyTask.Cancelled,
    )

    @classmethod
    def handle(cls, event: Any, changes: Changes, position: int) -> None:
        match event:
            case Plan.Started():
                changes.put(
                    PLANS,
                    {
                        "plan_id": event.originator_id,
                        "team": event.team,
                        "lead_social_worker_id": event.lead_social_worker_id,
                        "lead_social_worker_name": event.lead_social_worker_name,
                    },
                )
            case Plan.LeadSocialWorkerAllocated():
                changes.update(
                    PLANS,
                    event.originator_id,
                    team=event.team,
                    lead_social_worker_id=event.social_worker_id,
                    lead_social_worker_name=event.social_worker_name,
                )
            case AgencyTask.Assigned():
                cls._assigned(event, changes)
            case AgencyTask.Started():
                cls._worked_on(
                    event,
                    changes,
                    event.started_on,
                    status=TaskStatus.IN_PROGRESS.value,
                    started_on=event.started_on,
                )
            case AgencyTask.ProgressNoted():
                cls._worked_on(event, changes, event.noted_on)
            case AgencyTask.Blocked():
                cls._worked_on(
                    event,
                    changes,
                    event.blocked_on,
                    status=TaskStatus.BLOCKED.value,
                    blocked_on=event.blocked_on,
                    blocked_reason=event.reason,
                )
            case AgencyTask.Unblocked():
                cls._unblocked(event, changes)
            case AgencyTask.Completed():
                cls._completed(event, changes)
            case AgencyTask.DueDateChanged():
                # The event carries no practice date: the change is dated the day it was made.
                cls._worked_on(event, changes, event.timestamp.date(), due_on=event.due_on)
            case AgencyTask.Reassigned():
                cls._worked_on(
                    event,
                    changes,
                    event.timestamp.date(),
                    agency=event.agency,
                    assignee_id=event.assignee_id,
                    assignee_name=event.assignee_name,
                )
            case AgencyTask.Cancelled():
                cls._worked_on(
                    event,
                    changes,
                    event.cancelled_on,
                    status=TaskStatus.CANCELLED.value,
                    cancelled_on=event.cancelled_on,
                    blocked_on=None,
                    blocked_reason=None,
                )

    @staticmethod
    def _assigned(event: AgencyTask.Assigned, changes: Changes) -> None:
        changes.put(
            TASKS,
            {
                "task_id": event.originator_id,
                "plan_id": event.plan_id,
                "outcome_id": event.outcome_id,
                "agency": event.agency,
                "assignee_id": event.assignee_id,
                "assignee_name": event.assignee_name,
                "description": event.description,
                "assigned_on": event.assigned_on,
                "due_on": event.due_on,
                "status": TaskStatus.ASSIGNED.value,
                "started_on": None,
                "completed_on": None,
                "completed_on_time": None,
                "blocked_on": None,
                "blocked_reason": None,
                "cancelled_on": None,
                "last_activity_on": event.assigned_on,
            },
        )

    @staticmethod
    def _worked_on(event: Any, changes: Changes, on: date, **values: Any) -> None:
        """Apply `values` and move the latest activity forward (never back: a note recorded late
        for an earlier day does not make a task look less recently worked on)."""
        task = changes.get(TASKS, event.originator_id)
        if task is None:
            return
        task.update(values)
        task["last_activity_on"] = max(task["last_activity_on"], on)
        changes.put(TASKS, task)

    @classmethod
    def _unblocked(cls, event: AgencyTask.Unblocked, changes: Changes) -> None:
        task = changes.get(TASKS, event.originator_id)
        if task is None:
            return
        back_to = TaskStatus.IN_PROGRESS if task["started_on"] is not None else TaskStatus.ASSIGNED
        cls._worked_on(
            event,
            changes,
            event.unblocked_on,
            status=back_to.value,
            blocked_on=None,
            blocked_reason=None,
        )

    @classmethod
    def _completed(cls, event: AgencyTask.Completed, changes: Changes) -> None:
        task = changes.get(TASKS, event.originator_id)
        if task is None:
            return
        cls._worked_on(
            event,
            changes,
            event.completed_on,
            status=TaskStatus.COMPLETED.value,
            completed_on=event.completed_on,
            completed_on_time=event.completed_on <= task["due_on"],
        )


# --- queries ------------------------------------------------------------------------------------


def _open_params() -> dict[str, Any]:
    return {f"open_{n}": s.value for n, s in enumerate(OPEN_STATUSES)}


_OPEN_IN = "(" + ", ".join(f"%(open_{n})s" for n in range(len(OPEN_STATUSES))) + ")"

_FIGURES = (
    "COUNT(*) AS assigned, "
    f"SUM(CASE WHEN status IN {_OPEN_IN} THEN 1 ELSE 0 END) AS still_open, "
    "SUM(CASE WHEN status = %(completed)s THEN 1 ELSE 0 END) AS completed, "
    "SUM(CASE WHEN completed_on_time = %(yes)s THEN 1 ELSE 0 END) AS completed_on_time, "
    "SUM(CASE WHEN status = %(blocked)s THEN 1 ELSE 0 END) AS blocked, "
    "SUM(CASE WHEN status = %(cancelled)s THEN 1 ELSE 0 END) AS cancelled"
)


def _figure_params() -> dict[str, Any]:
    return {
        **_open_params(),
        "completed": TaskStatus.COMPLETED.value,
        "blocked": TaskStatus.BLOCKED.value,
        "cancelled": TaskStatus.CANCELLED.value,
        "yes": True,
    }


def _days_by_group(
    view: View, group: Mapping[str, str], where: str, params: Mapping[str, Any]
) -> Read:
    """Days from assignment to completion of every completed task, per group (`group` maps an
    output name to its SQL expression): medians are worked out here because SQLite has none.
    The read; `_days` makes its rows into the lists."""
    selected = ", ".join(f"{expression} AS {name}" for name, expression in group.items())
    return view.read(
        f"SELECT {selected}, t.assigned_on AS assigned_on, t.completed_on AS completed_on "
        "FROM {tasks} t LEFT JOIN {plans} p ON p.plan_id = t.plan_id "
        f"WHERE t.status = %(completed)s{where}",
        params,
        {"assigned_on": "date", "completed_on": "date"},
    )


def _days(group: Mapping[str, str], rows: list[Row]) -> dict[tuple[Any, ...], list[int]]:
    days: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        group_key = tuple(row[name] for name in group)
        days.setdefault(group_key, []).append((row["completed_on"] - row["assigned_on"]).days)
    return days


def _median(values: Iterable[int] | None) -> float | None:
    found = list(values or ())
    return float(median(found)) if found else None


def _by_agency(view: View, where: str, params: dict[str, Any]) -> Reader[list[CompletionFigures]]:
    params = {**_figure_params(), **params}
    group = {"agency": "t.agency"}
    rows, completed = yield (
        view.read(
            f"SELECT t.agency AS agency, {_FIGURES} "
            "FROM {tasks} t LEFT JOIN {plans} p ON p.plan_id = t.plan_id "
            f"WHERE 1 = 1{where} GROUP BY t.agency ORDER BY t.agency",
            params,
        ),
        _days_by_group(view, group, where, params),
    )
    days = _days(group, completed)
    return [
        _figures(row, key=row["agency"], label=row["agency"], days=days.get((row["agency"],)))
        for row in rows
    ]


def _figures(row: Row, *, key: str, label: str, days: list[int] | None) -> CompletionFigures:
    return CompletionFigures(
        key=key,
        label=label,
        agency=row["agency"],
        assigned=int(row["assigned"]),
        open=int(row["still_open"] or 0),
        completed=int(row["completed"] or 0),
        completed_on_time=int(row["completed_on_time"] or 0),
        blocked=int(row["blocked"] or 0),
        cancelled=int(row["cancelled"] or 0),
        median_days_to_complete=_median(days),
    )


def completion_by_agency(view: View, *, team: str | None = None) -> list[CompletionFigures]:
    """Each agency's record with the tasks plans gave it, across every plan (or those of one
    team), in agency order."""
    if team is None:
        return run_reader(_by_agency(view, "", {}))
    return run_reader(_by_agency(view, " AND p.team = %(team)s", {"team": team}))


def completion_by_plan(view: View, plan_id: UUID) -> list[CompletionFigures]:
    """Each agency's record within one plan: what a chair looks at before a review conference."""
    return run_reader(completion_by_plan_reader(view, plan_id))


def completion_by_plan_reader(view: View, plan_id: UUID) -> Reader[list[CompletionFigures]]:
    """`completion_by_plan`, to run with other readers (`run_readers`)."""
    return _by_agency(view, " AND t.plan_id = %(plan_id)s", {"plan_id": plan_id})


def completion_by_assignee(view: View, *, agency: str | None = None) -> list[CompletionFigures]:
    """Each named person's record (or one agency's people), in agency then name order.

    A person is known by their user id; a task given to someone without an account (a duty
    worker, say) is grouped by the name written on it within its agency.
    """
    where = "" if agency is None else " AND t.agency = %(agency)s"
    params = {**_figure_params(), "agency": agency}
    who = "COALESCE(t.assignee_id, t.assignee_name)"
    group = {"agency": "t.agency", "who": who}
    rows, completed = fetch_together(
        [
            view.read(
                f"SELECT t.agency AS agency, {who} AS who, MAX(t.assignee_name) AS label, "
                f"{_FIGURES} FROM {{tasks}} t LEFT JOIN {{plans}} p ON p.plan_id = t.plan_id "
                f"WHERE 1 = 1{where} GROUP BY t.agency, {who} ORDER BY t.agency, label, who",
                params,
            ),
            _days_by_group(view, group, where, params),
        ]
    )
    days = _days(group, completed)
    return [
        _figures(
            row,
            key=f"{row['agency']}/{row['who']}",
            label=row["label"],
            days=days.get((row["agency"], row["who"])),
        )
        for row in rows
    ]


def _task(row: Row) -> TaskRow:
    return TaskRow(
        task_id=row["task_id"],
        plan_id=row["plan_id"],
        outcome_id=row["outcome_id"],
        agency=row["agency"],
        assignee_id=row["assignee_id"],
        assignee_name=row["assignee_name"],
        description=row["description"],
        assigned_on=row["assigned_on"],
        due_on=row["due_on"],
        status=row["status"],
        started_on=row["started_on"],
        completed_on=row["completed_on"],
        completed_on_time=row["completed_on_time"],
        blocked_on=row["blocked_on"],
        blocked_reason=row["blocked_reason"],
        cancelled_on=row["cancelled_on"],
        last_activity_on=row["last_activity_on"],
    )


def overdue_now(
    view: View,
    today: date,
    *,
    plan_id: UUID | None = None,
    agency: str | None = None,
    assignee_id: UUID | None = None,
) -> list[TaskRow]:
    """Open tasks whose due date has passed by `today`, longest overdue first: the list a team
    manager chases, narrowed to one plan, agency or person if asked."""
    where = ""
    params: dict[str, Any] = {**_open_params(), "today": today}
    for column, value in (("plan_id", plan_id), ("agency", agency), ("assignee_id", assignee_id)):
        if value is not None:
            where += f" AND {column} = %({column})s"
            params[column] = value
    rows = view.select(
        TASKS,
        f"SELECT * FROM {{tasks}} WHERE status IN {_OPEN_IN} AND due_on < %(today)s{where} "
        "ORDER BY due_on, assigned_on, task_id",
        params,
    )
    return [_task(row) for row in rows]


def tasks_for_plan(view: View, plan_id: UUID) -> list[TaskRow]:
    """Every task of a plan: open ones first, each group by due date."""
    rows = view.select(
        TASKS,
        "SELECT * FROM {tasks} WHERE plan_id = %(plan_id)s ORDER BY due_on, assigned_on, task_id",
        {"plan_id": plan_id},
    )
    tasks = [_task(row) for row in rows]
    return sorted(tasks, key=lambda t: not t.is_open)


def tasks_for(
    view: View,
    *,
    assignee_id: UUID,
    agency: str,
    today: date,
    plan_ids: Iterable[UUID] | None = None,
    open_only: bool = False,
) -> list[TaskRow]:
    """A core group member's "my tasks": those given to them by name or to their agency, open
    before closed, overdue before the rest, then by due date.

    This view does not know core group membership; pass `plan_ids` (the plans whose core group
    the person sits in) so a partner sees only the plans they need to know about.
    """
    still_open = f" AND status IN {_OPEN_IN}" if open_only else ""
    rows = view.select(
        TASKS,
        "SELECT * FROM {tasks} WHERE (assignee_id = %(assignee_id)s OR agency = %(agency)s)"
        + still_open
        + " ORDER BY due_on, assigned_on, task_id",
        {"assignee_id": assignee_id, "agency": agency, **_open_params()},
    )
    tasks = [_task(row) for row in rows]
    if plan_ids is not None:
        allowed = set(plan_ids)
        tasks = [t for t in tasks if t.plan_id in allowed]
    return sorted(tasks, key=lambda t: (not t.is_open, not t.is_overdue(today)))


TaskKey = tuple[date, date, UUID]
"""Where a task sits in a person's list: (due on, assigned on, task id)."""


def list_key(task: TaskRow) -> TaskKey:
    return (task.due_on, task.assigned_on, task.task_id)


@dataclass(frozen=True)
class OpenTaskCount:
    open: int
    overdue: int


def open_task_count(
    view: View, *, assignee_id: UUID, agency: str, plan_ids: Collection[UUID], today: date
) -> OpenTaskCount:
    """How many open tasks are given to a person by name or to their agency on any of
    `plan_ids`, and how many of those are overdue today."""
    if not plan_ids:
        return OpenTaskCount(0, 0)
    ids, params = view.any_of("plans", plan_ids)
    rows = view.query(
        "SELECT COUNT(*) AS open_count, "
        "SUM(CASE WHEN due_on < %(today)s THEN 1 ELSE 0 END) AS overdue FROM {tasks} "
        f"WHERE (assignee_id = %(assignee_id)s OR agency = %(agency)s) AND {IS_OPEN} "
        f"AND plan_id {ids}",
        {"assignee_id": assignee_id, "agency": agency, "today": today, **params},
    )
    return OpenTaskCount(int(rows[0]["open_count"]), int(rows[0]["overdue"] or 0))


def open_tasks_for(
    view: View, *, assignee_id: UUID, agency: str, after: TaskKey | None = None, limit: int
) -> list[TaskRow]:
    """The open tasks given to a person by name or to their agency, `limit` at a time after
    `after`, in the list's order: by due date (so the overdue come first), then date assigned.
    Each half is read along its own partial index, so a page costs the rows it shows whatever
    the size of the agency's record."""
    later = ""
    params: dict[str, Any] = {"assignee_id": assignee_id, "agency": agency, "limit": limit}
    if after is not None:
        later = f" AND ({', '.join(LIST_ORDER)}) > (%(due_on)s, %(assigned_on)s, %(task_id)s)"
        params.update(due_on=after[0], assigned_on=after[1], task_id=after[2])
    order = ", ".join(LIST_ORDER)
    half = (
        "SELECT * FROM (SELECT * FROM {{tasks}} WHERE {who} = %({who})s AND {is_open}{later} "
        "ORDER BY {order} LIMIT %(limit)s) AS {name}"
    )
    rows = view.select(
        TASKS,
        half.format(who="assignee_id", is_open=IS_OPEN, later=later, order=order, name="mine")
        + " UNION "
        + half.format(who="agency", is_open=IS_OPEN, later=later, order=order, name="ours")
        + f" ORDER BY {order} LIMIT %(limit)s",
        params,
    )
    return [_task(row) for row in rows]


def plan_team(view: View, plan_id: UUID) -> PlanTeam | None:
    """The team and lead social worker holding a plan now, if the plan is known."""
    rows = view.select(
        PLANS, "SELECT * FROM {plans} WHERE plan_id = %(plan_id)s", {"plan_id": plan_id}
    )
    if not rows:
        return None
    row = rows[0]
    return PlanTeam(
        plan_id=row["plan_id"],
        team=row["team"],
        lead_social_worker_id=row["lead_social_worker_id"],
        lead_social_worker_name=row["lead_social_worker_name"],
    )
