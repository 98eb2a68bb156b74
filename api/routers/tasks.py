"""Agency tasks: set by the plan's owners under an agreed outcome, carried out and reported on by
the partner agency they are given to. Changes carry the task's ETag in If-Match."""

from __future__ import annotations

from uuid import UUID

from fastapi import Response

from api.deps import CasesDep, Gate, GateDep, IfMatchDep, TodayDep, etag
from api.idempotency import IdempotencyDep
from api.problems import PROBLEM_RESPONSES
from api.routers.plans import accepted
from api.routing import ApiRouter
from api.schemas.common import Accepted, Created
from api.schemas.tasks import (
    AssignTask,
    BlockTask,
    CancelTask,
    ChangeDueDate,
    CompleteTask,
    NoteProgress,
    ReassignTask,
    StartTask,
    TaskList,
    TaskOut,
    UnblockTask,
)
from api.security.policy import Action
from api.views_dep import LAG_RESPONSE, ViewsDep
from domain.application import CaseRecord
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan
from projections.base import View
from projections.drift import DriftModel, plan_register
from projections.partner_task_completion import (
    PartnerTaskCompletionModel,
    tasks_for,
    tasks_for_plan,
)

router = ApiRouter(prefix="/api/v1", tags=["agency tasks"], responses=PROBLEM_RESPONSES)

MEMBERSHIP_SCAN_LIMIT = 500


@router.post("/plans/{plan_id}/tasks", status_code=201, response_model=Created)
def assign_task(
    plan_id: UUID, body: AssignTask, gate: GateDep, cases: CasesDep, once: IdempotencyDep
) -> Response:
    """Give a partner agency (and, where known, a named person) a task under one of the plan's
    agreed outcomes, with a due date."""
    gate.plan(plan_id, Action.ASSIGN_TASK)
    return once.create(
        f"task:{plan_id}",
        "/api/v1/tasks/{id}",
        body,
        lambda task_id: cases.assign_task(
            task_id=task_id, plan_id=plan_id, by=gate.user.actor, **body.model_dump()
        ),
    )


@router.get("/plans/{plan_id}/tasks", response_model=TaskList, responses=LAG_RESPONSE)
def list_plan_tasks(plan_id: UUID, gate: GateDep, views: ViewsDep, today: TodayDep) -> TaskList:
    """Every task of the plan, open ones first, each group by due date."""
    gate.plan(plan_id, Action.VIEW_PLAN)
    view = views[PartnerTaskCompletionModel.name]
    return TaskList.of(tasks_for_plan(view, plan_id), today)


@router.get("/tasks/mine", response_model=TaskList, responses=LAG_RESPONSE)
def list_my_tasks(gate: GateDep, cases: CasesDep, views: ViewsDep, today: TodayDep) -> TaskList:
    """The tasks given to you or your agency on the plans whose core group you sit in: open
    before closed, overdue first."""
    gate.allow(Action.VIEW_OWN_TASKS)
    user, plan_ids = gate.user, _my_plans(gate, cases, views[DriftModel.name])
    rows = tasks_for(
        views[PartnerTaskCompletionModel.name],
        assignee_id=user.user_id,
        agency=user.agency,
        today=today,
        plan_ids=plan_ids,
    )
    return TaskList.of(rows, today)


@router.get("/tasks/{task_id}", response_model=TaskOut)
def read_task(task_id: UUID, gate: GateDep, today: TodayDep, response: Response) -> TaskOut:
    task = gate.task(task_id, Action.VIEW_PLAN).task
    assert task is not None
    response.headers["ETag"] = etag(task.version)
    return TaskOut.of(task, today)


@router.post("/tasks/{task_id}/start", status_code=202, response_model=Accepted)
def start_task(
    task_id: UUID,
    body: StartTask,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """Work on the task has begun."""
    gate.task(task_id, Action.UPDATE_TASK)
    return accepted(
        response,
        cases.change_task(
            task_id, lambda t: t.start(by=gate.user.actor, **body.model_dump()), version
        ),
    )


@router.post("/tasks/{task_id}/progress", status_code=202, response_model=Accepted)
def note_progress(
    task_id: UUID,
    body: NoteProgress,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """What the agency has done so far, for the lead social worker to read instead of chase."""
    gate.task(task_id, Action.UPDATE_TASK)
    return accepted(
        response,
        cases.change_task(
            task_id, lambda t: t.note_progress(by=gate.user.actor, **body.model_dump()), version
        ),
    )


@router.post("/tasks/{task_id}/completion", status_code=202, response_model=Accepted)
def complete_task(
    task_id: UUID,
    body: CompleteTask,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """The task is done, with the evidence; only a member of the plan's core group can say so."""
    context = gate.task(task_id, Action.UPDATE_TASK)
    assert context.plan is not None
    return accepted(
        response,
        cases.complete_task(
            task_id=task_id,
            core_group_id=context.plan.core_group_id,
            by=gate.user.actor,
            expected_version=version,
            **body.model_dump(),
        ),
    )


@router.post("/tasks/{task_id}/block", status_code=202, response_model=Accepted)
def block_task(
    task_id: UUID,
    body: BlockTask,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """The task cannot go on, and why: for the core group to clear the way or escalate."""
    gate.task(task_id, Action.UPDATE_TASK)
    return accepted(
        response,
        cases.change_task(
            task_id, lambda t: t.block(by=gate.user.actor, **body.model_dump()), version
        ),
    )


@router.post("/tasks/{task_id}/unblock", status_code=202, response_model=Accepted)
def unblock_task(
    task_id: UUID,
    body: UnblockTask,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """The way is clear again; the task goes back to where it was before it was blocked."""
    gate.task(task_id, Action.UPDATE_TASK)
    return accepted(
        response,
        cases.change_task(
            task_id, lambda t: t.unblock(by=gate.user.actor, **body.model_dump()), version
        ),
    )


@router.post("/tasks/{task_id}/due-date", status_code=202, response_model=Accepted)
def change_due_date(
    task_id: UUID,
    body: ChangeDueDate,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """A new due date, with the reason, so a slipping task shows as drift, not a rewrite."""
    gate.task(task_id, Action.ASSIGN_TASK)
    return accepted(
        response,
        cases.change_task(
            task_id, lambda t: t.change_due_date(by=gate.user.actor, **body.model_dump()), version
        ),
    )


@router.post("/tasks/{task_id}/reassignment", status_code=202, response_model=Accepted)
def reassign_task(
    task_id: UUID,
    body: ReassignTask,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """The task moves to another agency or person; the record keeps who had it before."""
    gate.task(task_id, Action.ASSIGN_TASK)
    return accepted(
        response,
        cases.change_task(
            task_id, lambda t: t.reassign(by=gate.user.actor, **body.model_dump()), version
        ),
    )


@router.post("/tasks/{task_id}/cancellation", status_code=202, response_model=Accepted)
def cancel_task(
    task_id: UUID,
    body: CancelTask,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """The task is no longer needed: cancelled with a reason, never deleted."""
    gate.task(task_id, Action.ASSIGN_TASK)
    return accepted(
        response,
        cases.change_task(
            task_id, lambda t: t.cancel(by=gate.user.actor, **body.model_dump()), version
        ),
    )


def _my_plans(gate: Gate, cases: CaseRecord, drift: View) -> list[UUID]:
    """The plans whose core group the user sits in: candidates from the plan register, each
    confirmed by the policy against the live plan and core group (the register may lag a
    departure)."""
    found = []
    for line in plan_register(drift, member_id=gate.user.user_id, limit=MEMBERSHIP_SCAN_LIMIT):
        plan = cases.load(ChildProtectionPlan, line.plan_id)
        if gate.sees(plan, cases.load(CoreGroup, plan.core_group_id)):
            found.append(plan.id)
    return found
