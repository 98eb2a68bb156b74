"""Escalations: raising a professional disagreement about a plan and working it through the
partnership's stages. Changes carry the escalation's ETag in If-Match."""

from __future__ import annotations

from uuid import UUID

from fastapi import Response

from api.deps import CasesDep, GateDep, IfMatchDep, TodayDep, etag
from api.idempotency import IdempotencyDep
from api.problems import PROBLEM_RESPONSES
from api.routers.plans import accepted
from api.routing import ApiRouter
from api.schemas.common import Accepted, Created
from api.schemas.escalations import (
    AgreeActions,
    EscalationOut,
    MoveToNextStage,
    RaiseEscalation,
    RecordContact,
    ResolveEscalation,
    WithdrawEscalation,
)
from api.security.policy import Action

router = ApiRouter(prefix="/api/v1", tags=["escalations"], responses=PROBLEM_RESPONSES)


@router.post("/plans/{plan_id}/escalations", status_code=201, response_model=Created)
def raise_escalation(
    plan_id: UUID, body: RaiseEscalation, gate: GateDep, cases: CasesDep, once: IdempotencyDep
) -> Response:
    """Raise a professional disagreement (or a chair's practice alert) about the plan; stage 1
    starts that day, on the partnership's policy as configured now."""
    gate.plan(plan_id, Action.RAISE_ESCALATION)
    return once.create(
        f"escalation:{plan_id}",
        "/api/v1/escalations/{id}",
        body,
        lambda escalation_id: cases.raise_escalation(
            escalation_id=escalation_id, plan_id=plan_id, by=gate.user.actor, **body.model_dump()
        ),
    )


@router.get("/escalations/{escalation_id}", response_model=EscalationOut)
def read_escalation(
    escalation_id: UUID, gate: GateDep, today: TodayDep, response: Response
) -> EscalationOut:
    escalation = gate.escalation(escalation_id, Action.VIEW_PLAN).escalation
    assert escalation is not None
    response.headers["ETag"] = etag(escalation.version)
    return EscalationOut.of(escalation, today)


@router.post("/escalations/{escalation_id}/contacts", status_code=202, response_model=Accepted)
def record_contact(
    escalation_id: UUID,
    body: RecordContact,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """A conversation with the other side, so the record shows the disagreement was taken up."""
    gate.escalation(escalation_id, Action.PROGRESS_ESCALATION)
    return accepted(
        response,
        cases.change_escalation(
            escalation_id,
            lambda e: e.record_contact(by=gate.user.actor, **body.model_dump()),
            version,
        ),
    )


@router.post("/escalations/{escalation_id}/actions", status_code=202, response_model=Accepted)
def agree_actions(
    escalation_id: UUID,
    body: AgreeActions,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """An action plan between the agencies: who will do what, by when."""
    gate.escalation(escalation_id, Action.PROGRESS_ESCALATION)
    return accepted(
        response,
        cases.change_escalation(
            escalation_id,
            lambda e: e.agree_actions(
                by=gate.user.actor, agreed_on=body.agreed_on, actions=body.agreed_actions()
            ),
            version,
        ),
    )


@router.post("/escalations/{escalation_id}/next-stage", status_code=202, response_model=Accepted)
def move_to_next_stage(
    escalation_id: UUID,
    body: MoveToNextStage,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """Not resolved at this stage: it goes to the next level of seniority, whose clock starts
    that day."""
    gate.escalation(escalation_id, Action.DECIDE_ESCALATION)
    return accepted(
        response,
        cases.change_escalation(
            escalation_id,
            lambda e: e.move_to_next_stage(by=gate.user.actor, **body.model_dump()),
            version,
        ),
    )


@router.post("/escalations/{escalation_id}/resolution", status_code=202, response_model=Accepted)
def resolve_escalation(
    escalation_id: UUID,
    body: ResolveEscalation,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """Closed with what was decided and what was learnt."""
    gate.escalation(escalation_id, Action.DECIDE_ESCALATION)
    return accepted(
        response,
        cases.change_escalation(
            escalation_id,
            lambda e: e.resolve(by=gate.user.actor, **body.model_dump()),
            version,
        ),
    )


@router.post("/escalations/{escalation_id}/withdrawal", status_code=202, response_model=Accepted)
def withdraw_escalation(
    escalation_id: UUID,
    body: WithdrawEscalation,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """The person who raised it no longer pursues it, and says why."""
    gate.escalation(escalation_id, Action.DECIDE_ESCALATION)
    return accepted(
        response,
        cases.change_escalation(
            escalation_id,
            lambda e: e.withdraw(by=gate.user.actor, **body.model_dump()),
            version,
        ),
    )
