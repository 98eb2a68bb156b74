"""Reading the read models: a plan's outcome progress, its partners' tasks, its key decisions and
history, drift against the statutory clocks, caseloads and escalations.

Every read takes `min_position` (the `position` a change returned) and waits until the views have
taken that change in. Plan-scoped reads pass the gate like reading the plan itself (and are
logged as such); lists are filtered to the plans the user may see, checked against the live plan
and core group; de-identified figures need the right to see figures.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Protocol, TypeVar
from uuid import UUID

from fastapi import Query

from api.deps import CasesDep, Gate, GateDep, TodayDep
from api.problems import PROBLEM_RESPONSES, ApiProblemError
from api.routing import ApiRouter
from api.schemas.common import Day
from api.schemas.plans import PlanOut
from api.schemas.views import (
    Caseloads,
    CompletionGrouping,
    DriftList,
    EscalationList,
    EscalationSummary,
    HistoryKind,
    KeyDecisionsReport,
    OutcomeProgressReport,
    PlanDriftOut,
    PlanHistoryOut,
    PlanTaskCompletion,
    SinceLastConferenceOut,
    TaskCompletionFigures,
)
from api.security.policy import Action
from api.views_dep import LAG_RESPONSE, ViewsDep
from domain.application import CaseRecord
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan
from domain.values import Role
from projections import (
    drift,
    escalations,
    key_decisions,
    outcome_progress,
    partner_task_completion,
    plan_history,
)
from projections.base import View
from projections.drift import DriftModel
from projections.escalations import EscalationsModel
from projections.key_decisions import KeyDecisionsModel
from projections.outcome_progress import OutcomeProgressModel
from projections.partner_task_completion import CompletionFigures, PartnerTaskCompletionModel
from projections.plan_history import PlanHistoryModel

router = ApiRouter(
    prefix="/api/v1", tags=["views"], responses={**PROBLEM_RESPONSES, **LAG_RESPONSE}
)

TeamQuery = Annotated[str | None, Query(description="One team's plans only.")]


# --- one plan ------------------------------------------------------------------------------------


@router.get("/plans/{plan_id}/outcome-progress", response_model=OutcomeProgressReport)
def read_outcome_progress(plan_id: UUID, gate: GateDep, views: ViewsDep) -> OutcomeProgressReport:
    """Is the plan making a difference for the child: each outcome's baseline, latest and target
    scores, the trend, and every rating with who made it, when, and on what evidence."""
    gate.plan(plan_id, Action.VIEW_PLAN)
    view = views[OutcomeProgressModel.name]
    return OutcomeProgressReport.of(plan_id, outcome_progress.progress_for_plan(view, plan_id))


@router.get("/plans/{plan_id}/task-completion", response_model=PlanTaskCompletion)
def read_plan_task_completion(plan_id: UUID, gate: GateDep, views: ViewsDep) -> PlanTaskCompletion:
    """Did each agency do what this plan asked of it, and on time: what a chair looks at before
    a review conference."""
    gate.plan(plan_id, Action.VIEW_PLAN)
    view = views[PartnerTaskCompletionModel.name]
    return PlanTaskCompletion.of(plan_id, partner_task_completion.completion_by_plan(view, plan_id))


@router.get("/plans/{plan_id}/key-decisions", response_model=KeyDecisionsReport)
def read_key_decisions(
    plan_id: UUID, gate: GateDep, views: ViewsDep, today: TodayDep
) -> KeyDecisionsReport:
    """What was decided and why, the options considered, dissent and management oversight at
    each key decision point, with what the record still lacks."""
    gate.plan(plan_id, Action.VIEW_PLAN)
    view = views[KeyDecisionsModel.name]
    return KeyDecisionsReport.of(plan_id, key_decisions.decisions_for_plan(view, plan_id, today))


@router.get("/plans/{plan_id}/history", response_model=PlanHistoryOut)
def read_history(
    plan_id: UUID,
    gate: GateDep,
    cases: CasesDep,
    views: ViewsDep,
    kind: Annotated[list[HistoryKind] | None, Query(description="Only these kinds.")] = None,
    before: Annotated[Day | None, Query(description="Only what happened before this day.")] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=1000, description="Only the latest this many.")
    ] = None,
    as_at: Annotated[Day | None, Query(description="The plan as it stood on this day.")] = None,
) -> PlanHistoryOut:
    """The plan's whole history, a sentence per recorded fact, in time order. With `as_at`, the
    history up to that day and the plan as it stood then."""
    gate.plan(plan_id, Action.VIEW_PLAN)
    view = views[PlanHistoryModel.name]
    found = plan_history.history(
        view, plan_id, kinds=kind, before=_up_to(before, as_at), limit=limit
    )
    return PlanHistoryOut.of(plan_id, found, as_at, _plan_as_at(cases, view, plan_id, as_at))


@router.get("/plans/{plan_id}/since-last-conference", response_model=SinceLastConferenceOut)
def read_since_last_conference(
    plan_id: UUID, gate: GateDep, views: ViewsDep
) -> SinceLastConferenceOut:
    """What a chair reads before a review: everything since the last conference, counted by
    kind."""
    gate.plan(plan_id, Action.VIEW_PLAN)
    view = views[PlanHistoryModel.name]
    return SinceLastConferenceOut.of(
        plan_id, plan_history.changes_since_last_conference(view, plan_id)
    )


@router.get("/plans/{plan_id}/drift", response_model=PlanDriftOut)
def read_plan_drift(plan_id: UUID, gate: GateDep, views: ViewsDep, today: TodayDep) -> PlanDriftOut:
    """Where the plan stands against its clocks today (core group, review, tasks, outcomes,
    parental engagement) and what is slipping."""
    gate.plan(plan_id, Action.VIEW_PLAN)
    found = drift.drift_for_plan(views[DriftModel.name], plan_id, today)
    if found is None:
        raise ApiProblemError(404, "Not found", "No drift figures for this plan yet.", "not-found")
    return PlanDriftOut.of(found)


def _up_to(before: date | None, as_at: date | None) -> date | None:
    """Entries before `before` and, with `as_at`, on or before that day."""
    if as_at is None:
        return before
    day_after = as_at + timedelta(days=1)
    return day_after if before is None else min(before, day_after)


def _plan_as_at(cases: CaseRecord, view: View, plan_id: UUID, as_at: date | None) -> PlanOut | None:
    if as_at is None:
        return None
    version = plan_history.plan_version_on(view, plan_id, as_at)
    if version is None:
        return None
    return PlanOut.of(cases.load(ChildProtectionPlan, plan_id, version=version))


# --- figures -------------------------------------------------------------------------------------


@router.get("/task-completion", response_model=TaskCompletionFigures)
def read_task_completion(
    gate: GateDep,
    views: ViewsDep,
    by: CompletionGrouping = "agency",
    team: Annotated[str | None, Query(description="Only one team's plans (by agency).")] = None,
    agency: Annotated[str | None, Query(description="Only one agency.")] = None,
) -> TaskCompletionFigures:
    """How partner agencies (or, for managers and chairs, named people) do with the tasks plans
    give them: set, open, done, done on time, stuck, dropped.

    Figures by person name the people, so they are not shown to partnership analysts, who see
    de-identified figures only (a rule of this call, on top of the access policy).
    """
    gate.allow(Action.VIEW_AGGREGATES)
    figures = _completion(gate, views[PartnerTaskCompletionModel.name], by, team, agency)
    return TaskCompletionFigures.of(by, team, agency, figures)


def _completion(
    gate: Gate, view: View, by: CompletionGrouping, team: str | None, agency: str | None
) -> list[CompletionFigures]:
    if by == "agency":
        found = partner_task_completion.completion_by_agency(view, team=team)
        return [f for f in found if agency is None or f.agency == agency]
    _names_allowed(gate)
    if team is not None:
        raise ApiProblemError(
            422, "Invalid request", "`team` narrows figures by agency only.", "request-schema"
        )
    return partner_task_completion.completion_by_assignee(view, agency=agency)


def _names_allowed(gate: Gate) -> None:
    """Analysts work with de-identified figures: no person's name."""
    if gate.user.role is Role.PARTNERSHIP_ANALYST:
        raise ApiProblemError(
            403, "Not yours to do", "Figures by person are not shown to analysts.", "de-identified"
        )


@router.get("/escalations/summary", response_model=EscalationSummary)
def summarise_escalations(
    gate: GateDep, views: ViewsDep, today: TodayDep, team: TeamQuery = None
) -> EscalationSummary:
    """The shape of professional disagreement: open escalations by stage and overdue, time to
    resolution, which agencies disagree with which, and about what. Figures only."""
    gate.allow(Action.VIEW_AGGREGATES)
    view = views[EscalationsModel.name]
    return EscalationSummary.of(
        team,
        escalations.open_by_stage(view, today, team=team),
        escalations.resolution_times(view, team=team),
        escalations.by_agency_pair(view, team=team),
        escalations.by_subject(view, team=team),
    )


# --- team lists ----------------------------------------------------------------------------------


@router.get("/escalations", response_model=EscalationList)
def list_escalations(
    gate: GateDep, cases: CasesDep, views: ViewsDep, today: TodayDep, team: TeamQuery = None
) -> EscalationList:
    """Open escalations about plans you may see, overdue stages first (a team manager's own team
    unless another is asked for)."""
    gate.allow(Action.VIEW_TEAM_LISTS)
    team = _default_team(gate, team)
    found = escalations.open_escalations(views[EscalationsModel.name], today, team=team)
    return EscalationList.of(team, _seen(gate, cases, found))


@router.get("/drift", response_model=DriftList)
def list_drift(
    gate: GateDep, cases: CasesDep, views: ViewsDep, today: TodayDep, team: TeamQuery = None
) -> DriftList:
    """Open plans you may see with anything slipping, most drift first (a team manager's own
    team unless another is asked for)."""
    gate.allow(Action.VIEW_TEAM_LISTS)
    team = _default_team(gate, team)
    found = drift.drift_list(views[DriftModel.name], today, team=team)
    return DriftList.of(team, _seen(gate, cases, found))


@router.get("/caseloads", response_model=Caseloads)
def list_caseloads(
    gate: GateDep, views: ViewsDep, today: TodayDep, team: TeamQuery = None
) -> Caseloads:
    """Each lead social worker's open plans and how many drift: where a manager looks first when
    allocating work or planning supervision. Team managers see their own team's."""
    gate.allow(Action.VIEW_TEAM_LISTS)
    team = _own_team(gate, team)
    return Caseloads.of(team, drift.caseloads(views[DriftModel.name], today, team=team))


def _default_team(gate: Gate, team: str | None) -> str | None:
    if team is None and gate.user.role is Role.TEAM_MANAGER:
        return gate.user.team
    return team


def _own_team(gate: Gate, team: str | None) -> str | None:
    team = _default_team(gate, team)
    if gate.user.role is Role.TEAM_MANAGER and team != gate.user.team:
        raise ApiProblemError(
            403, "Not yours to do", "Team managers see their own team's caseloads.", "need-to-know"
        )
    return team


class _AboutAPlan(Protocol):
    @property
    def plan_id(self) -> UUID: ...


Row = TypeVar("Row", bound=_AboutAPlan)


def _seen(gate: Gate, cases: CaseRecord, rows: list[Row]) -> list[Row]:
    """Only the rows about plans the user may see, decided on the live plan and core group (the
    views may lag a change of core group or lead worker)."""
    sees: dict[UUID, bool] = {}
    for plan_id in {row.plan_id for row in rows}:
        plan = cases.load(ChildProtectionPlan, plan_id)
        sees[plan_id] = gate.sees(plan, cases.load(CoreGroup, plan.core_group_id))
    return [row for row in rows if sees[row.plan_id]]
