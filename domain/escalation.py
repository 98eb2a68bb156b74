"""A professional disagreement about one child's plan, worked up the partnership's stages.

The inspectorate found that plans succeeded where disagreements were resolved early through a
clear escalation policy. A disagreement between agencies, and a conference chair's challenge
(practice alert), run the same track: stage by stage, each with its own clock, each contact and
agreed action recorded, until it is resolved (with the outcome and what was learnt) or withdrawn.

Each escalation has its own stream so that raising one never contends with the plan's conference
record. The policy it was raised under travels in its first event: the stage clocks of a running
disagreement are the ones the practitioners were told when it started, whatever the partnership's
configuration says later.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    ActionDueBeforeAgreementError,
    BlankFieldError,
    EscalationClosedError,
    EscalationConcernError,
    EscalationDateError,
    LastStageError,
    NoActionsAgreedError,
)
from domain.escalation_policy import EscalationPolicy
from domain.transcodings import stored_enum, stored_value
from domain.values import Actor


@stored_enum("EscalationKind")
class EscalationKind(Enum):
    """Who started it: practitioners who disagree, or a conference chair challenging practice."""

    PROFESSIONAL_DISAGREEMENT = "professional_disagreement"
    PRACTICE_ALERT = "practice_alert"


@stored_enum("EscalationSubject")
class EscalationSubject(Enum):
    """What the disagreement is about: the themes team managers and the partnership look across."""

    THRESHOLD = "threshold"
    PLAN_IMPLEMENTATION = "plan_implementation"
    TASK_NOT_DONE = "task_not_done"
    INFORMATION_SHARING = "information_sharing"
    ENDING_THE_PLAN = "ending_the_plan"
    DRIFT = "drift"
    OTHER = "other"


@stored_enum("EscalationStatus")
class EscalationStatus(Enum):
    OPEN = "open"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"


@stored_value("AgreedAction")
@dataclass(frozen=True)
class AgreedAction:
    """Something one agency has agreed to do to settle the disagreement, and by when."""

    description: str
    owner_agency: str
    due_on: date


def _require(text: str, what: str) -> str:
    if not text.strip():
        raise BlankFieldError(f"{what} must be given.")
    return text.strip()


class Escalation(Aggregate):
    """One disagreement (or practice alert) about one plan, from raising to resolution."""

    class Raised(Aggregate.Created):
        by: Actor
        plan_id: UUID
        raised_on: date
        kind: EscalationKind
        concerning_agency: str | None
        concerning_conference_decision: bool
        subject: EscalationSubject
        description: str
        policy: EscalationPolicy
        stage_due_on: date | None

    @classmethod
    def raise_disagreement(
        cls,
        *,
        escalation_id: UUID,
        by: Actor,
        plan_id: UUID,
        raised_on: date,
        kind: EscalationKind,
        concerning_agency: str | None,
        concerning_conference_decision: bool,
        subject: EscalationSubject,
        description: str,
        policy: EscalationPolicy,
    ) -> Escalation:
        """Starts stage 1 on the day it is raised. `by` says who raised it, with their role and
        agency.

        A disagreement is with someone: an agency, a conference decision, or both at once (a
        decision to end the plan that one agency recommended, say). At least one must be named;
        a blank agency counts as none.
        """
        agency = concerning_agency.strip() if concerning_agency is not None else ""
        if not agency and not concerning_conference_decision:
            raise EscalationConcernError(
                "An escalation concerns an agency, a conference decision, or both."
            )
        return cls._create(
            cls.Raised,
            id=escalation_id,
            by=by,
            plan_id=plan_id,
            raised_on=raised_on,
            kind=kind,
            concerning_agency=agency or None,
            concerning_conference_decision=concerning_conference_decision,
            subject=subject,
            description=_require(description, "What the disagreement is about"),
            policy=policy,
            stage_due_on=policy.stage_due_on(1, raised_on),
        )

    def __init__(
        self,
        by: Actor,
        plan_id: UUID,
        raised_on: date,
        kind: EscalationKind,
        concerning_agency: str | None,
        concerning_conference_decision: bool,
        subject: EscalationSubject,
        policy: EscalationPolicy,
        stage_due_on: date | None,
    ) -> None:
        self.raised_by = by
        self.plan_id = plan_id
        self.raised_on = raised_on
        self.kind = kind
        self.concerning_agency = concerning_agency
        self.concerning_conference_decision = concerning_conference_decision
        self.subject = subject
        self.policy = policy
        self.stage = 1
        self.stage_started_on = raised_on
        self.stage_due_on = stage_due_on
        self.status = EscalationStatus.OPEN
        self.closed_on: date | None = None
        self.contacts_recorded = 0
        self.agreed_actions: list[AgreedAction] = []

    # --- reading the escalation ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.status is EscalationStatus.OPEN

    @property
    def stage_name(self) -> str:
        """In the words of the policy it was raised under, not of today's configuration."""
        return self.policy.stage(self.stage).name

    def is_stage_overdue(self, today: date) -> bool:
        """Overdue only after the due date has passed; a stage that runs as convened, and a
        closed escalation, never are."""
        return self.is_open and self.stage_due_on is not None and today > self.stage_due_on

    def days_open(self, today: date) -> int:
        """Calendar days from raising to closure (the time to resolution), or to `today` while
        still open."""
        end = today if self.closed_on is None else self.closed_on
        return max(0, (end - self.raised_on).days)

    def _require_open(self) -> None:
        if not self.is_open:
            raise EscalationClosedError(
                f"Escalation {self.id} was {self.status.value} on {self.closed_on}."
            )

    def _require_not_before(self, day: date, earliest: date, what: str) -> None:
        if day < earliest:
            raise EscalationDateError(f"{what} ({day}) cannot be before {earliest}.")

    # --- working the disagreement through -----------------------------------------------------

    class ContactRecorded(Aggregate.Event):
        by: Actor
        contacted_on: date
        contact_name: str
        contact_agency: str
        summary: str

    def record_contact(
        self,
        *,
        by: Actor,
        contacted_on: date,
        contact_name: str,
        contact_agency: str,
        summary: str,
    ) -> None:
        """Each conversation with the other side, so the record shows the disagreement was
        actually taken up at each stage. May be recorded late, so it need only follow the
        raising, not the current stage's start."""
        self._require_open()
        self._require_not_before(contacted_on, self.raised_on, "A contact")
        self._contact_recorded(
            by=by,
            contacted_on=contacted_on,
            contact_name=_require(contact_name, "Who was contacted"),
            contact_agency=_require(contact_agency, "The contact's agency"),
            summary=_require(summary, "What was discussed"),
        )

    @event(ContactRecorded)
    def _contact_recorded(
        self,
        by: Actor,
        contacted_on: date,
        contact_name: str,
        contact_agency: str,
        summary: str,
    ) -> None:
        self.contacts_recorded += 1

    class ActionsAgreed(Aggregate.Event):
        by: Actor
        agreed_on: date
        actions: tuple[AgreedAction, ...]

    def agree_actions(
        self, *, by: Actor, agreed_on: date, actions: tuple[AgreedAction, ...]
    ) -> None:
        """An action plan between the agencies (Lincolnshire asks for one within two working
        days at stage 1). Each action names the agency that owns it and a due date that cannot
        precede the agreement."""
        self._require_open()
        self._require_not_before(agreed_on, self.raised_on, "An agreement")
        if not actions:
            raise NoActionsAgreedError("An agreement names at least one action.")
        for number, action in enumerate(actions, start=1):
            if action.due_on < agreed_on:
                raise ActionDueBeforeAgreementError(
                    f"Action {number} is due on {action.due_on}, before it was agreed "
                    f"on {agreed_on}."
                )
        self._actions_agreed(
            by=by,
            agreed_on=agreed_on,
            actions=tuple(
                replace(
                    action,
                    description=_require(action.description, "What was agreed"),
                    owner_agency=_require(action.owner_agency, "The agency that owns the action"),
                )
                for action in actions
            ),
        )

    @event(ActionsAgreed)
    def _actions_agreed(
        self, by: Actor, agreed_on: date, actions: tuple[AgreedAction, ...]
    ) -> None:
        self.agreed_actions.extend(actions)

    class MovedToNextStage(Aggregate.Event):
        by: Actor
        moved_on: date
        reason: str
        stage: int
        stage_due_on: date | None

    def move_to_next_stage(self, *, by: Actor, moved_on: date, reason: str) -> None:
        """The disagreement was not resolved at this stage, so it goes to the next level of
        seniority, whose clock starts on the day of the move. Stages are climbed in order and in
        date order; after the last stage there is nobody left to escalate to."""
        self._require_open()
        if self.stage >= self.policy.last_stage:
            raise LastStageError(
                f"Escalation {self.id} is at stage {self.stage}, the policy's last."
            )
        self._require_not_before(moved_on, self.stage_started_on, "A move to the next stage")
        next_stage = self.stage + 1
        self._moved_to_next_stage(
            by=by,
            moved_on=moved_on,
            reason=_require(reason, "Why it was not resolved at this stage"),
            stage=next_stage,
            stage_due_on=self.policy.stage_due_on(next_stage, moved_on),
        )

    @event(MovedToNextStage)
    def _moved_to_next_stage(
        self, by: Actor, moved_on: date, reason: str, stage: int, stage_due_on: date | None
    ) -> None:
        self.stage = stage
        self.stage_started_on = moved_on
        self.stage_due_on = stage_due_on

    # --- closing it ---------------------------------------------------------------------------

    class Resolved(Aggregate.Event):
        by: Actor
        resolved_on: date
        outcome: str
        learning: str

    def resolve(self, *, by: Actor, resolved_on: date, outcome: str, learning: str) -> None:
        """Closes the escalation with what was decided and what was learnt: the learning is what
        the partnership aggregates, so it is required. Once closed, nothing more is recorded."""
        self._require_open()
        self._require_not_before(resolved_on, self.stage_started_on, "A resolution")
        self._resolved(
            by=by,
            resolved_on=resolved_on,
            outcome=_require(outcome, "The outcome"),
            learning=_require(learning, "What was learnt"),
        )

    @event(Resolved)
    def _resolved(self, by: Actor, resolved_on: date, outcome: str, learning: str) -> None:
        self.status = EscalationStatus.RESOLVED
        self.closed_on = resolved_on

    class Withdrawn(Aggregate.Event):
        by: Actor
        withdrawn_on: date
        reason: str

    def withdraw(self, *, by: Actor, withdrawn_on: date, reason: str) -> None:
        """The person who raised it no longer pursues it (the concern fell away, or was raised in
        error). Recorded with a reason, so a withdrawal is never a silent gap."""
        self._require_open()
        self._require_not_before(withdrawn_on, self.stage_started_on, "A withdrawal")
        self._withdrawn(by=by, withdrawn_on=withdrawn_on, reason=_require(reason, "The reason"))

    @event(Withdrawn)
    def _withdrawn(self, by: Actor, withdrawn_on: date, reason: str) -> None:
        self.status = EscalationStatus.WITHDRAWN
        self.closed_on = withdrawn_on
