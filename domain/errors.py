"""Named domain errors. Each names the rule it protects, in words safe to show and to log.

Messages never include personal data (names, views, free text): only ids, dates and rule names.
Two families: `InvalidRecordError` when what was submitted breaks a rule whatever the state of the
record (a conference on a Sunday, a score of 11), `StateConflictError` when the record as it stands
forbids it (the plan has ended, the child already has an open plan).
"""

from __future__ import annotations

from typing import ClassVar
from uuid import UUID


class DomainError(Exception):
    """Base of every rule of practice the model enforces."""

    rule: ClassVar[str] = "domain-rule"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidRecordError(DomainError):
    """What was submitted breaks a rule whatever the state of the record."""


class StateConflictError(DomainError):
    """The record as it stands forbids the change."""


class NotFoundError(DomainError):
    """No such record (or none the caller may know about)."""

    rule = "not-found"

    def __init__(self, kind: str, record_id: UUID) -> None:
        super().__init__(f"No {kind} with id {record_id}.")
        self.kind = kind
        self.record_id = record_id


class DuplicateRecordError(StateConflictError):
    """A record with this id already exists (a repeated create)."""

    rule = "record-exists"

    def __init__(self, kind: str, record_id: UUID) -> None:
        super().__init__(f"A {kind} with id {record_id} already exists.")


class ConcurrentChangeError(StateConflictError):
    """Someone else saved a change to the same record first; nothing of this change was saved."""

    rule = "changed-since-opened"


class StaleVersionError(StateConflictError):
    """The caller edited an older version of the record than the one now stored."""

    rule = "stale-version"

    def __init__(self, record_id: UUID, expected: int, actual: int) -> None:
        super().__init__(
            f"Record {record_id} is at version {actual}, not {expected}: "
            "it changed since you opened it."
        )
        self.expected = expected
        self.actual = actual


# --- conferences and plans -------------------------------------------------------------------


class ConferenceOnWeekendError(InvalidRecordError):
    rule = "conference-not-on-weekend"


class StrategyDiscussionAfterIcpcError(InvalidRecordError):
    rule = "strategy-discussion-before-icpc"


class DateBeforePlanStartError(InvalidRecordError):
    rule = "not-before-plan-start"


class ReviewNotAfterPlanStartError(InvalidRecordError):
    rule = "review-after-plan-start"


class ReviewOutOfOrderError(InvalidRecordError):
    rule = "reviews-in-date-order"


class PlanEndsOnStartDateError(InvalidRecordError):
    rule = "plan-end-after-start"


class PlanEndedError(StateConflictError):
    rule = "plan-ended"


class PlanEndWithoutReviewError(StateConflictError):
    rule = "plan-ends-at-review-conference"


class PlanWithoutOutcomesError(StateConflictError):
    rule = "plan-names-outcomes"


class StepDownDateError(InvalidRecordError):
    rule = "step-down-starts-on-end-date"


class StepDownNotPossibleError(InvalidRecordError):
    rule = "step-down-only-when-risk-reduced"


class PlanEndBeforeReviewError(InvalidRecordError):
    rule = "plan-ends-after-last-review"


class PlanAlreadyAgreedError(StateConflictError):
    rule = "plan-agreed-once"


class ScoreOutOfRangeError(InvalidRecordError):
    rule = "score-0-to-10"


class OutcomeNotAgreedError(StateConflictError):
    rule = "only-agreed-outcomes-rated"


class UnknownOutcomeError(InvalidRecordError):
    rule = "outcome-belongs-to-plan"


class BlankFieldError(InvalidRecordError):
    rule = "required-text"


# --- the child -------------------------------------------------------------------------------


class OpenPlanExistsError(StateConflictError):
    rule = "one-open-plan-per-child"


class OverlappingPlanError(StateConflictError):
    rule = "plans-never-overlap"


class NotTheOpenPlanError(StateConflictError):
    rule = "plan-is-the-childs-open-plan"


class ChildInNeedPlanError(StateConflictError):
    rule = "child-in-need-plan-transition"


class ChildIdentityError(InvalidRecordError):
    rule = "child-identity"


# --- core groups and tasks -------------------------------------------------------------------


class CoreGroupClosedError(StateConflictError):
    rule = "core-group-closed"


class CoreGroupDateError(InvalidRecordError):
    rule = "core-group-dates-in-order"


class MeetingIntervalError(InvalidRecordError):
    rule = "meeting-interval-1-to-12-weeks"


class UnknownMeetingError(InvalidRecordError):
    rule = "meeting-belongs-to-core-group"


class DuplicateAttendanceError(InvalidRecordError):
    rule = "attendance-once-per-member"


class TaskDateError(InvalidRecordError):
    rule = "task-dates-not-before-assignment"


# (core group and agency task errors: add new ones just above this line)


class NotCoreGroupMemberError(StateConflictError):
    rule = "core-group-member-only"


class AlreadyMemberError(StateConflictError):
    rule = "member-once"


class TaskClosedError(StateConflictError):
    rule = "task-closed"


class TaskStateError(StateConflictError):
    rule = "task-transition"


class MeetingStateError(StateConflictError):
    rule = "meeting-transition"


# --- escalations -----------------------------------------------------------------------------


class EscalationPolicyError(InvalidRecordError):
    """A stage model that could not be followed: no stages, stages out of order, a clock of
    less than one working day."""

    rule = "escalation-policy-valid"


class UnknownEscalationPolicyError(InvalidRecordError):
    rule = "escalation-policy-known"


class EscalationConcernError(InvalidRecordError):
    """A disagreement is with someone: an agency, a conference decision, or both."""

    rule = "escalation-concerns-agency-or-decision"


class EscalationDateError(InvalidRecordError):
    rule = "escalation-dates-in-order"


class NoActionsAgreedError(InvalidRecordError):
    rule = "actions-agreed-at-least-one"


class ActionDueBeforeAgreementError(InvalidRecordError):
    rule = "action-due-not-before-agreement"


# (escalation errors: add new ones just above this line)


class EscalationClosedError(StateConflictError):
    rule = "escalation-closed"


class LastStageError(StateConflictError):
    rule = "no-stage-past-the-last"
