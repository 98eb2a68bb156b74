"""A task the plan gives a partner agency, followed from assignment to done (or cancelled).

The inspectorate found that plans worked where partner agencies conscientiously carried out the
tasks assigned to them, and that social workers lost time chasing whether they had. Each task is
its own stream, so a health visitor and a school updating their tasks at the same moment never
collide, and the lead social worker reads progress instead of chasing it. Whether a task is
overdue is derived from its due date and today, never recorded, so it can never go stale.
"""

from __future__ import annotations

from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.core_group import CoreGroup
from domain.errors import (
    BlankFieldError,
    NotCoreGroupMemberError,
    TaskClosedError,
    TaskDateError,
    TaskStateError,
)
from domain.transcodings import stored_enum
from domain.values import Actor


@stored_enum("TaskStatus")
class TaskStatus(Enum):
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def is_closed(self) -> bool:
        """Done or dropped: the task's record is history and takes no more changes."""
        return self in (TaskStatus.COMPLETED, TaskStatus.CANCELLED)


def _require(text: str, what: str) -> str:
    if not text.strip():
        raise BlankFieldError(f"{what} must be given.")
    return text.strip()


class AgencyTask(Aggregate):
    """One task set under one of a plan's outcomes for a named agency and, where known, a named
    person."""

    class Assigned(Aggregate.Created):
        by: Actor
        plan_id: UUID
        outcome_id: UUID
        agency: str
        assignee_id: UUID | None
        assignee_name: str
        description: str
        due_on: date
        assigned_on: date

    @classmethod
    def assign(
        cls,
        *,
        task_id: UUID,
        by: Actor,
        plan_id: UUID,
        outcome_id: UUID,
        agency: str,
        assignee_id: UUID | None,
        assignee_name: str,
        description: str,
        due_on: date,
        assigned_on: date,
    ) -> AgencyTask:
        """A task serves an outcome for the child and names who will do it and by when, so
        progress can be measured against the outcome rather than the action."""
        if due_on < assigned_on:
            raise TaskDateError(f"A task cannot fall due before it is assigned ({assigned_on}).")
        return cls._create(
            cls.Assigned,
            id=task_id,
            by=by,
            plan_id=plan_id,
            outcome_id=outcome_id,
            agency=_require(agency, "The agency"),
            assignee_id=assignee_id,
            assignee_name=_require(assignee_name, "Who the task is for"),
            description=_require(description, "What the task is"),
            due_on=due_on,
            assigned_on=assigned_on,
        )

    def __init__(
        self,
        plan_id: UUID,
        outcome_id: UUID,
        agency: str,
        assignee_id: UUID | None,
        assignee_name: str,
        description: str,
        due_on: date,
        assigned_on: date,
    ) -> None:
        self.plan_id = plan_id
        self.outcome_id = outcome_id
        self.agency = agency
        self.assignee_id = assignee_id
        self.assignee_name = assignee_name
        self.description = description
        self.due_on = due_on
        self.assigned_on = assigned_on
        self.status = TaskStatus.ASSIGNED
        self.started_on: date | None = None
        self.blocked_on: date | None = None
        self.completed_on: date | None = None
        self.cancelled_on: date | None = None

    # --- reading the task ---------------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return not self.status.is_closed

    def is_overdue(self, today: date) -> bool:
        """Asked of today's date, so drift shows up the day after the due date without anyone
        recording it."""
        return self.is_open and today > self.due_on

    def _require_open(self) -> None:
        if self.status.is_closed:
            raise TaskClosedError(f"Task {self.id} is {self.status.value}.")

    def _require_not_before_assigned(self, day: date, what: str) -> None:
        if day < self.assigned_on:
            raise TaskDateError(
                f"{what} cannot be dated before the task was assigned ({self.assigned_on})."
            )

    # --- working on the task ------------------------------------------------------------------

    class Started(Aggregate.Event):
        by: Actor
        started_on: date

    def start(self, *, by: Actor, started_on: date) -> None:
        """Work begins once; a blocked task is unblocked first, so the record says what
        cleared the way."""
        self._require_open()
        if self.status is not TaskStatus.ASSIGNED:
            raise TaskStateError(f"Task {self.id} is {self.status.value}, not assigned.")
        self._require_not_before_assigned(started_on, "Starting")
        self._started(by=by, started_on=started_on)

    @event(Started)
    def _started(self, by: Actor, started_on: date) -> None:
        self.status = TaskStatus.IN_PROGRESS
        self.started_on = started_on

    class ProgressNoted(Aggregate.Event):
        by: Actor
        noted_on: date
        note: str

    def note_progress(self, *, by: Actor, noted_on: date, note: str) -> None:
        """What the agency has done so far, where the lead social worker can read it instead of
        chasing it."""
        self._require_open()
        self._require_not_before_assigned(noted_on, "A progress note")
        self._progress_noted(by=by, noted_on=noted_on, note=_require(note, "The note"))

    @event(ProgressNoted)
    def _progress_noted(self, by: Actor, noted_on: date, note: str) -> None:
        pass

    class Blocked(Aggregate.Event):
        by: Actor
        blocked_on: date
        reason: str

    def block(self, *, by: Actor, blocked_on: date, reason: str) -> None:
        """A task that cannot go on says why, so the core group can clear the way or escalate."""
        self._require_open()
        if self.status is TaskStatus.BLOCKED:
            raise TaskStateError(f"Task {self.id} is already blocked.")
        self._require_not_before_assigned(blocked_on, "Blocking")
        self._blocked(by=by, blocked_on=blocked_on, reason=_require(reason, "The reason"))

    @event(Blocked)
    def _blocked(self, by: Actor, blocked_on: date, reason: str) -> None:
        self.status = TaskStatus.BLOCKED
        self.blocked_on = blocked_on

    class Unblocked(Aggregate.Event):
        by: Actor
        unblocked_on: date
        note: str

    def unblock(self, *, by: Actor, unblocked_on: date, note: str) -> None:
        """The task goes back to where it was before it was blocked: in progress if work had
        started, otherwise assigned."""
        self._require_open()
        if self.status is not TaskStatus.BLOCKED:
            raise TaskStateError(f"Task {self.id} is {self.status.value}, not blocked.")
        self._require_not_before_assigned(unblocked_on, "Unblocking")
        self._unblocked(by=by, unblocked_on=unblocked_on, note=_require(note, "The note"))

    @event(Unblocked)
    def _unblocked(self, by: Actor, unblocked_on: date, note: str) -> None:
        self.status = TaskStatus.IN_PROGRESS if self.started_on is not None else TaskStatus.ASSIGNED
        self.blocked_on = None

    class Completed(Aggregate.Event):
        by: Actor
        completed_on: date
        evidence: str

    def complete(
        self, *, by: Actor, completed_on: date, evidence: str, core_group: CoreGroup
    ) -> None:
        """Only a member of the plan's core group can say a task is done, with the evidence:
        the group monitors the plan, so it vouches for what was achieved. A blocked task is
        unblocked first."""
        self._require_open()
        if core_group.plan_id != self.plan_id or not core_group.is_member(by.user_id):
            raise NotCoreGroupMemberError(
                f"{by.user_id} is not a member of the core group of plan {self.plan_id}."
            )
        if self.status is TaskStatus.BLOCKED:
            raise TaskStateError(f"Task {self.id} is blocked.")
        self._require_not_before_assigned(completed_on, "Completion")
        self._completed(
            by=by, completed_on=completed_on, evidence=_require(evidence, "The evidence")
        )

    @event(Completed)
    def _completed(self, by: Actor, completed_on: date, evidence: str) -> None:
        self.status = TaskStatus.COMPLETED
        self.completed_on = completed_on

    # --- changing the task --------------------------------------------------------------------

    class DueDateChanged(Aggregate.Event):
        by: Actor
        due_on: date
        reason: str

    def change_due_date(self, *, by: Actor, due_on: date, reason: str) -> None:
        """A new due date says why, so a slipping task is visible as drift, not rewritten."""
        self._require_open()
        if due_on < self.assigned_on:
            raise TaskDateError(
                f"A task cannot fall due before it is assigned ({self.assigned_on})."
            )
        self._due_date_changed(by=by, due_on=due_on, reason=_require(reason, "The reason"))

    @event(DueDateChanged)
    def _due_date_changed(self, by: Actor, due_on: date, reason: str) -> None:
        self.due_on = due_on

    class Reassigned(Aggregate.Event):
        by: Actor
        agency: str
        assignee_id: UUID | None
        assignee_name: str
        reason: str

    def reassign(
        self,
        *,
        by: Actor,
        agency: str,
        assignee_id: UUID | None,
        assignee_name: str,
        reason: str,
    ) -> None:
        """The task moves to another agency or person; the record keeps who had it before."""
        self._require_open()
        self._reassigned(
            by=by,
            agency=_require(agency, "The agency"),
            assignee_id=assignee_id,
            assignee_name=_require(assignee_name, "Who the task is for"),
            reason=_require(reason, "The reason"),
        )

    @event(Reassigned)
    def _reassigned(
        self, by: Actor, agency: str, assignee_id: UUID | None, assignee_name: str, reason: str
    ) -> None:
        self.agency = agency
        self.assignee_id = assignee_id
        self.assignee_name = assignee_name

    class Cancelled(Aggregate.Event):
        by: Actor
        cancelled_on: date
        reason: str

    def cancel(self, *, by: Actor, cancelled_on: date, reason: str) -> None:
        """A task no longer needed is cancelled with a reason, never deleted."""
        self._require_open()
        self._require_not_before_assigned(cancelled_on, "Cancelling")
        self._cancelled(by=by, cancelled_on=cancelled_on, reason=_require(reason, "The reason"))

    @event(Cancelled)
    def _cancelled(self, by: Actor, cancelled_on: date, reason: str) -> None:
        self.status = TaskStatus.CANCELLED
        self.cancelled_on = cancelled_on
