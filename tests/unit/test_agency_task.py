from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from domain.agency_task import AgencyTask, TaskStatus
from domain.core_group import CoreGroup
from domain.errors import (
    BlankFieldError,
    NotCoreGroupMemberError,
    TaskClosedError,
    TaskDateError,
    TaskStateError,
)
from domain.values import Actor
from tests.builders import A_MONDAY, a_practitioner, an_actor

WORKER = an_actor()
HEALTH_VISITOR = a_practitioner("Health Visiting")
OUTSIDER = a_practitioner("Health Visiting")

ASSIGNED_ON = A_MONDAY
DUE_ON = date(2026, 4, 13)
LATER = date(2026, 3, 20)


def a_core_group(plan_id: UUID, *members: Actor) -> CoreGroup:
    group = CoreGroup.form(core_group_id=uuid4(), by=WORKER, plan_id=plan_id, formed_on=A_MONDAY)
    for person in members:
        group.add_member(
            by=WORKER,
            member_id=person.user_id,
            name=person.name,
            agency=person.agency,
            role_title="Practitioner",
            lead_professional=False,
            joined_on=A_MONDAY,
        )
    return group


def a_task(
    due_on: date = DUE_ON,
    assigned_on: date = ASSIGNED_ON,
    agency: str = "Health Visiting",
    assignee_name: str = "Test health visitor",
    description: str = "Weigh the baby fortnightly and share the growth chart.",
) -> AgencyTask:
    return AgencyTask.assign(
        task_id=uuid4(),
        by=WORKER,
        plan_id=uuid4(),
        outcome_id=uuid4(),
        agency=agency,
        assignee_id=HEALTH_VISITOR.user_id,
        assignee_name=assignee_name,
        description=description,
        due_on=due_on,
        assigned_on=assigned_on,
    )


def its_core_group(task: AgencyTask) -> CoreGroup:
    return a_core_group(task.plan_id, HEALTH_VISITOR, WORKER)


def complete(
    task: AgencyTask,
    by: Actor = HEALTH_VISITOR,
    core_group: CoreGroup | None = None,
    completed_on: date = LATER,
    evidence: str = "Growth chart shared at the core group.",
) -> None:
    task.complete(
        by=by,
        completed_on=completed_on,
        evidence=evidence,
        core_group=core_group or its_core_group(task),
    )


def block(task: AgencyTask, reason: str = "Family not at home for three visits.") -> None:
    task.block(by=HEALTH_VISITOR, blocked_on=LATER, reason=reason)


# --- assigning ---------------------------------------------------------------------------------


def test_a_task_is_assigned_to_an_agency_under_one_of_the_plans_outcomes():
    plan_id, outcome_id = uuid4(), uuid4()

    task = AgencyTask.assign(
        task_id=uuid4(),
        by=WORKER,
        plan_id=plan_id,
        outcome_id=outcome_id,
        agency="School",
        assignee_id=None,
        assignee_name="Designated safeguarding lead",
        description="Report attendance weekly.",
        due_on=DUE_ON,
        assigned_on=ASSIGNED_ON,
    )

    assert (task.plan_id, task.outcome_id, task.agency) == (plan_id, outcome_id, "School")
    assert task.assignee_id is None
    assert task.status is TaskStatus.ASSIGNED
    assert task.is_open


def test_a_task_cannot_fall_due_before_it_is_assigned():
    with pytest.raises(TaskDateError):
        a_task(due_on=ASSIGNED_ON - timedelta(days=1))


def test_a_task_may_fall_due_on_the_day_it_is_assigned():
    task = a_task(due_on=ASSIGNED_ON)

    assert task.due_on == ASSIGNED_ON


@pytest.mark.parametrize("blank", ["agency", "assignee_name", "description"])
def test_a_task_names_its_agency_its_assignee_and_what_is_to_be_done(blank: str):
    with pytest.raises(BlankFieldError):
        a_task(**{blank: " "})


# --- working on it -------------------------------------------------------------------------------


def test_starting_a_task_puts_it_in_progress():
    task = a_task()

    task.start(by=HEALTH_VISITOR, started_on=LATER)

    assert task.status is TaskStatus.IN_PROGRESS
    assert task.started_on == LATER


def test_a_task_is_started_only_once():
    task = a_task()
    task.start(by=HEALTH_VISITOR, started_on=LATER)

    with pytest.raises(TaskStateError):
        task.start(by=HEALTH_VISITOR, started_on=LATER)


def test_a_blocked_task_is_unblocked_before_it_is_started():
    task = a_task()
    block(task)

    with pytest.raises(TaskStateError):
        task.start(by=HEALTH_VISITOR, started_on=LATER)


def test_a_progress_note_says_what_was_done():
    task = a_task()

    with pytest.raises(BlankFieldError):
        task.note_progress(by=HEALTH_VISITOR, noted_on=LATER, note="")


def test_a_progress_note_leaves_the_status_alone():
    task = a_task()
    task.start(by=HEALTH_VISITOR, started_on=LATER)

    task.note_progress(by=HEALTH_VISITOR, noted_on=LATER, note="Two visits done.")

    assert task.status is TaskStatus.IN_PROGRESS


def test_a_blocked_task_says_why():
    task = a_task()

    with pytest.raises(BlankFieldError):
        block(task, reason="  ")


def test_a_blocked_task_cannot_be_blocked_again():
    task = a_task()
    block(task)

    with pytest.raises(TaskStateError):
        block(task)


@pytest.mark.parametrize("started", [False, True])
def test_only_a_blocked_task_can_be_unblocked(started: bool):
    task = a_task()
    if started:
        task.start(by=HEALTH_VISITOR, started_on=LATER)

    with pytest.raises(TaskStateError):
        task.unblock(by=HEALTH_VISITOR, unblocked_on=LATER, note="Family back home.")


def test_unblocking_needs_a_note_of_what_cleared_the_way():
    task = a_task()
    block(task)

    with pytest.raises(BlankFieldError):
        task.unblock(by=HEALTH_VISITOR, unblocked_on=LATER, note="")


@pytest.mark.parametrize(
    ("started", "back_to"), [(False, TaskStatus.ASSIGNED), (True, TaskStatus.IN_PROGRESS)]
)
def test_unblocking_returns_the_task_to_where_it_was(started: bool, back_to: TaskStatus):
    task = a_task()
    if started:
        task.start(by=HEALTH_VISITOR, started_on=LATER)
    block(task)

    task.unblock(by=HEALTH_VISITOR, unblocked_on=LATER, note="Family back home.")

    assert task.status is back_to
    assert task.blocked_on is None


# --- completing it -------------------------------------------------------------------------------


def test_a_task_can_only_be_completed_by_a_member_of_the_plans_core_group():
    task = a_task()
    core_group = its_core_group(task)

    with pytest.raises(NotCoreGroupMemberError):
        complete(task, by=OUTSIDER, core_group=core_group)

    assert task.status is TaskStatus.ASSIGNED


def test_a_core_group_member_completes_a_task_with_evidence():
    task = a_task()

    complete(task, by=HEALTH_VISITOR, core_group=its_core_group(task))

    assert task.status is TaskStatus.COMPLETED
    assert task.completed_on == LATER


def test_a_member_of_another_plans_core_group_cannot_complete_the_task():
    task = a_task()
    other_plans_group = a_core_group(uuid4(), HEALTH_VISITOR)

    with pytest.raises(NotCoreGroupMemberError):
        complete(task, by=HEALTH_VISITOR, core_group=other_plans_group)

    assert task.status is TaskStatus.ASSIGNED


def test_a_former_core_group_member_cannot_complete_the_task():
    task = a_task()
    core_group = its_core_group(task)
    core_group.remove_member(
        by=WORKER, member_id=HEALTH_VISITOR.user_id, left_on=A_MONDAY, reason="New post"
    )

    with pytest.raises(NotCoreGroupMemberError):
        complete(task, by=HEALTH_VISITOR, core_group=core_group)


def test_completing_a_task_needs_evidence():
    task = a_task()

    with pytest.raises(BlankFieldError):
        complete(task, evidence=" ")


def test_a_task_cannot_be_completed_before_it_was_assigned():
    task = a_task()

    with pytest.raises(TaskDateError):
        complete(task, completed_on=ASSIGNED_ON - timedelta(days=1))


def test_a_task_can_be_completed_without_a_recorded_start():
    task = a_task()

    complete(task)

    assert task.status is TaskStatus.COMPLETED


def test_a_blocked_task_is_unblocked_before_it_is_completed():
    task = a_task()
    block(task)

    with pytest.raises(TaskStateError):
        complete(task)


# --- changing it ---------------------------------------------------------------------------------


def test_a_new_due_date_is_recorded_with_its_reason():
    task = a_task()

    task.change_due_date(by=WORKER, due_on=date(2026, 5, 1), reason="Clinic closed in April.")

    assert task.due_on == date(2026, 5, 1)


def test_a_new_due_date_needs_a_reason():
    task = a_task()

    with pytest.raises(BlankFieldError):
        task.change_due_date(by=WORKER, due_on=date(2026, 5, 1), reason="")


def test_a_new_due_date_cannot_fall_before_the_assignment():
    task = a_task()

    with pytest.raises(TaskDateError):
        task.change_due_date(by=WORKER, due_on=ASSIGNED_ON - timedelta(days=1), reason="Typo")


def test_reassigning_moves_the_task_to_another_agency_and_person():
    task = a_task()

    task.reassign(
        by=WORKER,
        agency="Family Support",
        assignee_id=None,
        assignee_name="Family support worker",
        reason="Health visitor on long-term leave.",
    )

    assert (task.agency, task.assignee_id, task.assignee_name) == (
        "Family Support",
        None,
        "Family support worker",
    )


@pytest.mark.parametrize("blank", ["agency", "assignee_name", "reason"])
def test_a_reassignment_names_the_new_agency_and_person_and_why(blank: str):
    task = a_task()
    details = {"agency": "School", "assignee_name": "Teacher", "reason": "Moved school"}
    details[blank] = ""

    with pytest.raises(BlankFieldError):
        task.reassign(by=WORKER, assignee_id=None, **details)


def test_a_cancellation_needs_a_reason():
    task = a_task()

    with pytest.raises(BlankFieldError):
        task.cancel(by=WORKER, cancelled_on=LATER, reason=" ")


def test_a_cancelled_task_is_closed():
    task = a_task()

    task.cancel(by=WORKER, cancelled_on=LATER, reason="Outcome withdrawn at review.")

    assert task.status is TaskStatus.CANCELLED
    assert not task.is_open


BEFORE_ASSIGNMENT = ASSIGNED_ON - timedelta(days=1)
DATED_CHANGES: dict[str, Callable[[AgencyTask], object]] = {
    "start": lambda t: t.start(by=HEALTH_VISITOR, started_on=BEFORE_ASSIGNMENT),
    "note progress": lambda t: t.note_progress(
        by=HEALTH_VISITOR, noted_on=BEFORE_ASSIGNMENT, note="Visit"
    ),
    "block": lambda t: t.block(by=HEALTH_VISITOR, blocked_on=BEFORE_ASSIGNMENT, reason="Away"),
    "cancel": lambda t: t.cancel(by=WORKER, cancelled_on=BEFORE_ASSIGNMENT, reason="Dropped"),
}


@pytest.mark.parametrize("change", DATED_CHANGES.values(), ids=DATED_CHANGES.keys())
def test_nothing_happens_to_a_task_before_it_was_assigned(change: Callable[[AgencyTask], object]):
    task = a_task()

    with pytest.raises(TaskDateError):
        change(task)


# --- closed tasks ------------------------------------------------------------------------------

CHANGES: dict[str, Callable[[AgencyTask], object]] = {
    "start": lambda t: t.start(by=HEALTH_VISITOR, started_on=LATER),
    "note progress": lambda t: t.note_progress(by=HEALTH_VISITOR, noted_on=LATER, note="Visit"),
    "complete": lambda t: complete(t),
    "block": lambda t: block(t),
    "unblock": lambda t: t.unblock(by=HEALTH_VISITOR, unblocked_on=LATER, note="Back"),
    "change the due date": lambda t: t.change_due_date(by=WORKER, due_on=DUE_ON, reason="Later"),
    "reassign": lambda t: t.reassign(
        by=WORKER, agency="School", assignee_id=None, assignee_name="Teacher", reason="Moved"
    ),
    "cancel": lambda t: t.cancel(by=WORKER, cancelled_on=LATER, reason="Dropped"),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_completed_task_refuses_further_changes(change: Callable[[AgencyTask], object]):
    task = a_task()
    complete(task)
    version = task.version

    with pytest.raises(TaskClosedError):
        change(task)

    assert task.version == version
    assert task.status is TaskStatus.COMPLETED


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_cancelled_task_refuses_further_changes(change: Callable[[AgencyTask], object]):
    task = a_task()
    task.cancel(by=WORKER, cancelled_on=LATER, reason="Outcome withdrawn.")
    version = task.version

    with pytest.raises(TaskClosedError):
        change(task)

    assert task.version == version
    assert task.status is TaskStatus.CANCELLED


# --- drift -------------------------------------------------------------------------------------


def test_overdue_is_derived_from_the_due_date_not_recorded():
    task = a_task(due_on=DUE_ON)

    on_the_day = task.is_overdue(DUE_ON)
    the_day_after = task.is_overdue(DUE_ON + timedelta(days=1))

    assert not on_the_day
    assert the_day_after
    assert not any("overdue" in name for e in task.pending_events for name in vars(e))
    assert not any("overdue" in name for name in vars(task))


def test_a_blocked_task_past_its_due_date_is_still_overdue():
    task = a_task(due_on=DUE_ON)

    block(task)

    assert task.is_overdue(DUE_ON + timedelta(days=1))


def test_a_new_due_date_clears_the_overdue_flag():
    task = a_task(due_on=DUE_ON)

    task.change_due_date(by=WORKER, due_on=DUE_ON + timedelta(days=14), reason="Clinic closed.")

    assert not task.is_overdue(DUE_ON + timedelta(days=1))


@pytest.mark.parametrize("close", [lambda t: complete(t), CHANGES["cancel"]], ids=["done", "off"])
def test_a_closed_task_is_never_overdue(close: Callable[[AgencyTask], object]):
    task = a_task(due_on=DUE_ON)

    close(task)

    assert not task.is_overdue(DUE_ON + timedelta(days=365))


# --- what errors say ---------------------------------------------------------------------------


def test_errors_name_ids_and_rules_never_people_or_what_they_wrote():
    task = a_task(assignee_name="Test health visitor")
    block(task, reason="Mother refused entry.")

    with pytest.raises(NotCoreGroupMemberError) as outsider:
        complete(task, by=OUTSIDER)
    with pytest.raises(TaskStateError) as blocked:
        complete(task)

    for error in (outsider.value, blocked.value):
        for personal in (OUTSIDER.name, "Test health visitor", "Mother refused entry."):
            assert personal not in error.detail
