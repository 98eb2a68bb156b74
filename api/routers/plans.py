"""Plans: started at an initial conference, run by the lead social worker, reviewed by the chair."""

from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid5

from fastapi import Query, Response
from fastapi.responses import JSONResponse

from api.deps import CasesDep, EngineDep, Gate, GateDep, IfMatchDep, etag
from api.idempotency import IdempotencyDep
from api.problems import PROBLEM_RESPONSES, ApiProblemError
from api.routing import ApiRouter
from api.schemas.common import Accepted, Created
from api.schemas.plans import (
    AgreeOutcome,
    AgreePlan,
    AllocateLeadSocialWorker,
    EndPlan,
    HoldReviewConference,
    PlanListingOut,
    PlanOut,
    PlanPage,
    RateOutcome,
    RecordChildsViews,
    RecordOutcomeAchieved,
    RecordOversight,
    RecordParentalEngagement,
    RecordVisit,
    ReviseOutcome,
    SendLetterOfConcern,
    StartPlan,
    WithdrawOutcome,
)
from api.security.policy import Action
from domain.application import CaseRecord, OutcomeRating, PlanEnding, Saved
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan, RatingOccasion
from domain.values import Dissent, Role
from projections.drift import plan_register

router = ApiRouter(prefix="/api/v1/plans", tags=["plans"], responses=PROBLEM_RESPONSES)


def plan_change(
    gate: Gate,
    cases: CaseRecord,
    response: Response,
    plan_id: UUID,
    action: Action,
    version: int,
    change: Callable[[ChildProtectionPlan], Any],
) -> Response:
    """The common shape of a change to the plan's own stream: check `action` on the live plan,
    then make `change`, starting from the plan the check has just read."""
    seen = gate.plan(plan_id, action).plan
    return accepted(response, cases.change_plan(plan_id, change, version, read=seen))


def accepted(response: Response, saved: Saved) -> Response:
    """202 with where the change sits in the log and the record's new version (its ETag), plus
    any header the route set on `response`. Built here rather than from a returned model: a
    model returned by a plain `def` route is validated again in a worker thread."""
    return JSONResponse(
        {"position": saved.position, "version": saved.version},
        status_code=202,
        headers={**response.headers, "ETag": etag(saved.version)},
    )


@router.post("", status_code=201, response_model=Created)
def start_plan(body: StartPlan, gate: GateDep, cases: CasesDep, once: IdempotencyDep) -> Response:
    """Key decision point 1: record the initial conference that decided a plan is needed."""
    gate.child(body.child_id, Action.START_PLAN)
    return once.create(
        "plan",
        "/api/v1/plans/{id}",
        body,
        lambda plan_id: cases.start_plan(
            plan_id=plan_id,
            core_group_id=_core_group_id(plan_id),
            by=gate.user.actor,
            **body.command(),
        ),
    )


def _core_group_id(plan_id: UUID) -> UUID:
    return uuid5(plan_id, "core-group")


@router.get("", response_model=PlanPage)
def list_plans(
    gate: GateDep,
    cases: CasesDep,
    engine: EngineDep,
    team: str | None = None,
    status: Annotated[str | None, Query(pattern="^(open|ended)$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
) -> PlanPage:
    """The plans you may see, newest first, a page at a time."""
    return _page(gate, cases, engine, team, status, cursor, limit)


@router.get("/{plan_id}", response_model=PlanOut)
def read_plan(plan_id: UUID, gate: GateDep, response: Response) -> PlanOut:
    plan = gate.plan(plan_id, Action.VIEW_PLAN).plan
    assert plan is not None
    response.headers["ETag"] = etag(plan.version)
    return PlanOut.of(plan)


@router.post("/{plan_id}/lead-social-worker", status_code=202, response_model=Accepted)
def allocate_lead_social_worker(
    plan_id: UUID,
    body: AllocateLeadSocialWorker,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.ALLOCATE_WORKER,
        version,
        lambda p: p.allocate_lead_social_worker(by=gate.user.actor, **body.model_dump()),
    )


@router.post("/{plan_id}/outcomes", status_code=202, response_model=Accepted)
def agree_outcome(
    plan_id: UUID,
    body: AgreeOutcome,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """Agree an outcome: what must be different for the child, and how everyone will know."""
    outcome_id = _new_outcome_id(plan_id, version)
    response.headers["Location"] = f"/api/v1/plans/{plan_id}/outcomes/{outcome_id}"
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.MANAGE_PLAN,
        version,
        lambda p: p.agree_outcome(by=gate.user.actor, outcome_id=outcome_id, **body.model_dump()),
    )


def _new_outcome_id(plan_id: UUID, version: int) -> UUID:
    """Derived from the version it is agreed against: a repeated request cannot agree it twice
    (the second fails on the version)."""
    return uuid5(plan_id, f"outcome-{version}")


@router.post("/{plan_id}/outcomes/{outcome_id}/revision", status_code=202, response_model=Accepted)
def revise_outcome(
    plan_id: UUID,
    outcome_id: UUID,
    body: ReviseOutcome,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.MANAGE_PLAN,
        version,
        lambda p: p.revise_outcome(by=gate.user.actor, outcome_id=outcome_id, **body.model_dump()),
    )


@router.post(
    "/{plan_id}/outcomes/{outcome_id}/achievement", status_code=202, response_model=Accepted
)
def record_outcome_achieved(
    plan_id: UUID,
    outcome_id: UUID,
    body: RecordOutcomeAchieved,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.MANAGE_PLAN,
        version,
        lambda p: p.record_outcome_achieved(
            by=gate.user.actor, outcome_id=outcome_id, **body.model_dump()
        ),
    )


@router.post(
    "/{plan_id}/outcomes/{outcome_id}/withdrawal", status_code=202, response_model=Accepted
)
def withdraw_outcome(
    plan_id: UUID,
    outcome_id: UUID,
    body: WithdrawOutcome,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.MANAGE_PLAN,
        version,
        lambda p: p.withdraw_outcome(
            by=gate.user.actor, outcome_id=outcome_id, **body.model_dump()
        ),
    )


@router.post("/{plan_id}/outcomes/{outcome_id}/ratings", status_code=202, response_model=Accepted)
def rate_outcome(
    plan_id: UUID,
    outcome_id: UUID,
    body: RateOutcome,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """Rate progress on an outcome, 0-10, with the evidence."""
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.RATE_OUTCOME,
        version,
        lambda p: p.rate_outcome_progress(
            by=gate.user.actor, outcome_id=outcome_id, **body.model_dump()
        ),
    )


@router.post("/{plan_id}/agreement", status_code=202, response_model=Accepted)
def agree_plan(
    plan_id: UUID,
    body: AgreePlan,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """Key decision point 2: the plan, with its outcomes and contingency, is agreed."""
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.MANAGE_PLAN,
        version,
        lambda p: p.agree(by=gate.user.actor, **body.model_dump()),
    )


@router.post("/{plan_id}/visits", status_code=202, response_model=Accepted)
def record_visit(
    plan_id: UUID,
    body: RecordVisit,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.MANAGE_PLAN,
        version,
        lambda p: p.record_visit(by=gate.user.actor, **body.model_dump()),
    )


@router.post("/{plan_id}/childs-views", status_code=202, response_model=Accepted)
def record_childs_views(
    plan_id: UUID,
    body: RecordChildsViews,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.MANAGE_PLAN,
        version,
        lambda p: p.record_childs_views(by=gate.user.actor, **body.model_dump()),
    )


@router.post("/{plan_id}/parental-engagement", status_code=202, response_model=Accepted)
def record_parental_engagement(
    plan_id: UUID,
    body: RecordParentalEngagement,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.MANAGE_PLAN,
        version,
        lambda p: p.record_parental_engagement(
            by=gate.user.actor, occasion=RatingOccasion.VISIT, **body.model_dump()
        ),
    )


@router.post("/{plan_id}/letters-of-concern", status_code=202, response_model=Accepted)
def send_letter_of_concern(
    plan_id: UUID,
    body: SendLetterOfConcern,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """The chair's response to parents not engaging; it may postpone the review."""
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.RECORD_CONFERENCE,
        version,
        lambda p: p.send_letter_of_concern(by=gate.user.actor, **body.model_dump()),
    )


@router.post("/{plan_id}/oversight", status_code=202, response_model=Accepted)
def record_management_oversight(
    plan_id: UUID,
    body: RecordOversight,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """What the manager agreed and why, the options considered and what was learnt."""
    return plan_change(
        gate,
        cases,
        response,
        plan_id,
        Action.RECORD_OVERSIGHT,
        version,
        lambda p: p.record_management_oversight(by=gate.user.actor, **body.model_dump()),
    )


@router.post("/{plan_id}/review-conferences", status_code=202, response_model=Accepted)
def hold_review_conference(
    plan_id: UUID,
    body: HoldReviewConference,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """A review conference; when it decides the child is no longer at continuing risk, the plan
    ends that day (key decision point 3)."""
    context = gate.plan(plan_id, Action.RECORD_CONFERENCE)
    assert context.core_group is not None
    return accepted(
        response,
        cases.hold_review_conference(
            plan_id=plan_id,
            core_group_id=context.core_group.id,
            by=gate.user.actor,
            held_on=body.held_on,
            decision=body.decision,
            category=body.category,
            conference=body.conference_decision(),
            ratings=[OutcomeRating(r.outcome_id, r.score, r.evidence) for r in body.ratings],
            parental_engagement=body.parental_engagement,
            step_down_to_child_in_need=body.step_down_to_child_in_need,
            expected_version=version,
        ),
    )


@router.post("/{plan_id}/ending", status_code=202, response_model=Accepted)
def end_plan(
    plan_id: UUID,
    body: EndPlan,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """End a plan administratively: moved, turned 18, died or left the UK."""
    context = gate.plan(plan_id, Action.END_PLAN)
    assert context.core_group is not None
    ending = PlanEnding(
        ended_on=body.ended_on,
        reason=body.reason,
        dissent=tuple(Dissent(d.by_name, d.agency, d.reason) for d in body.dissent),
    )
    return accepted(
        response,
        cases.end_plan(
            plan_id=plan_id,
            core_group_id=context.core_group.id,
            by=gate.user.actor,
            ending=ending,
            expected_version=version,
        ),
    )


# --- the register --------------------------------------------------------------------------------

SCAN_LIMIT = 500


def _page(
    gate: GateDep,
    cases: CasesDep,
    engine: EngineDep,
    team: str | None,
    status: str | None,
    cursor: str | None,
    limit: int,
) -> PlanPage:
    """Candidates come from the plan register (a projection), narrowed by the user's role; each
    is then checked by the policy against the live plan and core group."""
    view = next(v for v in engine.views if v.model.name == "drift")
    user = gate.user
    after = _decode_cursor(cursor)
    by_role: dict[Role, dict[str, Any]] = {
        Role.SOCIAL_WORKER: {"lead_worker_id": user.user_id},
        Role.AGENCY_PRACTITIONER: {"member_id": user.user_id},
        Role.TEAM_MANAGER: {"team": user.team},
    }
    filters = by_role.get(user.role, {})
    if team is not None:
        filters = {**filters, "team": team}
    found: list[PlanListingOut] = []
    scanned = 0
    while len(found) < limit and scanned < SCAN_LIMIT:
        batch = plan_register(
            view,
            open_only=None if status is None else status == "open",
            after=after,
            limit=limit,
            **filters,
        )
        if not batch:
            after = None
            break
        for line in batch:
            scanned += 1
            after = (line.icpc_on, line.plan_id)
            plan = cases.load(ChildProtectionPlan, line.plan_id)
            if gate.sees(plan, cases.load(CoreGroup, plan.core_group_id)):
                found.append(
                    PlanListingOut(
                        plan_id=line.plan_id,
                        team=plan.team,
                        lead_social_worker_id=plan.lead_social_worker_id,
                        lead_social_worker_name=plan.lead_social_worker_name,
                        icpc_on=plan.icpc_on,
                        next_review_due=None if plan.ended_on else plan.next_review_due,
                        ended_on=plan.ended_on,
                    )
                )
                if len(found) == limit:
                    break
    return PlanPage(plans=found, next_cursor=_encode_cursor(after) if after else None)


def _encode_cursor(after: tuple[date, UUID]) -> str:
    return base64.urlsafe_b64encode(f"{after[0].isoformat()}|{after[1]}".encode()).decode()


def _decode_cursor(cursor: str | None) -> tuple[date, UUID] | None:
    if cursor is None:
        return None
    try:
        on, plan_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|")
        return date.fromisoformat(on), UUID(plan_id)
    except (ValueError, UnicodeDecodeError) as error:
        raise ApiProblemError(
            422, "Invalid cursor", "Use the next_cursor of a page.", "cursor"
        ) from error
