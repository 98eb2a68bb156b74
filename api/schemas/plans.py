"""Children, plans, conferences and outcomes: what the API takes and gives."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field, model_validator

from api.schemas.common import Command, Day, OptionalText, Score, ShortText, Text
from domain.child import Child, Gender
from domain.plan import (
    ChildProtectionPlan,
    ConferenceDecision,
    KeyDecisionPoint,
    OutcomeStatus,
    PlanEndReason,
    RatingOccasion,
    ReviewDecision,
)
from domain.values import CategoryOfAbuse, Dissent, ParentalEngagement

# --- the child -----------------------------------------------------------------------------------


class RegisterChild(Command):
    la_child_id: ShortText = Field(description="The authority's own id for the child (LAchildID).")
    given_name: ShortText
    family_name: ShortText
    gender: Gender
    date_of_birth: Day | None = None
    expected_date_of_birth: Day | None = Field(default=None, description="For an unborn child.")
    ethnicity: ShortText = "NOBT"
    upn: ShortText | None = Field(default=None, description="Unique pupil number, if known.")


class PlanPeriodOut(BaseModel):
    plan_id: UUID
    start_on: date
    end_on: date | None


class ChildInNeedPeriodOut(BaseModel):
    start_on: date
    end_on: date | None


class ChildOut(BaseModel):
    id: UUID
    version: int
    la_child_id: str
    given_name: str
    family_name: str
    gender: Gender
    date_of_birth: date | None
    expected_date_of_birth: date | None
    ethnicity: str
    upn: str | None
    protection_plans: list[PlanPeriodOut]
    child_in_need_plans: list[ChildInNeedPeriodOut]

    @classmethod
    def of(cls, child: Child) -> ChildOut:
        return cls(
            id=child.id,
            version=child.version,
            la_child_id=child.la_child_id,
            given_name=child.given_name,
            family_name=child.family_name,
            gender=child.gender,
            date_of_birth=child.date_of_birth,
            expected_date_of_birth=child.expected_date_of_birth,
            ethnicity=child.ethnicity,
            upn=child.upn,
            protection_plans=[
                PlanPeriodOut(plan_id=p.plan_id, start_on=p.start_on, end_on=p.end_on)
                for p in child.protection_plans
            ],
            child_in_need_plans=[
                ChildInNeedPeriodOut(start_on=p.start_on, end_on=p.end_on)
                for p in child.child_in_need_plans
            ],
        )


# --- conferences ---------------------------------------------------------------------------------


class DissentIn(Command):
    by_name: ShortText
    agency: ShortText
    reason: Text


class ConferenceIn(Command):
    """What a conference decided and why."""

    rationale: Text
    options_considered: OptionalText = ""
    attending_agencies: list[ShortText] = Field(default_factory=list, max_length=50)
    childs_views: OptionalText = ""
    parents_views: OptionalText = ""
    dissent: list[DissentIn] = Field(default_factory=list, max_length=50)

    def conference_decision(self) -> ConferenceDecision:
        return ConferenceDecision(
            rationale=self.rationale,
            options_considered=self.options_considered,
            attending_agencies=tuple(self.attending_agencies),
            childs_views=self.childs_views,
            parents_views=self.parents_views,
            dissent=tuple(Dissent(d.by_name, d.agency, d.reason) for d in self.dissent),
        )


class StartPlan(ConferenceIn):
    """The initial child protection conference decided a plan is needed."""

    child_id: UUID
    icpc_on: Day = Field(description="The conference date; the plan starts on it.")
    strategy_discussion_on: Day | None = None
    category: CategoryOfAbuse
    lead_social_worker_id: UUID
    lead_social_worker_name: ShortText
    team: ShortText

    def command(self) -> dict[str, Any]:
        return {
            "child_id": self.child_id,
            "icpc_on": self.icpc_on,
            "strategy_discussion_on": self.strategy_discussion_on,
            "category": self.category,
            "decision": self.conference_decision(),
            "lead_social_worker_id": self.lead_social_worker_id,
            "lead_social_worker_name": self.lead_social_worker_name,
            "team": self.team,
        }


class RatingIn(Command):
    outcome_id: UUID
    score: Score
    evidence: Text


class HoldReviewConference(ConferenceIn):
    held_on: Day
    decision: ReviewDecision
    category: CategoryOfAbuse = Field(description="The latest category of abuse.")
    ratings: list[RatingIn] = Field(default_factory=list, max_length=50)
    parental_engagement: ParentalEngagement | None = None
    step_down_to_child_in_need: bool = Field(
        default=True, description="When the plan ends: does a child in need plan follow?"
    )


class EndPlan(Command):
    """An administrative ending: no conference decides it."""

    ended_on: Day
    reason: PlanEndReason
    dissent: list[DissentIn] = Field(default_factory=list, max_length=50)

    @model_validator(mode="after")
    def _administrative(self) -> EndPlan:
        if not self.reason.is_administrative:
            raise ValueError(
                "a plan ends for no longer being at continuing risk at a review conference"
            )
        return self


class SendLetterOfConcern(Command):
    sent_on: Day
    concern: Text
    review_postponed_to: Day | None = None


# --- the plan's own records ----------------------------------------------------------------------


class AllocateLeadSocialWorker(Command):
    social_worker_id: UUID
    social_worker_name: ShortText
    team: ShortText


class AgreeOutcome(Command):
    wording: Text = Field(description="What must be different for the child.")
    how_we_will_know: Text
    baseline: Score
    target: Score


class ReviseOutcome(Command):
    wording: Text
    how_we_will_know: Text
    target: Score
    reason: Text


class RecordOutcomeAchieved(Command):
    achieved_on: Day
    evidence: Text


class WithdrawOutcome(Command):
    reason: Text


class RateOutcome(Command):
    score: Score
    evidence: Text
    rated_on: Day
    occasion: RatingOccasion = RatingOccasion.VISIT


class AgreePlan(Command):
    agreed_on: Day
    contingency_plan: Text


class RecordVisit(Command):
    visited_on: Day
    seen_alone: bool
    note: OptionalText = ""


class RecordChildsViews(Command):
    recorded_on: Day
    views: Text
    how_gathered: OptionalText = ""


class RecordParentalEngagement(Command):
    recorded_on: Day
    engagement: ParentalEngagement
    note: OptionalText = ""


class RecordOversight(Command):
    decision_point: KeyDecisionPoint
    recorded_on: Day
    agreed_and_why: Text
    options_considered: Text
    learning: OptionalText = ""


# --- reading a plan ------------------------------------------------------------------------------


class OutcomeOut(BaseModel):
    outcome_id: UUID
    wording: str
    how_we_will_know: str
    baseline: int
    target: int
    status: OutcomeStatus
    latest_score: int | None


class ReviewOut(BaseModel):
    held_on: date
    decision: ReviewDecision
    category: CategoryOfAbuse


class PlanOut(BaseModel):
    id: UUID
    version: int
    child_id: UUID
    core_group_id: UUID
    icpc_on: date
    initial_category: CategoryOfAbuse
    latest_category: CategoryOfAbuse
    lead_social_worker_id: UUID
    lead_social_worker_name: str
    team: str
    agreed_on: date | None
    outcomes: list[OutcomeOut]
    reviews: list[ReviewOut]
    next_review_due: date | None
    ended_on: date | None
    end_reason: PlanEndReason | None
    letters_of_concern: int
    latest_engagement: ParentalEngagement | None

    @classmethod
    def of(cls, plan: ChildProtectionPlan) -> PlanOut:
        return cls(
            id=plan.id,
            version=plan.version,
            child_id=plan.child_id,
            core_group_id=plan.core_group_id,
            icpc_on=plan.icpc_on,
            initial_category=plan.initial_category,
            latest_category=plan.latest_category,
            lead_social_worker_id=plan.lead_social_worker_id,
            lead_social_worker_name=plan.lead_social_worker_name,
            team=plan.team,
            agreed_on=plan.agreed_on,
            outcomes=[
                OutcomeOut(
                    outcome_id=UUID(outcome_id),
                    wording=o.wording,
                    how_we_will_know=o.how_we_will_know,
                    baseline=o.baseline,
                    target=o.target,
                    status=o.status,
                    latest_score=o.latest_score,
                )
                for outcome_id, o in plan.outcomes.items()
            ],
            reviews=[
                ReviewOut(held_on=r.held_on, decision=r.decision, category=r.category)
                for r in plan.reviews
            ],
            next_review_due=None if plan.ended_on else plan.next_review_due,
            ended_on=plan.ended_on,
            end_reason=plan.end_reason,
            letters_of_concern=plan.letters_of_concern,
            latest_engagement=plan.latest_engagement,
        )


class PlanListingOut(BaseModel):
    plan_id: UUID
    team: str
    lead_social_worker_id: UUID
    lead_social_worker_name: str
    icpc_on: date
    next_review_due: date | None
    ended_on: date | None


class PlanPage(BaseModel):
    plans: list[PlanListingOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
