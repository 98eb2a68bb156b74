"""What the read models answer: outcome progress, partner task completion, key decisions, a
plan's history, drift, caseloads and escalations.

Each shape mirrors a projection's row and is built from it with `of()`; none is an aggregate.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.plans import PlanOut
from projections.drift import Caseload, PlanDrift
from projections.escalations import (
    AgencyPairCount,
    EscalationRow,
    ResolutionFigures,
    StageCount,
    StageDuration,
    SubjectCount,
)
from projections.key_decisions import (
    DecisionMaker,
    DecisionPoint,
    KeyDecision,
    Oversight,
    RecordedDissent,
)
from projections.outcome_progress import OutcomeProgress, Rating, Trend
from projections.partner_task_completion import CompletionFigures
from projections.plan_history import KINDS, Conference, HistoryEntry, SinceLastConference

HistoryKind = Literal[
    "decisions", "outcomes", "ratings", "tasks", "meetings", "escalations", "child"
]
"""The kinds a plan's history is filtered by (`projections.plan_history.KINDS`), spelled out so
an unknown kind is refused as an invalid parameter."""

if set(get_args(HistoryKind)) != set(KINDS):  # pragma: no cover - caught on import
    raise RuntimeError("HistoryKind no longer matches the kinds the plan history records")

CompletionGrouping = Literal["agency", "assignee"]


# --- outcome progress ----------------------------------------------------------------------------


class RatingOut(BaseModel):
    """One rating: recorded professional judgement, so who made it, when and why."""

    score: int
    rated_on: date
    occasion: str
    rater_name: str
    rater_role: str
    rater_agency: str
    evidence: str

    @classmethod
    def of(cls, rating: Rating) -> RatingOut:
        return cls(
            score=rating.score,
            rated_on=rating.rated_on,
            occasion=rating.occasion,
            rater_name=rating.rater_name,
            rater_role=rating.rater_role,
            rater_agency=rating.rater_agency,
            evidence=rating.evidence,
        )


class OutcomeProgressOut(BaseModel):
    outcome_id: UUID
    wording: str
    how_we_will_know: str
    status: str
    baseline: int
    latest_score: int | None
    target: int
    change_from_baseline: int | None = Field(description="Latest score minus the baseline.")
    trend: Trend | None = Field(description="Over the last three ratings; null before two.")
    ratings: list[RatingOut] = Field(description="Every rating, in date order.")

    @classmethod
    def of(cls, progress: OutcomeProgress) -> OutcomeProgressOut:
        return cls(
            outcome_id=progress.outcome_id,
            wording=progress.wording,
            how_we_will_know=progress.how_we_will_know,
            status=progress.status,
            baseline=progress.baseline,
            latest_score=progress.latest_score,
            target=progress.target,
            change_from_baseline=progress.change_from_baseline,
            trend=progress.trend,
            ratings=[RatingOut.of(r) for r in progress.ratings],
        )


class OutcomeProgressReport(BaseModel):
    plan_id: UUID
    outcomes: list[OutcomeProgressOut]

    @classmethod
    def of(cls, plan_id: UUID, outcomes: list[OutcomeProgress]) -> OutcomeProgressReport:
        return cls(plan_id=plan_id, outcomes=[OutcomeProgressOut.of(o) for o in outcomes])


# --- partner task completion ---------------------------------------------------------------------


class CompletionFiguresOut(BaseModel):
    """How one agency (or one person) has done with the tasks given to it."""

    key: str
    label: str
    agency: str
    assigned: int
    open: int
    completed: int
    completed_on_time: int
    blocked: int
    cancelled: int
    median_days_to_complete: float | None
    completion_rate: float | None = Field(description="Completed out of those not cancelled.")
    on_time_rate: float | None = Field(description="On time out of those completed.")

    @classmethod
    def of(cls, figures: CompletionFigures) -> CompletionFiguresOut:
        return cls(
            key=figures.key,
            label=figures.label,
            agency=figures.agency,
            assigned=figures.assigned,
            open=figures.open,
            completed=figures.completed,
            completed_on_time=figures.completed_on_time,
            blocked=figures.blocked,
            cancelled=figures.cancelled,
            median_days_to_complete=figures.median_days_to_complete,
            completion_rate=figures.completion_rate,
            on_time_rate=figures.on_time_rate,
        )


class PlanTaskCompletion(BaseModel):
    plan_id: UUID
    agencies: list[CompletionFiguresOut]

    @classmethod
    def of(cls, plan_id: UUID, figures: list[CompletionFigures]) -> PlanTaskCompletion:
        return cls(plan_id=plan_id, agencies=[CompletionFiguresOut.of(f) for f in figures])


class TaskCompletionFigures(BaseModel):
    by: CompletionGrouping
    team: str | None
    agency: str | None
    figures: list[CompletionFiguresOut]

    @classmethod
    def of(
        cls,
        by: CompletionGrouping,
        team: str | None,
        agency: str | None,
        figures: list[CompletionFigures],
    ) -> TaskCompletionFigures:
        return cls(
            by=by,
            team=team,
            agency=agency,
            figures=[CompletionFiguresOut.of(f) for f in figures],
        )


# --- key decisions -------------------------------------------------------------------------------


class DecisionMakerOut(BaseModel):
    name: str
    role: str
    agency: str

    @classmethod
    def of(cls, maker: DecisionMaker) -> DecisionMakerOut:
        return cls(name=maker.name, role=maker.role, agency=maker.agency)


class DissentOut(BaseModel):
    by_name: str
    agency: str
    reason: str

    @classmethod
    def of(cls, dissent: RecordedDissent) -> DissentOut:
        return cls(by_name=dissent.by_name, agency=dissent.agency, reason=dissent.reason)


class OversightOut(BaseModel):
    decision_point: str
    recorded_on: date
    by: DecisionMakerOut
    agreed_and_why: str
    options_considered: str
    learning: str

    @classmethod
    def of(cls, oversight: Oversight) -> OversightOut:
        return cls(
            decision_point=oversight.decision_point,
            recorded_on=oversight.recorded_on,
            by=DecisionMakerOut.of(oversight.by),
            agreed_and_why=oversight.agreed_and_why,
            options_considered=oversight.options_considered,
            learning=oversight.learning,
        )


class KeyDecisionOut(BaseModel):
    point: DecisionPoint
    pending: bool = Field(description="A key decision point still to come.")
    decided_on: date | None
    decided_by: DecisionMakerOut | None
    rationale: str
    options_considered: str
    dissent: list[DissentOut]
    present: list[str] = Field(description="The agencies that were there.")
    decision: str | None
    category: str | None
    end_reason: str | None
    oversight: list[OversightOut]
    gaps: list[str] = Field(description="What the record of this decision lacks.")

    @classmethod
    def of(cls, decision: KeyDecision) -> KeyDecisionOut:
        maker = decision.decided_by
        return cls(
            point=decision.point,
            pending=decision.pending,
            decided_on=decision.decided_on,
            decided_by=None if maker is None else DecisionMakerOut.of(maker),
            rationale=decision.rationale,
            options_considered=decision.options_considered,
            dissent=[DissentOut.of(d) for d in decision.dissent],
            present=list(decision.present),
            decision=decision.decision,
            category=decision.category,
            end_reason=decision.end_reason,
            oversight=[OversightOut.of(o) for o in decision.oversight],
            gaps=list(decision.gaps),
        )


class KeyDecisionsReport(BaseModel):
    plan_id: UUID
    decisions: list[KeyDecisionOut]
    gaps: int = Field(description="How many gaps the decision record has in all.")

    @classmethod
    def of(cls, plan_id: UUID, decisions: list[KeyDecision]) -> KeyDecisionsReport:
        return cls(
            plan_id=plan_id,
            decisions=[KeyDecisionOut.of(d) for d in decisions],
            gaps=sum(len(d.gaps) for d in decisions),
        )


# --- a plan's history ----------------------------------------------------------------------------


class HistoryEntryOut(BaseModel):
    """One recorded fact in a sentence: what happened in practice, when, and who recorded it."""

    position: int
    stream: str
    stream_id: UUID
    stream_version: int
    event_type: str
    kind: str
    occurred_on: date = Field(description="The practice date the fact is about.")
    recorded_at: datetime = Field(description="When it was recorded.")
    actor_name: str
    actor_role: str
    actor_agency: str
    sentence: str

    @classmethod
    def of(cls, entry: HistoryEntry) -> HistoryEntryOut:
        return cls(
            position=entry.position,
            stream=entry.stream,
            stream_id=entry.stream_id,
            stream_version=entry.stream_version,
            event_type=entry.event_type,
            kind=entry.kind,
            occurred_on=entry.occurred_on,
            recorded_at=entry.recorded_at,
            actor_name=entry.actor_name,
            actor_role=entry.actor_role,
            actor_agency=entry.actor_agency,
            sentence=entry.sentence,
        )


class PlanHistoryOut(BaseModel):
    plan_id: UUID
    as_at: date | None
    entries: list[HistoryEntryOut] = Field(description="In time order.")
    plan_as_at: PlanOut | None = Field(
        description="With `as_at`: the plan as it stood that day (null before it started)."
    )

    @classmethod
    def of(
        cls,
        plan_id: UUID,
        entries: list[HistoryEntry],
        as_at: date | None = None,
        plan_as_at: PlanOut | None = None,
    ) -> PlanHistoryOut:
        return cls(
            plan_id=plan_id,
            as_at=as_at,
            entries=[HistoryEntryOut.of(e) for e in entries],
            plan_as_at=plan_as_at,
        )


class ConferenceOut(BaseModel):
    held_on: date
    kind: str

    @classmethod
    def of(cls, conference: Conference) -> ConferenceOut:
        return cls(held_on=conference.held_on, kind=conference.kind)


class SinceLastConferenceOut(BaseModel):
    plan_id: UUID
    conference: ConferenceOut | None = Field(description="Null: no conference yet, all history.")
    counts: dict[str, int] = Field(description="Entries of each kind present.")
    entries: list[HistoryEntryOut]

    @classmethod
    def of(cls, plan_id: UUID, since: SinceLastConference) -> SinceLastConferenceOut:
        conference = since.conference
        return cls(
            plan_id=plan_id,
            conference=None if conference is None else ConferenceOut.of(conference),
            counts=since.counts,
            entries=[HistoryEntryOut.of(e) for e in since.entries],
        )


# --- drift and caseloads -------------------------------------------------------------------------


class PlanDriftOut(BaseModel):
    """Where one plan stands against its clocks today, and what is slipping (`flags`)."""

    plan_id: UUID
    team: str
    lead_worker_id: UUID
    lead_worker_name: str
    icpc_on: date
    ended_on: date | None
    icpc_timeliness: str
    icpc_working_days: int | None
    first_core_group_due: date
    first_core_group_on: date | None
    first_core_group_timely: bool | None
    last_core_group_on: date | None
    next_core_group_due: date | None
    next_scheduled_meeting_on: date | None
    core_group_overdue: bool
    last_review_on: date | None
    reviews: int
    next_review_due: date | None
    review_overdue: bool
    overdue_tasks: int
    overdue_task_agencies: list[str]
    stalled_outcomes: list[UUID]
    latest_engagement: str | None
    parental_non_engagement: bool
    letters_of_concern: int
    flags: list[str]

    @classmethod
    def of(cls, drift: PlanDrift) -> PlanDriftOut:
        return cls(
            plan_id=drift.plan_id,
            team=drift.team,
            lead_worker_id=drift.lead_worker_id,
            lead_worker_name=drift.lead_worker_name,
            icpc_on=drift.icpc_on,
            ended_on=drift.ended_on,
            icpc_timeliness=drift.icpc_timeliness,
            icpc_working_days=drift.icpc_working_days,
            first_core_group_due=drift.first_core_group_due,
            first_core_group_on=drift.first_core_group_on,
            first_core_group_timely=drift.first_core_group_timely,
            last_core_group_on=drift.last_core_group_on,
            next_core_group_due=drift.next_core_group_due,
            next_scheduled_meeting_on=drift.next_scheduled_meeting_on,
            core_group_overdue=drift.core_group_overdue,
            last_review_on=drift.last_review_on,
            reviews=drift.reviews,
            next_review_due=drift.next_review_due,
            review_overdue=drift.review_overdue,
            overdue_tasks=drift.overdue_tasks,
            overdue_task_agencies=list(drift.overdue_task_agencies),
            stalled_outcomes=list(drift.stalled_outcomes),
            latest_engagement=drift.latest_engagement,
            parental_non_engagement=drift.parental_non_engagement,
            letters_of_concern=drift.letters_of_concern,
            flags=list(drift.flags),
        )


class DriftList(BaseModel):
    team: str | None
    plans: list[PlanDriftOut] = Field(description="Most drift first.")

    @classmethod
    def of(cls, team: str | None, drifts: list[PlanDrift]) -> DriftList:
        return cls(team=team, plans=[PlanDriftOut.of(d) for d in drifts])


class CaseloadOut(BaseModel):
    lead_worker_id: UUID
    lead_worker_name: str
    team: str
    open_plans: int
    drifting_plans: int

    @classmethod
    def of(cls, caseload: Caseload) -> CaseloadOut:
        return cls(
            lead_worker_id=caseload.lead_worker_id,
            lead_worker_name=caseload.lead_worker_name,
            team=caseload.team,
            open_plans=caseload.open_plans,
            drifting_plans=caseload.drifting_plans,
        )


class Caseloads(BaseModel):
    team: str | None
    caseloads: list[CaseloadOut]

    @classmethod
    def of(cls, team: str | None, caseloads: list[Caseload]) -> Caseloads:
        return cls(team=team, caseloads=[CaseloadOut.of(c) for c in caseloads])


# --- escalations ---------------------------------------------------------------------------------


class EscalationListingOut(BaseModel):
    """One escalation: where it stands and whether its stage's clock has run out today."""

    escalation_id: UUID
    plan_id: UUID
    team: str | None
    kind: str
    subject: str
    raised_on: date
    raised_by_name: str
    raised_by_role: str
    raised_by_agency: str
    concerning_agency: str | None
    concerning_conference_decision: bool
    policy_key: str
    stage: int
    stage_name: str
    stage_started_on: date
    stage_due_on: date | None
    last_stage: int
    at_last_stage: bool
    status: str
    closed_on: date | None
    contacts: int
    actions_agreed: int
    outcome: str | None
    learning: str | None
    withdrawal_reason: str | None
    is_stage_overdue: bool
    days_open: int

    @classmethod
    def of(cls, row: EscalationRow) -> EscalationListingOut:
        return cls(
            escalation_id=row.escalation_id,
            plan_id=row.plan_id,
            team=row.team,
            kind=row.kind,
            subject=row.subject,
            raised_on=row.raised_on,
            raised_by_name=row.raised_by_name,
            raised_by_role=row.raised_by_role,
            raised_by_agency=row.raised_by_agency,
            concerning_agency=row.concerning_agency,
            concerning_conference_decision=row.concerning_conference_decision,
            policy_key=row.policy_key,
            stage=row.stage,
            stage_name=row.stage_name,
            stage_started_on=row.stage_started_on,
            stage_due_on=row.stage_due_on,
            last_stage=row.last_stage,
            at_last_stage=row.at_last_stage,
            status=row.status,
            closed_on=row.closed_on,
            contacts=row.contacts,
            actions_agreed=row.actions_agreed,
            outcome=row.outcome,
            learning=row.learning,
            withdrawal_reason=row.withdrawal_reason,
            is_stage_overdue=row.is_stage_overdue,
            days_open=row.days_open,
        )


class EscalationList(BaseModel):
    team: str | None
    escalations: list[EscalationListingOut] = Field(
        description="Overdue stages first, then the stage due soonest."
    )

    @classmethod
    def of(cls, team: str | None, rows: list[EscalationRow]) -> EscalationList:
        return cls(team=team, escalations=[EscalationListingOut.of(r) for r in rows])


class StageCountOut(BaseModel):
    stage: int
    stage_name: str
    open: int
    overdue: int

    @classmethod
    def of(cls, count: StageCount) -> StageCountOut:
        return cls(
            stage=count.stage, stage_name=count.stage_name, open=count.open, overdue=count.overdue
        )


class StageDurationOut(BaseModel):
    stage: int
    stage_name: str
    ended: int
    median_days: float

    @classmethod
    def of(cls, duration: StageDuration) -> StageDurationOut:
        return cls(
            stage=duration.stage,
            stage_name=duration.stage_name,
            ended=duration.ended,
            median_days=duration.median_days,
        )


class ResolutionFiguresOut(BaseModel):
    resolved: int
    withdrawn: int
    median_days_to_resolve: float | None
    max_days_to_resolve: int | None
    stages: list[StageDurationOut]

    @classmethod
    def of(cls, figures: ResolutionFigures) -> ResolutionFiguresOut:
        return cls(
            resolved=figures.resolved,
            withdrawn=figures.withdrawn,
            median_days_to_resolve=figures.median_days_to_resolve,
            max_days_to_resolve=figures.max_days_to_resolve,
            stages=[StageDurationOut.of(s) for s in figures.stages],
        )


class AgencyPairCountOut(BaseModel):
    raised_by_agency: str
    concerning: str = Field(description="An agency, or `conference decision`.")
    open: int
    resolved: int
    withdrawn: int
    total: int

    @classmethod
    def of(cls, count: AgencyPairCount) -> AgencyPairCountOut:
        return cls(
            raised_by_agency=count.raised_by_agency,
            concerning=count.concerning,
            open=count.open,
            resolved=count.resolved,
            withdrawn=count.withdrawn,
            total=count.total,
        )


class SubjectCountOut(BaseModel):
    subject: str
    open: int
    resolved: int
    withdrawn: int
    total: int

    @classmethod
    def of(cls, count: SubjectCount) -> SubjectCountOut:
        return cls(
            subject=count.subject,
            open=count.open,
            resolved=count.resolved,
            withdrawn=count.withdrawn,
            total=count.total,
        )


class EscalationSummary(BaseModel):
    """De-identified figures: no plan, child or person is named."""

    team: str | None
    open_by_stage: list[StageCountOut]
    resolution_times: ResolutionFiguresOut
    by_agency_pair: list[AgencyPairCountOut]
    by_subject: list[SubjectCountOut]

    @classmethod
    def of(
        cls,
        team: str | None,
        open_by_stage: list[StageCount],
        resolution_times: ResolutionFigures,
        by_agency_pair: list[AgencyPairCount],
        by_subject: list[SubjectCount],
    ) -> EscalationSummary:
        return cls(
            team=team,
            open_by_stage=[StageCountOut.of(s) for s in open_by_stage],
            resolution_times=ResolutionFiguresOut.of(resolution_times),
            by_agency_pair=[AgencyPairCountOut.of(p) for p in by_agency_pair],
            by_subject=[SubjectCountOut.of(s) for s in by_subject],
        )
