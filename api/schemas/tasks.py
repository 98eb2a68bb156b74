"""Agency tasks: what the plan asks each partner to do, and how far they have got."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Command, Day, ShortText, Text
from domain.agency_task import AgencyTask, TaskStatus
from projections.partner_task_completion import TaskRow

# --- setting and changing a task -----------------------------------------------------------------


class AssignTask(Command):
    """A task under one of the plan's agreed outcomes, for a named agency and person."""

    outcome_id: UUID = Field(description="The agreed outcome the task serves.")
    agency: ShortText
    assignee_id: UUID | None = Field(
        default=None, description="The assignee's user id, when they have an account."
    )
    assignee_name: ShortText
    description: Text
    due_on: Day
    assigned_on: Day


class StartTask(Command):
    started_on: Day


class NoteProgress(Command):
    noted_on: Day
    note: Text


class CompleteTask(Command):
    completed_on: Day
    evidence: Text = Field(description="What shows the task was done.")


class BlockTask(Command):
    blocked_on: Day
    reason: Text


class UnblockTask(Command):
    unblocked_on: Day
    note: Text = Field(description="What cleared the way.")


class ChangeDueDate(Command):
    due_on: Day
    reason: Text


class ReassignTask(Command):
    agency: ShortText
    assignee_id: UUID | None = None
    assignee_name: ShortText
    reason: Text


class CancelTask(Command):
    cancelled_on: Day
    reason: Text


# --- reading tasks -------------------------------------------------------------------------------


class TaskOut(BaseModel):
    """A task as it stands; `is_overdue` is worked out for today."""

    id: UUID
    version: int
    plan_id: UUID
    outcome_id: UUID
    agency: str
    assignee_id: UUID | None
    assignee_name: str
    description: str
    status: TaskStatus
    assigned_on: date
    due_on: date
    started_on: date | None
    blocked_on: date | None
    completed_on: date | None
    cancelled_on: date | None
    is_overdue: bool

    @classmethod
    def of(cls, task: AgencyTask, today: date) -> TaskOut:
        return cls(
            id=task.id,
            version=task.version,
            plan_id=task.plan_id,
            outcome_id=task.outcome_id,
            agency=task.agency,
            assignee_id=task.assignee_id,
            assignee_name=task.assignee_name,
            description=task.description,
            status=task.status,
            assigned_on=task.assigned_on,
            due_on=task.due_on,
            started_on=task.started_on,
            blocked_on=task.blocked_on,
            completed_on=task.completed_on,
            cancelled_on=task.cancelled_on,
            is_overdue=task.is_overdue(today),
        )


class TaskListingOut(BaseModel):
    """A line of a task list, from the partner task completion view (it may lag a change by a
    moment; the task itself is always current)."""

    task_id: UUID
    plan_id: UUID
    outcome_id: UUID
    agency: str
    assignee_id: UUID | None
    assignee_name: str
    description: str
    status: TaskStatus
    assigned_on: date
    due_on: date
    started_on: date | None
    blocked_on: date | None
    blocked_reason: str | None
    completed_on: date | None
    completed_on_time: bool | None
    cancelled_on: date | None
    last_activity_on: date
    is_overdue: bool

    @classmethod
    def of(cls, row: TaskRow, today: date) -> TaskListingOut:
        return cls(
            task_id=row.task_id,
            plan_id=row.plan_id,
            outcome_id=row.outcome_id,
            agency=row.agency,
            assignee_id=row.assignee_id,
            assignee_name=row.assignee_name,
            description=row.description,
            status=TaskStatus(row.status),
            assigned_on=row.assigned_on,
            due_on=row.due_on,
            started_on=row.started_on,
            blocked_on=row.blocked_on,
            blocked_reason=row.blocked_reason,
            completed_on=row.completed_on,
            completed_on_time=row.completed_on_time,
            cancelled_on=row.cancelled_on,
            last_activity_on=row.last_activity_on,
            is_overdue=row.is_overdue(today),
        )


class TaskList(BaseModel):
    tasks: list[TaskListingOut]

    @classmethod
    def of(cls, rows: list[TaskRow], today: date) -> TaskList:
        return cls(tasks=[TaskListingOut.of(row, today) for row in rows])
