from contextlib import suppress
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

import domain.transcodings
from domain.agency_task import AgencyTask, TaskStatus
from domain.core_group import CoreGroup
from domain.errors import DomainError
from domain.values import Actor
from tests.builders import A_MONDAY, a_practitioner, an_actor

ASSIGNED_ON = A_MONDAY
WORKER = an_actor()
PEOPLE = [a_practitioner(agency) for agency in ("Health Visiting", "School", "Police", "CAMHS")]
CANCEL_AFTER_EVENTS = 6  # a task is dropped after some history, so most runs see one

people = st.sampled_from(PEOPLE)
days = st.integers(min_value=-3, max_value=120).map(lambda n: ASSIGNED_ON + timedelta(days=n))
texts = st.sampled_from(
    ["", " ", "Family away", "Two visits done", "Growth chart shared", "Moved school"]
) | st.text(min_size=1, max_size=12)
agencies = st.sampled_from(["Health Visiting", "School", "Police", "CAMHS", " "])


class RoundTrip(Application[UUID]):
    """Stores streams the way the service does, so what is saved is what comes back."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        domain.transcodings.register_all(transcoder)


def state_of(aggregate: AgencyTask) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def a_core_group(plan_id: UUID, members: list[Actor]) -> CoreGroup:
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


class AgencyTaskRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = RoundTrip(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
        )
        self.saved_events: list[Any] = []
        self.completions: list[bool] = []
        self.closed: tuple[TaskStatus, int] | None = None

    def teardown(self) -> None:
        self.app.close()

    @initialize(
        members=st.lists(people, min_size=1, max_size=3, unique=True),
        due_in_days=st.integers(min_value=0, max_value=60),
    )
    def assign(self, members: list[Actor], due_in_days: int) -> None:
        plan_id = uuid4()
        self.core_group = a_core_group(plan_id, members)
        self.other_plans_core_group = a_core_group(uuid4(), PEOPLE)
        self.task = AgencyTask.assign(
            task_id=uuid4(),
            by=WORKER,
            plan_id=plan_id,
            outcome_id=uuid4(),
            agency=members[0].agency,
            assignee_id=members[0].user_id,
            assignee_name=members[0].name,
            description="Weigh the baby fortnightly.",
            due_on=ASSIGNED_ON + timedelta(days=due_in_days),
            assigned_on=ASSIGNED_ON,
        )

    # --- commands ------------------------------------------------------------------------------

    @rule(person=people, started_on=days)
    def start(self, person: Actor, started_on: date) -> None:
        with suppress(DomainError):
            self.task.start(by=person, started_on=started_on)

    @rule(person=people, noted_on=days, note=texts)
    def note_progress(self, person: Actor, noted_on: date, note: str) -> None:
        with suppress(DomainError):
            self.task.note_progress(by=person, noted_on=noted_on, note=note)

    @rule(person=people, completed_on=days, evidence=texts, own_plan=st.booleans())
    def complete(self, person: Actor, completed_on: date, evidence: str, own_plan: bool) -> None:
        group = self.core_group if own_plan else self.other_plans_core_group
        entitled = group.plan_id == self.task.plan_id and group.is_member(person.user_id)
        version = self.task.version
        with suppress(DomainError):
            self.task.complete(
                by=person, completed_on=completed_on, evidence=evidence, core_group=group
            )
        if self.task.version != version:
            self.completions.append(entitled)

    @rule(person=people, blocked_on=days, reason=texts)
    def block(self, person: Actor, blocked_on: date, reason: str) -> None:
        with suppress(DomainError):
            self.task.block(by=person, blocked_on=blocked_on, reason=reason)

    @rule(person=people, unblocked_on=days, note=texts)
    def unblock(self, person: Actor, unblocked_on: date, note: str) -> None:
        with suppress(DomainError):
            self.task.unblock(by=person, unblocked_on=unblocked_on, note=note)

    @rule(due_on=days, reason=texts)
    def change_due_date(self, due_on: date, reason: str) -> None:
        with suppress(DomainError):
            self.task.change_due_date(by=WORKER, due_on=due_on, reason=reason)

    @rule(person=people, agency=agencies, named=st.booleans(), reason=texts)
    def reassign(self, person: Actor, agency: str, named: bool, reason: str) -> None:
        with suppress(DomainError):
            self.task.reassign(
                by=WORKER,
                agency=agency,
                assignee_id=person.user_id if named else None,
                assignee_name=person.name,
                reason=reason,
            )

    @precondition(lambda self: self.task.version >= CANCEL_AFTER_EVENTS)
    @rule(cancelled_on=days, reason=texts)
    def cancel(self, cancelled_on: date, reason: str) -> None:
        with suppress(DomainError):
            self.task.cancel(by=WORKER, cancelled_on=cancelled_on, reason=reason)

    @rule(person=people, left_on=days)
    def a_member_leaves_the_core_group(self, person: Actor, left_on: date) -> None:
        with suppress(DomainError):
            self.core_group.remove_member(
                by=WORKER, member_id=person.user_id, left_on=left_on, reason="New post"
            )

    # --- rules of practice ---------------------------------------------------------------------

    @invariant()
    def a_closed_task_never_changes(self) -> None:
        if self.closed is not None:
            status, version = self.closed
            assert self.task.status is status
            assert self.task.version == version
        elif not self.task.is_open:
            self.closed = (self.task.status, self.task.version)

    @invariant()
    def a_task_is_completed_only_by_a_member_of_its_plans_core_group(self) -> None:
        assert all(self.completions)
        assert len(self.completions) == int(self.task.status is TaskStatus.COMPLETED)

    @invariant()
    def no_date_falls_before_the_assignment(self) -> None:
        task = self.task
        for day in (task.due_on, task.started_on, task.blocked_on, task.completed_on):
            assert day is None or day >= task.assigned_on
        assert task.cancelled_on is None or task.cancelled_on >= task.assigned_on

    @invariant()
    def the_status_agrees_with_the_dates(self) -> None:
        task = self.task
        assert (task.status is TaskStatus.COMPLETED) == (task.completed_on is not None)
        assert (task.status is TaskStatus.CANCELLED) == (task.cancelled_on is not None)
        if task.status is TaskStatus.IN_PROGRESS:
            assert task.started_on is not None
        if task.status is TaskStatus.BLOCKED:
            assert task.blocked_on is not None

    @invariant()
    def overdue_follows_from_the_due_date_and_today(self) -> None:
        assert not self.task.is_overdue(self.task.due_on)
        assert self.task.is_overdue(self.task.due_on + timedelta(days=1)) == self.task.is_open

    @invariant()
    def replaying_the_events_rebuilds_the_same_state(self) -> None:
        replayed = None
        for event in [*self.saved_events, *self.task.pending_events]:
            replayed = event.mutate(replayed)

        assert replayed is not None
        assert state_of(replayed) == state_of(self.task)

    @invariant()
    def what_is_saved_is_what_comes_back(self) -> None:
        self.saved_events.extend(self.task.pending_events)

        self.app.save(self.task)

        assert self.app.repository.get(self.task.id) == self.task


AgencyTaskRules.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestAgencyTaskRules = AgencyTaskRules.TestCase
