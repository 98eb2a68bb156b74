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
    AccountsDep,
    AddressDep,
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
from domain.errors import ConcurrentChangeError, DomainError, NotFoundError, StaleVersionError
from domain.plan import ChildProtectionPlan
from projections.drift import PlanDrift, drift_for_plan
from projections.engine import ProjectionEngine
from projections.partner_task_completion import TaskRow, tasks_for
from projections.plan_history import Known
from web.forms import FieldError, posted, validate
from web.pages.shared import (
    Sight,
    changed_since,
    filled,
    form_version,
    not_found,
    visible_plan_ids,
)
from web.render import page
from web.session import PageUser, check_csrf

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


TASKS_SHOWN = 25
"""The most urgent open tasks (overdue first): a long list helps nobody act on the first one."""
PLANS_SHOWN = 25


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
    ) -> HTMLResponse:
        views = {v.model.name: v for v in self.engine.views}
        sight = Sight(self.user, self.cases)
        rows = tasks_for(
            views["partner_task_completion"],
            assignee_id=self.user.user_id,
            agency=self.user.agency,
            today=self.today,
            open_only=True,
        )
        lines: list[TaskLine] = []
        for row in rows:
            if len(lines) == TASKS_SHOWN:
                break
            if row.is_open and sight.sees(row.plan_id):
                line = _line(self.cases, row, self.today)
                if line is not None:
                    lines.append(line)
        plan_ids = visible_plan_ids(self.user, self.cases, views["drift"], limit=PLANS_SHOWN)
        drifts = [drift_for_plan(views["drift"], pid, self.today) for pid in plan_ids]
        failed = _anchored(failed, lines) if failed else None
        context = {
            "tasks": lines,
            "plans": sorted((d for d in drifts if d is not None), key=_plan_order),
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
) -> HTMLResponse:
    banner = CHANGES[saved].saved if saved in CHANGES else None
    return MyTasks(request, user, cases, engine, today).render(banner=banner)


def _anchored(failed: Failed, lines: list[TaskLine]) -> Failed:
    """Errors about a form the page no longer shows (the task moved on, or closed) point at the
    task itself, or at the list."""
    line = next((line for line in lines if line.row.task_id == failed.task_id), None)
    if line is not None and failed.change in line.changes:
        return failed
    anchor = f"task-{failed.task_id}" if line is not None else "your-tasks"
    errors = [TaskFormError(e.field, e.message, anchor) for e in failed.errors]
    return Failed(failed.task_id, failed.change, failed.values, errors)


def _line(cases: CaseRecord, row: TaskRow, today: date) -> TaskLine | None:
    """The task as it stands now (the list may lag it by a moment): its version for the forms
    and the changes its status allows; None if it closed since the list was written."""
    task = cases.load(AgencyTask, row.task_id, copy=False)
    if not task.is_open:
        return None
    plan = cases.load(ChildProtectionPlan, task.plan_id, copy=False)
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


def _plan_order(drift: PlanDrift) -> tuple[bool, date, date]:
    """Open plans first, the soonest review first."""
    return (not drift.is_open, drift.next_review_due or date.max, drift.icpc_on)


# --- changing a task ----------------------------------------------------------------------------


@router.post("/my-tasks/{task_id}/{change}", response_class=HTMLResponse)
async def change_task(
    task_id: UUID,
    change: str,
    request: Request,
    user: PageUser,
    cases: CasesDep,
    engine: EngineDep,
    accounts: AccountsDep,
    address: AddressDep,
    today: TodayDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    if change not in CHANGES:
        return not_found(request)
    screen = MyTasks(request, user, cases, engine, today)
    gate = Gate(user, cases, accounts, address)
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
