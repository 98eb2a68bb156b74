"""A core group member's own tasks: what the plans ask of them or their agency, overdue first,
each updated in one step from the list, so the lead social worker reads progress instead of
chasing it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import (
    READ_YOUR_WRITES_TIMEOUT,
    CasesDep,
    EngineDep,
    Gate,
    TodayDep,
)
from api.problems import ApiProblemError, _domain_status
from api.schemas.common import Command
from api.schemas.tasks import BlockTask, CompleteTask, NoteProgress, StartTask, UnblockTask
from api.security.accounts import User
from api.security.policy import Action
from domain.agency_task import AgencyTask, TaskStatus
from domain.application import CaseRecord, Saved
from domain.core_group import CoreGroup, MeetingStatus
from domain.errors import ConcurrentChangeError, DomainError, NotFoundError, StaleVersionError
from domain.plan import ChildProtectionPlan
from projections.base import View
from projections.engine import ProjectionEngine
from projections.partner_task_completion import (
    TASKS,
    TaskKey,
    TaskRow,
    list_key,
    open_tasks_for,
)
from projections.plan_history import Known
from web.forms import FieldError, posted, validate
from web.pages.shared import (
    Sight,
    changed_since,
    filled,
    form_version,
    not_found,
    register_candidates,
)
from web.render import page
from web.session import PageGateDep, PageUser, check_csrf

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class TaskChange:
    """One of the changes a partner makes from the list: the API's request model, the labels
    its errors use, the task method it runs and what the banner says afterwards."""

    model: type[Command]
    labels: dict[str, str]
    method: str
    saved: str
    dated: str | None = None
    """The date field filled with today when the form does not ask for one."""


CHANGES: dict[str, TaskChange] = {
    "start": TaskChange(
        StartTask, {"started_on": "the date work started"}, "start",
        "The task is marked as started.", dated="started_on",
    ),
    "progress": TaskChange(
        NoteProgress, {"note": "what has been done so far", "noted_on": "the date"},
        "note_progress", "Your progress note is recorded.", dated="noted_on",
    ),
    "complete": TaskChange(
        CompleteTask,
        {"completed_on": "the date the task was completed", "evidence": "what shows it was done"},
        "complete", "The task is recorded as completed.",
    ),
    "block": TaskChange(
        BlockTask, {"reason": "why the task cannot go on", "blocked_on": "the date"},
        "block", "The task is recorded as blocked.", dated="blocked_on",
    ),
    "unblock": TaskChange(
        UnblockTask, {"note": "what cleared the way", "unblocked_on": "the date"},
        "unblock", "The task is unblocked.", dated="unblocked_on",
    ),
}  # fmt: skip

AVAILABLE: dict[TaskStatus, tuple[str, ...]] = {
    TaskStatus.ASSIGNED: ("start", "progress", "complete", "block"),
    TaskStatus.IN_PROGRESS: ("progress", "complete", "block"),
    TaskStatus.BLOCKED: ("progress", "unblock"),
}
"""Which changes each open status allows (a blocked task is unblocked before it is done)."""

MOVED_ON = {
    "start": "Work on this task has already started.",
    "block": "This task is already blocked.",
    "unblock": "This task is not blocked.",
    "complete": "This task is blocked: unblock it, saying what cleared the way, then complete it.",
}
"""What a change that no longer fits the task's status means, in words."""
PLAIN_RULES = {
    "task-closed": "This task is already completed or cancelled: it takes no more changes.",
    "core-group-member-only": "Only a member of the plan's core group can say a task is done.",
}


@dataclass(frozen=True)
class TaskFormError(FieldError):
    """An error on one task's form: the field name matches the macro's, the link goes to the
    field's id, which carries the task and change as a prefix."""

    anchor: str = ""

    @property
    def href(self) -> str:
        return f"#{self.anchor}"


@dataclass(frozen=True)
class Failed:
    """The form that was refused, with what was typed into it."""

    task_id: UUID
    change: str
    values: dict[str, Any]
    errors: list[TaskFormError] = field(default_factory=list)


@dataclass(frozen=True)
class TaskLine:
    row: TaskRow
    version: int
    status: TaskStatus
    overdue: bool
    outcome: str | None
    plan_started_on: date
    lead_worker: str
    changes: tuple[str, ...]


def ids(task_id: UUID, change: str) -> str:
    """The id of a task's change form: every field's id starts with it."""
    return f"task-{task_id}-{change}"


# --- the page -----------------------------------------------------------------------------------


TASKS_SHOWN = 10
"""The most urgent open tasks (overdue first), a page at a time: a long list helps nobody act on
the first one."""
PLANS_SHOWN = 10
"""The newest plans the person sits in; the plans page lists the rest."""


@dataclass(frozen=True)
class PlanClocks:
    """A line of "My plans": when the core group should next meet and the plan next be
    reviewed, read off the live plan and core group the access check has just read."""

    plan_id: UUID
    icpc_on: date
    ended_on: date | None
    team: str
    lead_worker_name: str
    next_core_group_due: date | None
    next_scheduled_meeting_on: date | None
    next_review_due: date | None
    today: date

    @property
    def is_open(self) -> bool:
        return self.ended_on is None

    @property
    def core_group_overdue(self) -> bool:
        return self.next_core_group_due is not None and self.today > self.next_core_group_due

    @property
    def review_overdue(self) -> bool:
        return self.next_review_due is not None and self.today > self.next_review_due


def plan_clocks(plan: ChildProtectionPlan, group: CoreGroup, today: date) -> PlanClocks:
    """Nothing is due on an ended plan, nor a meeting of a closed core group."""
    scheduled = [
        m.scheduled_for
        for m in group.meetings.values()
        if m.status is MeetingStatus.SCHEDULED and m.scheduled_for is not None
    ]
    return PlanClocks(
        plan_id=plan.id,
        icpc_on=plan.icpc_on,
        ended_on=plan.ended_on,
        team=plan.team,
        lead_worker_name=plan.lead_social_worker_name,
        next_core_group_due=group.next_meeting_due if plan.is_open and group.is_open else None,
        next_scheduled_meeting_on=min(scheduled) if plan.is_open and scheduled else None,
        next_review_due=plan.next_review_due if plan.is_open else None,
        today=today,
    )


@dataclass(frozen=True)
class MyTasks:
    """The page for one request: drawn afresh after a refused change, with the form kept."""

    request: Request
    user: User
    cases: CaseRecord
    engine: ProjectionEngine
    today: date

    def render(
        self,
        *,
        banner: str | None = None,
        failed: Failed | None = None,
        status_code: int = 200,
        after: UUID | None = None,
    ) -> HTMLResponse:
        views = {v.model.name: v for v in self.engine.views}
        sight = Sight(self.user, self.cases)
        tasks = views["partner_task_completion"]
        start = _position_of(tasks, after) if after is not None else None
        rows = _open_tasks(tasks, self.user, start, TASKS_SHOWN + 1)
        candidates = register_candidates(self.user, views["drift"], PLANS_SHOWN)
        # The plans of the first tasks and of "My plans" are checked together.
        sight.check([*(row.plan_id for row in rows[:TASKS_SHOWN]), *candidates])
        lines, more = _first_lines(sight, tasks, self.user, rows, self.today)
        mine = [plan_id for plan_id in candidates if sight.sees(plan_id)]
        plans = sight.streams.load_many(ChildProtectionPlan, mine)
        groups = sight.streams.load_many(CoreGroup, [p.core_group_id for p in plans.values()])
        clocks = [
            plan_clocks(plan, groups[plan.core_group_id], self.today)
            for plan in plans.values()
            if plan.core_group_id in groups
        ]
        failed = _anchored(failed, lines) if failed else None
        context = {
            "tasks": lines,
            "next_after": lines[-1].row.task_id if more and lines else None,
            "paged": after is not None,
            "tasks_shown": TASKS_SHOWN,
            "plans": sorted(clocks, key=_plan_order),
            "banner": banner,
            "failed": failed,
            "errors": failed.errors if failed else [],
            "today": self.today,
            "ids": ids,
        }
        return page(self.request, "tasks/my_tasks.html", context, status_code)

    def refuse(
        self, task_id: UUID, change: str, data: dict[str, Any], message: str, status_code: int
    ) -> HTMLResponse:
        """The list again with the form open, what was typed kept, and why nothing was saved."""
        error = TaskFormError("form", message, ids(task_id, change))
        failed = Failed(task_id, change, data, [error])
        return self.render(failed=failed, status_code=status_code)


@router.get("/my-tasks", response_class=HTMLResponse)
def my_tasks(
    request: Request,
    user: PageUser,
    cases: CasesDep,
    engine: EngineDep,
    today: TodayDep,
    saved: str | None = None,
    after: str = "",
) -> HTMLResponse:
    banner = CHANGES[saved].saved if saved in CHANGES else None
    start = _parse_id(after)
    return MyTasks(request, user, cases, engine, today).render(banner=banner, after=start)


def _parse_id(text: str) -> UUID | None:
    try:
        return UUID(text) if text else None
    except ValueError:
        return None


def _anchored(failed: Failed, lines: list[TaskLine]) -> Failed:
    """Errors about a form the page no longer shows (the task moved on, or closed) point at the
    task itself, or at the list."""
    line = next((line for line in lines if line.row.task_id == failed.task_id), None)
    if line is not None and failed.change in line.changes:
        return failed
    anchor = f"task-{failed.task_id}" if line is not None else "your-tasks"
    errors = [TaskFormError(e.field, e.message, anchor) for e in failed.errors]
    return Failed(failed.task_id, failed.change, failed.values, errors)


def _open_tasks(view: View, user: User, after: TaskKey | None, limit: int) -> list[TaskRow]:
    """The open tasks given to the person by name or to their agency, after `after` in the
    list's order, `limit` at a time, so a page reads only the rows it may show."""
    return open_tasks_for(
        view, assignee_id=user.user_id, agency=user.agency, after=after, limit=limit
    )


def _position_of(view: View, task_id: UUID) -> TaskKey | None:
    """Where the list stood at a task (the last one of the page before)."""
    rows = view.select(
        TASKS, "SELECT * FROM {tasks} WHERE task_id = %(task_id)s", {"task_id": task_id}
    )
    return list_key(TaskRow(**rows[0])) if rows else None


def _first_lines(
    sight: Sight, view: View, user: User, rows: list[TaskRow], today: date
) -> tuple[list[TaskLine], bool]:
    """The first `TASKS_SHOWN` of `rows` (and of the rows after them, where some are about
    plans the person may not see) as they stand now, and whether more follow. The rows still
    wanted are checked together: their plans and core groups, then the tasks themselves, each
    read in one go."""
    lines: list[TaskLine] = []
    while True:
        want = TASKS_SHOWN - len(lines)
        batch, more = rows[:want], len(rows) > want
        sight.check(row.plan_id for row in batch)
        seen = [row for row in batch if sight.sees(row.plan_id)]
        tasks = sight.streams.load_many(AgencyTask, [row.task_id for row in seen])
        plans = sight.streams.load_many(
            ChildProtectionPlan, [task.plan_id for task in tasks.values()]
        )
        for row in seen:
            task = tasks.get(row.task_id)
            if task is not None and task.plan_id in plans:
                line = _line(row, task, plans[task.plan_id], today)
                if line is not None:
                    lines.append(line)
        if len(lines) == TASKS_SHOWN or not more:
            return lines, more
        want = TASKS_SHOWN - len(lines)
        rows = _open_tasks(view, user, list_key(batch[-1]), want + 1)


def _line(
    row: TaskRow, task: AgencyTask, plan: ChildProtectionPlan, today: date
) -> TaskLine | None:
    """The task as it stands now (the list may lag it by a moment): its version for the forms
    and the changes its status allows; None if it closed since the list was written."""
    if not task.is_open:
        return None
    outcome = plan.outcomes.get(str(task.outcome_id))
    return TaskLine(
        row=row,
        version=task.version,
        status=task.status,
        overdue=task.is_overdue(today),
        outcome=outcome.wording if outcome else None,
        plan_started_on=plan.icpc_on,
        lead_worker=plan.lead_social_worker_name,
        changes=AVAILABLE.get(task.status, ()),
    )


def _plan_order(plan: PlanClocks) -> tuple[bool, date, date]:
    """Open plans first, the soonest review first."""
    return (not plan.is_open, plan.next_review_due or date.max, plan.icpc_on)


# --- changing a task ----------------------------------------------------------------------------


@router.post("/my-tasks/{task_id}/{change}", response_class=HTMLResponse)
async def change_task(
    task_id: UUID,
    change: str,
    request: Request,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    if change not in CHANGES:
        return not_found(request)
    screen = MyTasks(request, gate.user, gate.cases, engine, today)
    return await run_in_threadpool(_change, screen, gate, task_id, change, data)


def _change(
    screen: MyTasks, gate: Gate, task_id: UUID, change: str, data: dict[str, Any]
) -> Response:
    spec = CHANGES[change]
    try:
        context = gate.task(task_id, Action.UPDATE_TASK)
    except NotFoundError:
        return not_found(screen.request)
    except ApiProblemError:
        message = "That task is not for you or your agency to update."
        error = TaskFormError("form", message, "your-tasks")
        return screen.render(failed=Failed(task_id, change, data, [error]), status_code=403)
    values = filled(data)
    if spec.dated:
        values.setdefault(spec.dated, screen.today.isoformat())
    body, errors = validate(spec.model, values, spec.labels)
    if body is None:
        failed = Failed(task_id, change, data, [_placed(e, task_id, change) for e in errors])
        return screen.render(failed=failed, status_code=400)
    assert context.plan is not None
    version = form_version(data)
    try:
        saved = _run(gate, task_id, context.plan.core_group_id, spec, body, version)
    except (StaleVersionError, ConcurrentChangeError):
        message = _stale_message(gate.cases, task_id, version)
        return screen.refuse(task_id, change, data, message, 409)
    except DomainError as error:
        message = _plain(error, change)
        return screen.refuse(task_id, change, data, message, _domain_status(error)[0])
    screen.engine.wait_for(saved.position, timeout=READ_YOUR_WRITES_TIMEOUT)
    return RedirectResponse(f"/my-tasks?saved={change}", status_code=303)


def _run(
    gate: Gate, task_id: UUID, core_group_id: UUID, spec: TaskChange, body: Command, version: int
) -> Saved:
    by, fields = gate.user.actor, body.model_dump()
    if spec.method == "complete":
        return gate.cases.complete_task(
            task_id=task_id,
            core_group_id=core_group_id,
            by=by,
            expected_version=version,
            **fields,
        )
    return gate.cases.change_task(
        task_id, lambda task: getattr(task, spec.method)(by=by, **fields), version
    )


def _plain(error: DomainError, change: str) -> str:
    if error.rule == "task-transition":
        return MOVED_ON.get(change, error.detail)
    return PLAIN_RULES.get(error.rule, error.detail)


def _placed(error: FieldError, task_id: UUID, change: str) -> TaskFormError:
    return TaskFormError(error.field, error.message, f"{ids(task_id, change)}-{error.field}")


def _stale_message(cases: CaseRecord, task_id: UUID, version: int) -> str:
    task = cases.load(AgencyTask, task_id, copy=False)
    known = Known(
        task={
            "description": task.description,
            "agency": task.agency,
            "assignee_name": task.assignee_name,
        }
    )
    return changed_since(cases, task_id, version, "task", lambda _event: known)
