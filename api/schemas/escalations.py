"""Escalations: a professional disagreement (or a chair's practice alert) about a plan, worked up
the partnership's stages until it is resolved or withdrawn."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import ActorOut, Command, Day, ShortText, Text
from domain.escalation import (
    AgreedAction,
    Escalation,
    EscalationKind,
    EscalationStatus,
    EscalationSubject,
)
from domain.escalation_policy import EscalationPolicy

# --- raising and working an escalation -----------------------------------------------------------


class RaiseEscalation(Command):
    """A disagreement is with an agency, a conference decision, or both: name at least one."""

    kind: EscalationKind
    concerning_agency: ShortText | None = Field(
        default=None, description="The agency the disagreement is with, if any."
    )
    concerning_conference_decision: bool = Field(
        default=False, description="Whether it is about a conference decision."
    )
    subject: EscalationSubject
    description: Text = Field(description="What the disagreement is about.")
    raised_on: Day


class RecordContact(Command):
    contacted_on: Day
    contact_name: ShortText
    contact_agency: ShortText
    summary: Text = Field(description="What was discussed.")


class AgreedActionIn(Command):
    description: Text
    owner_agency: ShortText
    due_on: Day


class AgreeActions(Command):
    agreed_on: Day
    actions: list[AgreedActionIn] = Field(min_length=1, max_length=50)

    def agreed_actions(self) -> tuple[AgreedAction, ...]:
        return tuple(AgreedAction(a.description, a.owner_agency, a.due_on) for a in self.actions)


class MoveToNextStage(Command):
    moved_on: Day
    reason: Text = Field(description="Why it was not resolved at this stage.")


class ResolveEscalation(Command):
    resolved_on: Day
    outcome: Text
    learning: Text = Field(description="What was learnt; the partnership looks across these.")


class WithdrawEscalation(Command):
    withdrawn_on: Day
    reason: Text


# --- reading an escalation -----------------------------------------------------------------------


class ConcerningOut(BaseModel):
    agency: str | None
    conference_decision: bool


class StageOut(BaseModel):
    number: int
    name: str
    who: str
    working_days: int | None = Field(description="None for a stage that runs as convened.")


class PolicyOut(BaseModel):
    key: str
    name: str
    stages: list[StageOut]

    @classmethod
    def of(cls, policy: EscalationPolicy) -> PolicyOut:
        return cls(
            key=policy.key,
            name=policy.name,
            stages=[
                StageOut(number=s.number, name=s.name, who=s.who, working_days=s.working_days)
                for s in policy.stages
            ],
        )


class AgreedActionOut(BaseModel):
    description: str
    owner_agency: str
    due_on: date


class EscalationOut(BaseModel):
    """An escalation as it stands; the overdue flag and days open are worked out for today."""

    id: UUID
    version: int
    plan_id: UUID
    kind: EscalationKind
    subject: EscalationSubject
    raised_by: ActorOut
    raised_on: date
    concerning: ConcerningOut
    status: EscalationStatus
    stage: int
    stage_name: str
    stage_started_on: date
    stage_due_on: date | None
    is_stage_overdue: bool
    days_open: int
    policy: PolicyOut = Field(description="The policy it was raised under; its clocks apply.")
    contacts_recorded: int
    agreed_actions: list[AgreedActionOut]
    closed_on: date | None

    @classmethod
    def of(cls, escalation: Escalation, today: date) -> EscalationOut:
        by = escalation.raised_by
        return cls(
            id=escalation.id,
            version=escalation.version,
            plan_id=escalation.plan_id,
            kind=escalation.kind,
            subject=escalation.subject,
            raised_by=ActorOut(user_id=by.user_id, name=by.name, role=by.role, agency=by.agency),
            raised_on=escalation.raised_on,
            concerning=ConcerningOut(
                agency=escalation.concerning_agency,
                conference_decision=escalation.concerning_conference_decision,
            ),
            status=escalation.status,
            stage=escalation.stage,
            stage_name=escalation.stage_name,
            stage_started_on=escalation.stage_started_on,
            stage_due_on=escalation.stage_due_on,
            is_stage_overdue=escalation.is_stage_overdue(today),
            days_open=escalation.days_open(today),
            policy=PolicyOut.of(escalation.policy),
            contacts_recorded=escalation.contacts_recorded,
            agreed_actions=[
                AgreedActionOut(
                    description=a.description, owner_agency=a.owner_agency, due_on=a.due_on
                )
                for a in escalation.agreed_actions
            ],
            closed_on=escalation.closed_on,
        )
