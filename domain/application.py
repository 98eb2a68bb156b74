"""The service layer: load the streams a command touches, let the aggregates decide, save once.

One `Application` holds every stream of the case record (children, plans, core groups, agency
tasks, escalations) so that a command touching several of them is one atomic save: starting a plan
writes the child's record, the plan and its core group together, and the rule "one open plan per
child" holds because the child's stream version is checked in that same transaction.

Every command returns `Saved`: the notification position to wait for before reading projections
(read-your-writes) and the new version of the stream it changed (for ETags).

Concurrency: a command given the version its caller saw (`expected_version`) fails with
`StaleVersionError` if the stream has moved on, and with `ConcurrentChangeError` if another save
lands between load and save; the caller decides. A command without one is re-run against the
fresh state a few times (its rules checked again each time), so nothing is lost and no rule is
bypassed.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, ClassVar, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder
from eventsourcing.utils import EnvType

from domain.agency_task import AgencyTask
from domain.child import Child, ChildDetails
from domain.core_group import Attendance, CoreGroup
from domain.errors import (
    ConcurrentChangeError,
    DuplicateRecordError,
    NotFoundError,
    StaleVersionError,
)
from domain.escalation import Escalation, EscalationKind, EscalationSubject
from domain.escalation_policy import PRESETS, EscalationPolicy
from domain.plan import (
    ChildProtectionPlan,
    ConferenceDecision,
    PlanEndReason,
    RatingOccasion,
    ReviewDecision,
)
from domain.transcodings import register_all
from domain.values import Actor, CategoryOfAbuse, Dissent, ParentalEngagement

A = TypeVar("A", bound=Aggregate)

RETRIES_ON_CONFLICT = 5

_KIND_NAMES: dict[type[Aggregate], str] = {
    Child: "child",
    ChildProtectionPlan: "plan",
    CoreGroup: "core group",
    AgencyTask: "agency task",
    Escalation: "escalation",
}


_COORDINATED: dict[type[Aggregate], tuple[type[Any], ...]] = {
    ChildProtectionPlan: (
        ChildProtectionPlan.Ended,
        ChildProtectionPlan.AgencyTaskSet,
        ChildProtectionPlan.ReviewConferenceHeld,
    ),
    CoreGroup: (CoreGroup.Closed,),
    Child: (Child.ProtectionPlanOpened, Child.ProtectionPlanClosed),
}
"""Events that must be saved with other streams (the plan's ending closes the child's record and
the core group; a task set on the plan creates the task; a review conference that decides to end
the plan ends it in the same save): the single-stream `change_*` methods refuse them, so no
caller can write half of such a change."""


@dataclass(frozen=True)
class Saved:
    """What a command left behind: where it sits in the log, and the stream's new version."""

    position: int
    version: int


@dataclass(frozen=True)
class OutcomeRating:
    """One outcome rated at a meeting or conference."""

    outcome_id: UUID
    score: int
    evidence: str


@dataclass(frozen=True)
class PlanEnding:
    """How a plan ends: on which day, and whether a child in need plan takes over that day."""

    ended_on: date
    reason: PlanEndReason
    step_down_to_child_in_need: bool = False
    dissent: tuple[Dissent, ...] = ()


def _replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """The library's projector less its per-event runtime protocol check, which cost a third of
    the time of loading a plan (every stored event here is an aggregate event)."""
    for domain_event in events:
        aggregate = domain_event.mutate(aggregate)
    return aggregate


class CaseRecord(Application[UUID]):
    """Every stream of the child protection record, and the commands practitioners run on it."""

    name = "CaseRecord"
    snapshotting_intervals: ClassVar[dict[type[Aggregate], int]] = {  # type: ignore[assignment]
        ChildProtectionPlan: 50,
        CoreGroup: 50,
        AgencyTask: 50,
        Escalation: 50,
        Child: 50,
    }

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        escalation_policy: EscalationPolicy | None = None,
        core_group_interval_weeks: int = 6,
    ) -> None:
        super().__init__(env)
        self.escalation_policy = escalation_policy or PRESETS["london"]
        self.core_group_interval_weeks = core_group_interval_weeks

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        register_all(transcoder)

    # --- loading and saving -------------------------------------------------------------------

    def load(
        self, cls: type[A], record_id: UUID, version: int | None = None, *, copy: bool = True
    ) -> A:
        """The stream as it stands (or stood at `version`), or `NotFoundError`. `copy=False`
        may return the cached object itself: only for reading, never to change."""
        try:
            aggregate = self.repository.get(
                record_id, version=version, projector_func=_replay, deepcopy_from_cache=copy
            )
        except AggregateNotFoundError:
            raise NotFoundError(_KIND_NAMES[cls], record_id) from None
        if not isinstance(aggregate, cls):
            raise NotFoundError(_KIND_NAMES[cls], record_id)
        return aggregate

    def _save(self, *aggregates: Aggregate) -> int:
        recordings = self.save(*aggregates)
        if not recordings:
            return self.recorder.max_notification_id() or 0
        return recordings[-1].notification.id

    def _run(
        self, command: Callable[[], Sequence[Aggregate]], expected_version: int | None
    ) -> Saved:
        """Run `command` (load, decide) and save what it returns atomically. The first aggregate
        returned is the one whose new version is reported."""
        attempts = 1 if expected_version is not None else RETRIES_ON_CONFLICT
        for attempt in range(attempts):
            aggregates = command()
            try:
                position = self._save(*aggregates)
            except IntegrityError:
                if attempt + 1 == attempts:
                    raise ConcurrentChangeError(
                        "Someone else changed this record at the same moment; nothing was saved."
                    ) from None
                continue
            return Saved(position=position, version=aggregates[0].version)
        raise AssertionError("unreachable")  # pragma: no cover

    def _require_new(self, cls: type[Aggregate], record_id: UUID) -> None:
        if record_id in self.repository:
            raise DuplicateRecordError(_KIND_NAMES[cls], record_id)

    def _load_expecting(self, cls: type[A], record_id: UUID, expected_version: int | None) -> A:
        aggregate = self.load(cls, record_id)
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersionError(record_id, expected_version, aggregate.version)
        return aggregate

    def _change(
        self,
        cls: type[A],
        record_id: UUID,
        action: Callable[[A], Any],
        expected_version: int | None,
        read: A | None = None,
    ) -> Saved:
        starting_from = [read] if read is not None else []

        def command() -> Sequence[Aggregate]:
            if starting_from:
                # The first attempt starts from the stream as the caller has just read it (for
                # its access check) rather than reading it again; saving from a version that
                # is no longer the latest fails, as from any stale read.
                aggregate = copy.deepcopy(starting_from.pop())
                if expected_version is not None and aggregate.version != expected_version:
                    raise StaleVersionError(record_id, expected_version, aggregate.version)
            else:
                aggregate = self._load_expecting(cls, record_id, expected_version)
            action(aggregate)
            coordinated = _COORDINATED.get(cls, ())
            if any(isinstance(e, coordinated) for e in aggregate.pending_events):
                raise TypeError(
                    f"{cls.__name__} change touches other streams: use its own service command"
                )
            return (aggregate,)

        return self._run(command, expected_version)

    # --- single-stream changes ----------------------------------------------------------------

    def change_child(
        self, child_id: UUID, action: Callable[[Child], Any], expected_version: int | None = None
    ) -> Saved:
        return self._change(Child, child_id, action, expected_version)

    def change_plan(
        self,
        plan_id: UUID,
        action: Callable[[ChildProtectionPlan], Any],
        expected_version: int | None = None,
        *,
        read: ChildProtectionPlan | None = None,
    ) -> Saved:
        """Any change confined to the plan's own stream (outcomes, ratings, visits, views,
        engagement, letters of concern, oversight, agreeing the plan). `read`: the plan as the
        caller read it a moment ago (never changed by the command, which works on a copy)."""
        if read is not None and read.id != plan_id:
            raise ValueError("read is another plan")
        return self._change(ChildProtectionPlan, plan_id, action, expected_version, read)

    def change_core_group(
        self,
        core_group_id: UUID,
        action: Callable[[CoreGroup], Any],
        expected_version: int | None = None,
    ) -> Saved:
        return self._change(CoreGroup, core_group_id, action, expected_version)

    def change_task(
        self,
        task_id: UUID,
        action: Callable[[AgencyTask], Any],
        expected_version: int | None = None,
    ) -> Saved:
        """Start, progress, block, unblock, re-date, reassign or cancel a task. Completing one
        needs the core group: see `complete_task`."""
        return self._change(AgencyTask, task_id, action, expected_version)

    def change_escalation(
        self,
        escalation_id: UUID,
        action: Callable[[Escalation], Any],
        expected_version: int | None = None,
    ) -> Saved:
        return self._change(Escalation, escalation_id, action, expected_version)

    # --- the child ----------------------------------------------------------------------------

    def register_child(self, *, child_id: UUID, by: Actor, details: ChildDetails) -> Saved:
        self._require_new(Child, child_id)
        return self._run(lambda: (Child.register(child_id=child_id, by=by, details=details),), None)

    # --- starting and ending a plan -----------------------------------------------------------

    def start_plan(
        self,
        *,
        plan_id: UUID,
        core_group_id: UUID,
        by: Actor,
        child_id: UUID,
        icpc_on: date,
        strategy_discussion_on: date | None,
        category: CategoryOfAbuse,
        decision: ConferenceDecision,
        lead_social_worker_id: UUID,
        lead_social_worker_name: str,
        team: str,
    ) -> Saved:
        """Key decision point 1, recorded at the initial conference: the child's record, the plan
        and its core group are written together, so two conferences cannot both open a plan."""

        self._require_new(ChildProtectionPlan, plan_id)
        self._require_new(CoreGroup, core_group_id)

        def command() -> Sequence[Aggregate]:
            child = self.load(Child, child_id)
            child.open_protection_plan_on(by=by, plan_id=plan_id, start_on=icpc_on)
            plan = ChildProtectionPlan.start(
                plan_id=plan_id,
                by=by,
                child_id=child_id,
                core_group_id=core_group_id,
                icpc_on=icpc_on,
                strategy_discussion_on=strategy_discussion_on,
                category=category,
                decision=decision,
                lead_social_worker_id=lead_social_worker_id,
                lead_social_worker_name=lead_social_worker_name,
                team=team,
            )
            core_group = CoreGroup.form(
                core_group_id=core_group_id,
                by=by,
                plan_id=plan_id,
                formed_on=icpc_on,
                meeting_interval_weeks=self.core_group_interval_weeks,
            )
            return plan, child, core_group

        return self._run(command, None)

    def hold_review_conference(
        self,
        *,
        plan_id: UUID,
        core_group_id: UUID,
        by: Actor,
        held_on: date,
        decision: ReviewDecision,
        category: CategoryOfAbuse,
        conference: ConferenceDecision,
        ratings: Sequence[OutcomeRating] = (),
        parental_engagement: ParentalEngagement | None = None,
        step_down_to_child_in_need: bool = True,
        expected_version: int | None = None,
    ) -> Saved:
        """A review conference, with the ratings taken there and the parents' engagement. When it
        decides the child is no longer at continuing risk, the plan ends that day (key decision
        point 3), the child's record closes the plan (and opens any step-down child in need
        plan) and the core group closes: all in one save."""

        def command() -> Sequence[Aggregate]:
            plan = self._load_expecting(ChildProtectionPlan, plan_id, expected_version)
            plan.hold_review_conference(
                by=by, held_on=held_on, decision=decision, category=category, conference=conference
            )
            for rating in ratings:
                plan.rate_outcome_progress(
                    by=by,
                    outcome_id=rating.outcome_id,
                    score=rating.score,
                    evidence=rating.evidence,
                    rated_on=held_on,
                    occasion=RatingOccasion.REVIEW_CONFERENCE,
                )
            if parental_engagement is not None:
                plan.record_parental_engagement(
                    by=by,
                    recorded_on=held_on,
                    engagement=parental_engagement,
                    occasion=RatingOccasion.REVIEW_CONFERENCE,
                )
            if decision is ReviewDecision.CONTINUE:
                return (plan,)
            ending = PlanEnding(
                ended_on=held_on,
                reason=PlanEndReason.NO_LONGER_AT_CONTINUING_RISK,
                step_down_to_child_in_need=step_down_to_child_in_need,
                dissent=tuple(conference.dissent),
            )
            return self._end(plan, core_group_id, by, ending)

        return self._run(command, expected_version)

    def end_plan(
        self,
        *,
        plan_id: UUID,
        core_group_id: UUID,
        by: Actor,
        ending: PlanEnding,
        expected_version: int | None = None,
    ) -> Saved:
        """End a plan administratively (moved, turned 18, died, left the UK). Ending for no
        longer being at continuing risk goes through `hold_review_conference`."""

        def command() -> Sequence[Aggregate]:
            plan = self._load_expecting(ChildProtectionPlan, plan_id, expected_version)
            return self._end(plan, core_group_id, by, ending)

        return self._run(command, expected_version)

    def _end(
        self, plan: ChildProtectionPlan, core_group_id: UUID, by: Actor, ending: PlanEnding
    ) -> Sequence[Aggregate]:
        child = self.load(Child, plan.child_id)
        core_group = self.load(CoreGroup, core_group_id)
        if core_group.plan_id != plan.id:
            raise NotFoundError("core group", core_group_id)
        step_down = ending.step_down_to_child_in_need
        plan.end(
            by=by,
            ended_on=ending.ended_on,
            reason=ending.reason,
            child_in_need_plan_starts_on=ending.ended_on if step_down else None,
            dissent=ending.dissent,
        )
        child.close_protection_plan(
            by=by, plan_id=plan.id, end_on=ending.ended_on, step_down=step_down
        )
        core_group.close(by=by, closed_on=ending.ended_on)
        return plan, child, core_group

    # --- core group meetings ------------------------------------------------------------------

    def record_core_group_meeting(
        self,
        *,
        core_group_id: UUID,
        meeting_id: UUID,
        by: Actor,
        held_on: date,
        attendance: tuple[Attendance, ...],
        summary: str,
        parental_engagement: ParentalEngagement,
        ratings: Sequence[OutcomeRating] = (),
        expected_version: int | None = None,
    ) -> Saved:
        """A core group meeting with its attendance, the parents' engagement and the ratings of
        the plan's outcomes taken there, saved with the plan in one transaction."""

        def command() -> Sequence[Aggregate]:
            core_group = self._load_expecting(CoreGroup, core_group_id, expected_version)
            plan = self.load(ChildProtectionPlan, core_group.plan_id)
            core_group.record_meeting_held(
                by=by,
                meeting_id=meeting_id,
                held_on=held_on,
                attendance=attendance,
                summary=summary,
                parental_engagement=parental_engagement,
                outcomes_rated=tuple(r.outcome_id for r in ratings),
            )
            plan.record_parental_engagement(
                by=by,
                recorded_on=held_on,
                engagement=parental_engagement,
                occasion=RatingOccasion.CORE_GROUP_MEETING,
                occasion_id=meeting_id,
            )
            for rating in ratings:
                plan.rate_outcome_progress(
                    by=by,
                    outcome_id=rating.outcome_id,
                    score=rating.score,
                    evidence=rating.evidence,
                    rated_on=held_on,
                    occasion=RatingOccasion.CORE_GROUP_MEETING,
                    occasion_id=meeting_id,
                )
            return core_group, plan

        return self._run(command, expected_version)

    # --- agency tasks -------------------------------------------------------------------------

    def assign_task(
        self,
        *,
        task_id: UUID,
        plan_id: UUID,
        by: Actor,
        outcome_id: UUID,
        agency: str,
        assignee_id: UUID | None,
        assignee_name: str,
        description: str,
        due_on: date,
        assigned_on: date,
    ) -> Saved:
        """A task is set under one of the plan's agreed outcomes, for a named agency and person.
        The plan records it too, so no task can be added to a plan that has ended."""

        self._require_new(AgencyTask, task_id)

        def command() -> Sequence[Aggregate]:
            plan = self.load(ChildProtectionPlan, plan_id)
            plan.set_agency_task(by=by, task_id=task_id, outcome_id=outcome_id, agency=agency)
            task = AgencyTask.assign(
                task_id=task_id,
                by=by,
                plan_id=plan_id,
                outcome_id=outcome_id,
                agency=agency,
                assignee_id=assignee_id,
                assignee_name=assignee_name,
                description=description,
                due_on=due_on,
                assigned_on=assigned_on,
            )
            return task, plan

        return self._run(command, None)

    def complete_task(
        self,
        *,
        task_id: UUID,
        core_group_id: UUID,
        by: Actor,
        completed_on: date,
        evidence: str,
        expected_version: int | None = None,
    ) -> Saved:
        """Only a member of the plan's core group can say a task is done."""

        def command() -> Sequence[Aggregate]:
            task = self._load_expecting(AgencyTask, task_id, expected_version)
            core_group = self.load(CoreGroup, core_group_id)
            task.complete(
                by=by, completed_on=completed_on, evidence=evidence, core_group=core_group
            )
            return (task,)

        return self._run(command, expected_version)

    # --- escalations --------------------------------------------------------------------------

    def raise_escalation(
        self,
        *,
        escalation_id: UUID,
        plan_id: UUID,
        by: Actor,
        raised_on: date,
        kind: EscalationKind,
        concerning_agency: str | None,
        concerning_conference_decision: bool,
        subject: EscalationSubject,
        description: str,
    ) -> Saved:
        """A professional disagreement (or a chair's challenge) about a plan, on the stage model
        configured now; the policy travels with the escalation so its clocks never change
        retrospectively."""

        self._require_new(Escalation, escalation_id)

        def command() -> Sequence[Aggregate]:
            self.load(ChildProtectionPlan, plan_id)
            return (
                Escalation.raise_disagreement(
                    escalation_id=escalation_id,
                    by=by,
                    plan_id=plan_id,
                    raised_on=raised_on,
                    kind=kind,
                    concerning_agency=concerning_agency,
                    concerning_conference_decision=concerning_conference_decision,
                    subject=subject,
                    description=description,
                    policy=self.escalation_policy,
                ),
            )

        return self._run(command, None)
