"""Escalations and drift: where a team manager sees the professional disagreements about the
team's plans, works each one through the partnership's stages, and spots plans that are slipping.

Lists read the projections, narrowed to the plans the person may see (decided on the live
streams). An escalation's own page reads its live stream, so what it shows is the version its
forms are made against.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar
from uuid import UUID, uuid4

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from api.deps import (
    READ_YOUR_WRITES_TIMEOUT,
    EngineDep,
    Gate,
    TodayDep,
)
from api.schemas.escalations import (
    AgreeActions,
    AgreedActionIn,
    MoveToNextStage,
    RaiseEscalation,
    RecordContact,
    ResolveEscalation,
    WithdrawEscalation,
)
from api.security.policy import Action, Context, Decision, decide
from domain.errors import ConcurrentChangeError, DomainError, StaleVersionError
from domain.escalation import AgreedAction, Escalation, EscalationKind, EscalationSubject
from domain.values import Actor, Role
from projections.drift import (
    STALLED_MONTHS,
    STALLED_RATINGS,
    Caseload,
    PlanDrift,
    caseloads,
    drift_list,
)
from projections.escalations import (
    EscalationRow,
    StageCount,
    each_open_escalation,
    open_by_stage,
)
from projections.plan_history import Known
from web.forms import FieldError, posted
from web.pages.shared import (
    ROWS_SHOWN,
    Sight,
    check_form,
    conflict_message,
    domain_error_status,
    first_visible,
    open_plan,
    plan_names,
    prefixed,
    role_name,
    version_of,
    views_of,
)
from web.render import long_date, page
from web.session import PageGateDep, check_csrf

router = APIRouter(include_in_schema=False)

M = TypeVar("M", bound=BaseModel)

KIND_NAMES = {
    EscalationKind.PROFESSIONAL_DISAGREEMENT.value: "Professional disagreement",
    EscalationKind.PRACTICE_ALERT.value: "Practice alert (a conference chair's challenge)",
}
SUBJECT_NAMES = {
    EscalationSubject.THRESHOLD.value: "Threshold",
    EscalationSubject.PLAN_IMPLEMENTATION.value: "Plan implementation",
    EscalationSubject.TASK_NOT_DONE.value: "Task not done",
    EscalationSubject.INFORMATION_SHARING.value: "Information sharing",
    EscalationSubject.ENDING_THE_PLAN.value: "Ending the plan",
    EscalationSubject.DRIFT.value: "Drift",
    EscalationSubject.OTHER.value: "Something else",
}
SAVED = {
    "raised": "Escalation raised",
    "contact": "Contact recorded",
    "actions": "Agreed action recorded",
    "next-stage": "Moved to the next stage",
    "resolve": "Escalation resolved",
    "withdraw": "Escalation withdrawn",
}
"""The banners a redirect may ask for: only these words are ever shown, never the query."""


def escalation_known(escalation: Escalation) -> Known:
    return Known(
        escalation={
            "kind": escalation.kind.value,
            "stage_names": [stage.name for stage in escalation.policy.stages],
        }
    )


# --- the list of open escalations ---------------------------------------------------------------


def by_stage(rows: Iterable[EscalationRow]) -> list[StageCount]:
    """Open escalations at each stage among `rows` (stages as named by the policy each was
    raised under)."""
    counts: dict[tuple[int, str], list[int]] = {}
    for row in rows:
        count = counts.setdefault((row.stage, row.stage_name), [0, 0])
        count[0] += 1
        count[1] += row.is_stage_overdue
    return [
        StageCount(stage, name, open_, overdue)
        for (stage, name), (open_, overdue) in sorted(counts.items())
    ]


def concerning(agency: str | None, conference_decision: bool) -> str:
    parts = [agency] if agency else []
    if conference_decision:
        parts.append("the conference decision")
    return " and ".join(parts)


@router.get("/escalations", response_class=HTMLResponse)
def escalation_list(
    request: Request,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> HTMLResponse:
    gate.allow(Action.VIEW_TEAM_LISTS)
    views = views_of(engine)
    team = gate.user.team if gate.user.role is Role.TEAM_MANAGER else None
    sight = Sight(gate.user, gate.cases)
    rows = first_visible(
        each_open_escalation(views["escalations"], today, team=team), sight, ROWS_SHOWN
    )
    # A team manager sees every plan of the team, so the team's counts are theirs to see, all
    # of them, though the list stops at its most urgent rows. Anyone else sees the escalations
    # of the plans they work on: counted among the rows found, which are all of them unless
    # the list is full.
    if team is not None:
        stages = open_by_stage(views["escalations"], today, team=team)
    else:
        stages = by_stage(rows)
    return page(
        request,
        "escalations/list.html",
        {
            "rows": rows,
            "stages": stages,
            "total": sum(stage.open for stage in stages),
            "counted_in_full": team is not None or len(rows) < ROWS_SHOWN,
            "names": plan_names(sight.streams, {row.plan_id for row in rows}),
            "team": team,
            "subjects": SUBJECT_NAMES,
            "role_name": role_name,
            "concerning": concerning,
        },
    )


# --- one escalation -------------------------------------------------------------------------------


@dataclass(frozen=True)
class StageLine:
    number: int
    name: str
    who: str
    started_on: date
    due_on: date | None
    ended_on: date | None


@dataclass(frozen=True)
class Happening:
    """One thing recorded about the escalation, in full (the history elsewhere is brief)."""

    on: date
    title: str
    by: Actor
    details: tuple[tuple[str, str], ...] = ()
    actions: tuple[AgreedAction, ...] = ()


def stages_and_happenings(
    escalation: Escalation, events: Iterable[Any]
) -> tuple[list[StageLine], list[Happening]]:
    """The stages climbed and everything recorded, read from the escalation's own stream."""
    policy = escalation.policy
    stages: list[StageLine] = []
    happened: list[Happening] = []

    def stage(number: int, started_on: date, due_on: date | None) -> None:
        if stages:
            stages[-1] = _ended(stages[-1], started_on)
        named = policy.stage(number)
        stages.append(StageLine(number, named.name, named.who, started_on, due_on, None))

    for event in events:
        match event:
            case Escalation.Raised():
                stage(1, event.raised_on, event.stage_due_on)
                about = concerning(event.concerning_agency, event.concerning_conference_decision)
                happened.append(
                    Happening(
                        event.raised_on,
                        f"Raised at stage 1 ({policy.stage(1).name})",
                        event.by,
                        (
                            ("Concerning", about),
                            ("Subject", SUBJECT_NAMES[EscalationSubject(event.subject).value]),
                            ("What it is about", event.description),
                        ),
                    )
                )
            case Escalation.ContactRecorded():
                happened.append(
                    Happening(
                        event.contacted_on,
                        f"Contact with {event.contact_name} ({event.contact_agency})",
                        event.by,
                        (("What was discussed", event.summary),),
                    )
                )
            case Escalation.ActionsAgreed():
                happened.append(
                    Happening(
                        event.agreed_on, "Actions agreed", event.by, actions=tuple(event.actions)
                    )
                )
            case Escalation.MovedToNextStage():
                stage(event.stage, event.moved_on, event.stage_due_on)
                happened.append(
                    Happening(
                        event.moved_on,
                        f"Moved to stage {event.stage} ({policy.stage(event.stage).name})",
                        event.by,
                        (("Why it was not resolved at the stage before", event.reason),),
                    )
                )
            case Escalation.Resolved():
                stages[-1] = _ended(stages[-1], event.resolved_on)
                happened.append(
                    Happening(
                        event.resolved_on,
                        "Resolved",
                        event.by,
                        (("Outcome", event.outcome), ("What was learnt", event.learning)),
                    )
                )
            case Escalation.Withdrawn():
                stages[-1] = _ended(stages[-1], event.withdrawn_on)
                happened.append(
                    Happening(
                        event.withdrawn_on, "Withdrawn", event.by, (("Reason", event.reason),)
                    )
                )
    return stages, happened


def _ended(line: StageLine, on: date) -> StageLine:
    return StageLine(line.number, line.name, line.who, line.started_on, line.due_on, on)


def escalation_page(
    request: Request,
    gate: Gate,
    today: date,
    escalation_id: UUID,
    *,
    failed: str | None = None,
    form: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = gate.escalation(escalation_id, Action.VIEW_PLAN)
    escalation, plan = context.escalation, context.plan
    assert escalation is not None
    assert plan is not None
    stages, happened = stages_and_happenings(
        escalation, gate.cases.events.get(escalation_id, lte=escalation.version)
    )
    saved = request.query_params.get("saved") if status_code == 200 else None
    return page(
        request,
        "escalations/escalation.html",
        {
            "escalation": escalation,
            "subject": SUBJECT_NAMES[escalation.subject.value],
            "plan_name": plan_names(gate.cases, [plan.id])[plan.id],
            "stages": stages,
            "happened": happened,
            "overdue": escalation.is_stage_overdue(today),
            "days_open": escalation.days_open(today),
            "at_last_stage": escalation.stage >= escalation.policy.last_stage,
            "may_progress": _allowed(gate, Action.PROGRESS_ESCALATION, context),
            "may_decide": _allowed(gate, Action.DECIDE_ESCALATION, context),
            "kinds": KIND_NAMES,
            "subjects": SUBJECT_NAMES,
            "role_name": role_name,
            "concerning": concerning,
            "today": today.isoformat(),
            "failed": failed,
            "form": form or {},
            "errors": errors or [],
            "saved": SAVED.get(saved or ""),
        },
        status_code,
    )


def _allowed(gate: Gate, action: Action, context: Context) -> bool:
    return decide(gate.user, action, context) is Decision.ALLOW


@router.get("/escalations/{escalation_id}", response_class=HTMLResponse)
def read_escalation(
    request: Request,
    escalation_id: UUID,
    gate: PageGateDep,
    today: TodayDep,
) -> HTMLResponse:
    return escalation_page(request, gate, today, escalation_id)


Change = Callable[[Escalation], object]
Build = Callable[[dict[str, Any], Actor], tuple[Change | None, list[FieldError]]]


@dataclass(frozen=True)
class EscalationForm:
    """One of the forms on an escalation's page: its name (also its ids' prefix), who may use
    it, and the field an error about the whole form points at."""

    name: str
    action: Action
    first_field: str

    @property
    def prefix(self) -> str:
        return f"{self.name}-"


async def change_escalation(
    request: Request,
    escalation_id: UUID,
    gate: Gate,
    engine: Any,
    today: date,
    form: EscalationForm,
    build: Build,
) -> Response:
    """Validate a form, apply it to the version the person saw, and come back to the page."""
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    escalation = gate.escalation(escalation_id, form.action).escalation
    assert escalation is not None
    change, errors = build(data, gate.user.actor)
    version = version_of(data)
    if version is None:
        errors = [*errors, FieldError(form.first_field, "Reload the page and try again")]

    def again(problems: list[FieldError], status_code: int) -> HTMLResponse:
        return escalation_page(
            request,
            gate,
            today,
            escalation_id,
            failed=form.name,
            form=data,
            errors=prefixed(problems, form.prefix),
            status_code=status_code,
        )

    def conflict(version: int) -> FieldError:
        known = escalation_known(escalation)
        message = conflict_message("escalation", gate.cases, escalation_id, version, known)
        return FieldError(form.first_field, message)

    if version is not None and version != escalation.version:
        return again([conflict(version), *errors], 409)
    if change is None or version is None:
        return again(errors, 400)
    try:
        saved = gate.cases.change_escalation(escalation_id, change, version)
    except (StaleVersionError, ConcurrentChangeError):
        return again([conflict(version)], 409)
    except DomainError as error:
        return again([FieldError(form.first_field, error.detail)], domain_error_status(error))
    await run_in_threadpool(engine.wait_for, saved.position, READ_YOUR_WRITES_TIMEOUT)
    return RedirectResponse(f"/escalations/{escalation_id}?saved={form.name}", status_code=303)


def _simple(
    model: type[Any], labels: dict[str, str], apply: Callable[[Escalation, Actor, Any], object]
) -> Build:
    def build(data: dict[str, Any], by: Actor) -> tuple[Change | None, list[FieldError]]:
        body, errors = check_form(model, data, labels)
        if body is None:
            return None, errors
        return (lambda e: apply(e, by, body)), []

    return build


CONTACT_LABELS = {
    "contacted_on": "the date of the contact",
    "contact_name": "who you spoke to",
    "contact_agency": "their agency",
    "summary": "what was discussed",
}
ACTION_LABELS = {
    "agreed_on": "the date the action was agreed",
    "description": "what was agreed",
    "owner_agency": "the agency that will do it",
    "due_on": "when it is due",
}
NEXT_STAGE_LABELS = {
    "moved_on": "the date it moved to the next stage",
    "reason": "why it was not resolved at this stage",
}
RESOLVE_LABELS = {
    "resolved_on": "the date it was resolved",
    "outcome": "the outcome",
    "learning": "what was learnt",
}
WITHDRAW_LABELS = {"withdrawn_on": "the date it was withdrawn", "reason": "why it is withdrawn"}


def _agreed_action(data: dict[str, Any], by: Actor) -> tuple[Change | None, list[FieldError]]:
    """One action per submit: the action's fields, and the day it was agreed."""
    action, errors = check_form(AgreedActionIn, data, ACTION_LABELS)
    agreement = {
        "agreed_on": data.get("agreed_on", ""),
        "actions": [action.model_dump()] if action is not None else [],
    }
    body, more = check_form(AgreeActions, agreement, ACTION_LABELS)
    errors = [e for e in more if not e.field.startswith("actions")] + errors
    if body is None or errors:
        return None, errors
    return (
        lambda e: e.agree_actions(by=by, agreed_on=body.agreed_on, actions=body.agreed_actions())
    ), []


@router.post("/escalations/{escalation_id}/contact")
async def record_contact(
    request: Request,
    escalation_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    return await change_escalation(
        request,
        escalation_id,
        gate,
        engine,
        today,
        EscalationForm("contact", Action.PROGRESS_ESCALATION, "contacted_on"),
        _simple(
            RecordContact,
            CONTACT_LABELS,
            lambda e, by, body: e.record_contact(by=by, **body.model_dump()),
        ),
    )


@router.post("/escalations/{escalation_id}/actions")
async def agree_actions(
    request: Request,
    escalation_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    return await change_escalation(
        request,
        escalation_id,
        gate,
        engine,
        today,
        EscalationForm("actions", Action.PROGRESS_ESCALATION, "agreed_on"),
        _agreed_action,
    )


@router.post("/escalations/{escalation_id}/next-stage")
async def move_to_next_stage(
    request: Request,
    escalation_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    return await change_escalation(
        request,
        escalation_id,
        gate,
        engine,
        today,
        EscalationForm("next-stage", Action.DECIDE_ESCALATION, "moved_on"),
        _simple(
            MoveToNextStage,
            NEXT_STAGE_LABELS,
            lambda e, by, body: e.move_to_next_stage(by=by, **body.model_dump()),
        ),
    )


@router.post("/escalations/{escalation_id}/resolve")
async def resolve_escalation(
    request: Request,
    escalation_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    return await change_escalation(
        request,
        escalation_id,
        gate,
        engine,
        today,
        EscalationForm("resolve", Action.DECIDE_ESCALATION, "resolved_on"),
        _simple(
            ResolveEscalation,
            RESOLVE_LABELS,
            lambda e, by, body: e.resolve(by=by, **body.model_dump()),
        ),
    )


@router.post("/escalations/{escalation_id}/withdraw")
async def withdraw_escalation(
    request: Request,
    escalation_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    return await change_escalation(
        request,
        escalation_id,
        gate,
        engine,
        today,
        EscalationForm("withdraw", Action.DECIDE_ESCALATION, "withdrawn_on"),
        _simple(
            WithdrawEscalation,
            WITHDRAW_LABELS,
            lambda e, by, body: e.withdraw(by=by, **body.model_dump()),
        ),
    )


# --- raising an escalation ----------------------------------------------------------------------

RAISE_LABELS = {
    "kind": "what kind of escalation this is",
    "concerning_agency": "the agency the disagreement is with",
    "concerning_conference_decision": "whether it is about a conference decision",
    "subject": "what it is about",
    "description": "what the disagreement is about",
    "raised_on": "the date it was raised",
}


def raise_page(
    request: Request,
    gate: Gate,
    plan_id: UUID,
    today: date,
    form: dict[str, Any],
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = open_plan(gate, plan_id, Action.RAISE_ESCALATION)
    assert context.core_group is not None
    return page(
        request,
        "escalations/new.html",
        {
            "plan_id": plan_id,
            "plan_name": plan_names(gate.cases, [plan_id])[plan_id],
            "agencies": context.core_group.member_agencies,
            "kinds": list(KIND_NAMES.items()),
            "subjects": list(SUBJECT_NAMES.items()),
            "form": form,
            "errors": errors or [],
        },
        status_code,
    )


@router.get("/plans/{plan_id}/escalations/new", response_class=HTMLResponse)
def raise_escalation_form(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    today: TodayDep,
) -> HTMLResponse:
    kind = (
        EscalationKind.PRACTICE_ALERT
        if gate.user.role is Role.CONFERENCE_CHAIR
        else EscalationKind.PROFESSIONAL_DISAGREEMENT
    )
    form = {
        "kind": kind.value,
        "concerning_conference_decision": "false",
        "raised_on": today.isoformat(),
    }
    return raise_page(request, gate, plan_id, today, form)


@router.post("/plans/{plan_id}/escalations/new")
async def raise_escalation(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    gate.plan(plan_id, Action.RAISE_ESCALATION)
    body, errors = check_form(
        RaiseEscalation, data, RAISE_LABELS, ("kind", "subject", "concerning_conference_decision")
    )
    if body is None:
        return raise_page(request, gate, plan_id, today, data, errors, 400)
    escalation_id = uuid4()
    try:
        saved = gate.cases.raise_escalation(
            escalation_id=escalation_id, plan_id=plan_id, by=gate.user.actor, **body.model_dump()
        )
    except DomainError as error:
        problem = [FieldError("concerning_agency", error.detail)]
        return raise_page(request, gate, plan_id, today, data, problem, domain_error_status(error))
    await run_in_threadpool(engine.wait_for, saved.position, READ_YOUR_WRITES_TIMEOUT)
    return RedirectResponse(f"/escalations/{escalation_id}?saved=raised", status_code=303)


# --- drift ----------------------------------------------------------------------------------------


def drift_words(drift: PlanDrift) -> list[str]:
    """What is slipping on one plan, in words a manager can act on."""
    words = []
    if drift.core_group_overdue:
        due = f": it was due {long_date(drift.next_core_group_due)}"
        words.append("Core group meeting overdue" + (due if drift.next_core_group_due else ""))
    if drift.review_overdue:
        due = f": it was due {long_date(drift.next_review_due)}"
        words.append("Review conference overdue" + (due if drift.next_review_due else ""))
    if drift.overdue_tasks:
        agencies = ", ".join(drift.overdue_task_agencies)
        noun = "agency task" if drift.overdue_tasks == 1 else "agency tasks"
        words.append(f"{drift.overdue_tasks} {noun} overdue ({agencies})")
    if drift.stalled_outcomes:
        count = len(drift.stalled_outcomes)
        noun = "outcome" if count == 1 else "outcomes"
        words.append(
            f"{count} {noun} stalled: no improvement over the last {STALLED_RATINGS} ratings "
            f"or {STALLED_MONTHS} months, or not rated since agreed"
        )
    if drift.parental_non_engagement:
        letters = drift.letters_of_concern
        sent = f"; {letters} letter{'s' if letters != 1 else ''} of concern sent" if letters else ""
        words.append(f"Parents not engaging with the plan{sent}")
    return words


@router.get("/drift", response_class=HTMLResponse)
def drift(
    request: Request,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> HTMLResponse:
    gate.allow(Action.VIEW_TEAM_LISTS)
    views = views_of(engine)
    team = gate.user.team if gate.user.role is Role.TEAM_MANAGER else None
    sight = Sight(gate.user, gate.cases)
    candidates = drift_list(views["drift"], today, team=team)
    drifting = first_visible(candidates, sight, ROWS_SHOWN)
    loads: list[Caseload] = (
        caseloads(views["drift"], today, team=team) if gate.user.role is Role.TEAM_MANAGER else []
    )
    return page(
        request,
        "escalations/drift.html",
        {
            "drifting": [(d, drift_words(d)) for d in drifting],
            # The team's plans are all a team manager's to see: the list counts them all.
            "total": len(candidates) if team is not None else None,
            "list_full": len(drifting) == ROWS_SHOWN,
            "names": plan_names(sight.streams, {d.plan_id for d in drifting}),
            "caseloads": loads,
            "team": team,
            "is_manager": gate.user.role is Role.TEAM_MANAGER,
        },
    )
