"""Running a plan: what the lead social worker (and the team manager) do between conferences.

Agreeing the plan's outcomes and the plan itself (key decision point 2), giving partner agencies
their tasks, keeping the core group and recording its meetings with attendance, the parents'
engagement and a rating of each outcome. Registering a child starts the record a conference
chair then makes a plan on.

Each form carries the version of the record it was made against; if someone else changed the
record in the meantime, the page says what changed and keeps what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any
from uuid import UUID, uuid4, uuid5

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import (
    READ_YOUR_WRITES_TIMEOUT,
    EngineDep,
    Gate,
    TodayDep,
)
from api.routers.plans import _new_outcome_id
from api.schemas.core_groups import (
    AddMember,
    CoreGroupOut,
    RecordDeparture,
    RecordMeetingHeld,
    ScheduleMeeting,
)
from api.schemas.plans import AgreeOutcome, AgreePlan, RatingIn, RegisterChild
from api.schemas.tasks import AssignTask
from api.security.accounts import Accounts, User
from api.security.policy import Action, Context, Decision, decide
from domain.application import CaseRecord, Saved
from domain.child import ChildDetails, Gender
from domain.core_group import AttendanceStatus, CoreGroup, MeetingStatus
from domain.errors import ConcurrentChangeError, DomainError, StaleVersionError
from domain.plan import ChildProtectionPlan, OutcomeStatus
from domain.values import ParentalEngagement, Role
from web.forms import FieldError, posted
from web.pages.shared import (
    check_form,
    conflict_message,
    domain_error_status,
    open_plan,
    plan_names,
    prefixed,
    version_of,
)
from web.render import long_date, page
from web.session import PageGateDep, check_csrf

router = APIRouter(include_in_schema=False)

ENGAGEMENT = [
    (ParentalEngagement.ENGAGED.value, "Engaged"),
    (ParentalEngagement.PARTIALLY_ENGAGED.value, "Partly engaged"),
    (ParentalEngagement.NOT_ENGAGED.value, "Not engaged"),
]
ATTENDANCE = [
    (AttendanceStatus.ATTENDED.value, "Attended"),
    (AttendanceStatus.SENT_APOLOGIES.value, "Sent apologies"),
    (AttendanceStatus.DID_NOT_ATTEND.value, "Did not attend"),
]
GENDERS = [
    (Gender.FEMALE.value, "Female"),
    (Gender.MALE.value, "Male"),
    (Gender.NOT_KNOWN.value, "Not known"),
    (Gender.NOT_STATED.value, "Not stated"),
]
YES_NO = [("true", "Yes"), ("false", "No")]
MEMBER_ROLES = (Role.AGENCY_PRACTITIONER, Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
"""Who can sit in a core group: partner agencies' practitioners and the local authority's social
workers and managers (chairs stay independent of the group)."""
NOT_SCHEDULED = "not-scheduled"
SOMEONE_ELSE = "someone-else"
SAVED = {
    "member-added": "Member added to the core group",
    "member-removed": "Member's departure recorded",
    "meeting-scheduled": "Meeting scheduled",
}


async def _wait(engine: Any, saved: Saved) -> None:
    """Read-your-writes: the page redirected to reads views that must show the change."""
    await run_in_threadpool(engine.wait_for, saved.position, READ_YOUR_WRITES_TIMEOUT)


def _plan_of(context: Context) -> ChildProtectionPlan:
    assert context.plan is not None
    return context.plan


def _core_group_of(context: Context) -> CoreGroup:
    assert context.core_group is not None
    return context.core_group


def _agreed_outcomes(plan: ChildProtectionPlan) -> list[tuple[str, str]]:
    """The outcomes still being worked towards, as (id, wording), in the order agreed."""
    return [
        (outcome_id, outcome.wording)
        for outcome_id, outcome in plan.outcomes.items()
        if outcome.status is OutcomeStatus.AGREED
    ]


def _save_plan_change(
    cases: CaseRecord,
    plan_id: UUID,
    version: int,
    change: Callable[[ChildProtectionPlan], object],
    first_field: str,
) -> tuple[Saved | None, list[FieldError], int]:
    try:
        return cases.change_plan(plan_id, change, version), [], 303
    except (StaleVersionError, ConcurrentChangeError):
        message = conflict_message("plan", cases, plan_id, version)
        return None, [FieldError(first_field, message)], 409
    except DomainError as error:
        return None, [FieldError(first_field, error.detail)], domain_error_status(error)


def _version_check(
    data: dict[str, Any], current: int, what: str, cases: CaseRecord, record_id: UUID, field: str
) -> tuple[int | None, list[FieldError], int]:
    """The version a form was made against, with the problem if it is missing (400) or no
    longer the record's (409, saying what changed since)."""
    version = version_of(data)
    if version is None:
        return None, [FieldError(field, "Reload the page and try again")], 400
    if version != current:
        message = conflict_message(what, cases, record_id, version)
        return version, [FieldError(field, message)], 409
    return version, [], 400


# --- agreeing an outcome ------------------------------------------------------------------------

OUTCOME_LABELS = {
    "wording": "what must be different for the child",
    "how_we_will_know": "how we will know",
    "baseline": "the score now",
    "target": "the target score",
}


def _outcome_page(
    request: Request,
    gate: Gate,
    plan_id: UUID,
    form: dict[str, Any],
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    plan = _plan_of(open_plan(gate, plan_id, Action.MANAGE_PLAN))
    return page(
        request,
        "running/outcome_new.html",
        {
            "plan": plan,
            "plan_name": plan_names(gate.cases, [plan_id])[plan_id],
            "form": form,
            "errors": errors or [],
        },
        status_code,
    )


@router.get("/plans/{plan_id}/outcomes/new", response_class=HTMLResponse)
def agree_outcome_form(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
) -> HTMLResponse:
    return _outcome_page(request, gate, plan_id, {})


@router.post("/plans/{plan_id}/outcomes/new")
async def agree_outcome(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    plan = _plan_of(gate.plan(plan_id, Action.MANAGE_PLAN))
    body, errors = check_form(AgreeOutcome, data, OUTCOME_LABELS)
    version, stale, status = _version_check(
        data, plan.version, "plan", gate.cases, plan_id, "wording"
    )
    if body is None or version is None or stale:
        return _outcome_page(request, gate, plan_id, data, [*stale, *errors], status)
    outcome_id = _new_outcome_id(plan_id, version)
    saved, errors, status = _save_plan_change(
        gate.cases,
        plan_id,
        version,
        lambda p: p.agree_outcome(by=gate.user.actor, outcome_id=outcome_id, **body.model_dump()),
        "wording",
    )
    if saved is None:
        return _outcome_page(request, gate, plan_id, data, errors, status)
    await _wait(engine, saved)
    return RedirectResponse(f"/plans/{plan_id}?saved=outcome", status_code=303)


# --- agreeing the plan --------------------------------------------------------------------------

AGREEMENT_LABELS = {
    "agreed_on": "the date the plan was agreed",
    "contingency_plan": "the contingency plan",
}


def _agreement_page(
    request: Request,
    gate: Gate,
    plan_id: UUID,
    form: dict[str, Any],
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    plan = _plan_of(open_plan(gate, plan_id, Action.MANAGE_PLAN))
    return page(
        request,
        "running/agreement.html",
        {
            "plan": plan,
            "plan_name": plan_names(gate.cases, [plan_id])[plan_id],
            "outcomes": _agreed_outcomes(plan),
            "form": form,
            "errors": errors or [],
        },
        status_code,
    )


@router.get("/plans/{plan_id}/agreement", response_class=HTMLResponse)
def agree_plan_form(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    today: TodayDep,
) -> HTMLResponse:
    form = {"agreed_on": today.isoformat()}
    return _agreement_page(request, gate, plan_id, form)


@router.post("/plans/{plan_id}/agreement")
async def agree_plan(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    plan = _plan_of(gate.plan(plan_id, Action.MANAGE_PLAN))
    body, errors = check_form(AgreePlan, data, AGREEMENT_LABELS)
    version, stale, status = _version_check(
        data, plan.version, "plan", gate.cases, plan_id, "agreed_on"
    )
    if body is None or version is None or stale:
        return _agreement_page(request, gate, plan_id, data, [*stale, *errors], status)
    saved, errors, status = _save_plan_change(
        gate.cases,
        plan_id,
        version,
        lambda p: p.agree(by=gate.user.actor, **body.model_dump()),
        "agreed_on",
    )
    if saved is None:
        return _agreement_page(request, gate, plan_id, data, errors, status)
    await _wait(engine, saved)
    return RedirectResponse(f"/plans/{plan_id}?saved=agreed", status_code=303)


# --- assigning a task ---------------------------------------------------------------------------

TASK_LABELS = {
    "outcome_id": "the outcome the task serves",
    "agency": "the agency that will do it",
    "assignee_name": "the name of the person who will do it",
    "description": "what the task is",
    "due_on": "the date it is due",
    "assigned_on": "the date it is assigned",
}


def _task_page(
    request: Request,
    gate: Gate,
    plan_id: UUID,
    form: dict[str, Any],
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = open_plan(gate, plan_id, Action.ASSIGN_TASK)
    plan, group = _plan_of(context), _core_group_of(context)
    return page(
        request,
        "running/task_new.html",
        {
            "plan": plan,
            "plan_name": plan_names(gate.cases, [plan_id])[plan_id],
            "outcomes": [("", "Select an outcome"), *_agreed_outcomes(plan)],
            "assignees": [
                ("", "Select who will do it"),
                *((str(m.member_id), f"{m.name}, {m.agency}") for m in group.members.values()),
                (SOMEONE_ELSE, "Someone else"),
            ],
            "form": form,
            "errors": errors or [],
        },
        status_code,
    )


@router.get("/plans/{plan_id}/tasks/new", response_class=HTMLResponse)
def assign_task_form(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
) -> HTMLResponse:
    return _task_page(request, gate, plan_id, {})


def _assignee(data: dict[str, Any], group: CoreGroup) -> tuple[dict[str, Any], list[FieldError]]:
    """Who will do the task: a member of the core group (whose agency is taken unless another
    is given), or someone else named here."""
    choice = str(data.get("assignee", ""))
    agency = str(data.get("agency", "")).strip()
    if choice == SOMEONE_ELSE:
        return {
            "assignee_id": None,
            "assignee_name": data.get("assignee_name", ""),
            "agency": agency,
        }, []
    member = group.members.get(choice)
    if member is None:
        return {"agency": agency}, [FieldError("assignee", "Select who will do the task")]
    return {
        "assignee_id": str(member.member_id),
        "assignee_name": member.name,
        "agency": agency or member.agency,
    }, []


@router.post("/plans/{plan_id}/tasks/new")
async def assign_task(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    group = _core_group_of(gate.plan(plan_id, Action.ASSIGN_TASK))
    who, errors = _assignee(data, group)
    fields = {
        "outcome_id": data.get("outcome_id", ""),
        "description": data.get("description", ""),
        "due_on": data.get("due_on", ""),
        "assigned_on": today.isoformat(),
        **who,
    }
    body, more = check_form(AssignTask, fields, TASK_LABELS, ("outcome_id",))
    errors = [*more, *errors]
    if body is None or errors:
        return _task_page(request, gate, plan_id, data, errors, 400)
    try:
        saved = gate.cases.assign_task(
            task_id=uuid4(), plan_id=plan_id, by=gate.user.actor, **body.model_dump()
        )
    except DomainError as error:
        problem = [FieldError("outcome_id", error.detail)]
        return _task_page(request, gate, plan_id, data, problem, domain_error_status(error))
    await _wait(engine, saved)
    return RedirectResponse(f"/plans/{plan_id}?saved=task", status_code=303)


# --- the core group -----------------------------------------------------------------------------

MEMBER_LABELS = {
    "member_id": "who is joining",
    "role_title": "their role in the core group",
    "lead_professional": "whether they are the lead professional",
    "joined_on": "the date they joined",
}
DEPARTURE_LABELS = {"left_on": "the date they left", "reason": "why they left"}
SCHEDULE_LABELS = {"meeting_on": "the date of the meeting"}


def _candidates(accounts: Accounts, group: CoreGroup) -> list[User]:
    """The accounts that may join: partner practitioners, social workers and managers not
    already in the group."""
    return [
        u
        for u in accounts.users()
        if u.role in MEMBER_ROLES and not u.disabled and not group.is_member(u.user_id)
    ]


def _meetings_held(cases: CaseRecord, core_group_id: UUID) -> dict[str, CoreGroup.MeetingHeld]:
    """Attendance lives in the record of each meeting, not in the core group's state."""
    return {
        str(e.meeting_id): e
        for e in cases.events.get(core_group_id)
        if isinstance(e, CoreGroup.MeetingHeld)
    }


def _core_group_page(
    request: Request,
    gate: Gate,
    plan_id: UUID,
    today: date,
    *,
    failed: str | None = None,
    form: dict[str, Any] | None = None,
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = gate.plan(plan_id, Action.VIEW_PLAN)
    group = _core_group_of(context)
    may_manage = decide(gate.user, Action.MANAGE_CORE_GROUP, context) is Decision.ALLOW
    candidates = _candidates(gate.accounts, group) if may_manage else []
    role_names = {
        Role.AGENCY_PRACTITIONER: "partner agency",
        Role.SOCIAL_WORKER: "social worker",
        Role.TEAM_MANAGER: "team manager",
    }
    saved = request.query_params.get("saved") if status_code == 200 else None
    return page(
        request,
        "running/core_group.html",
        {
            "plan": _plan_of(context),
            "plan_name": plan_names(gate.cases, [plan_id])[plan_id],
            "group": CoreGroupOut.of(group, _meetings_held(gate.cases, group.id)),
            "overdue": group.is_open and group.next_meeting_due < today,
            "may_manage": may_manage and group.is_open,
            "candidates": [
                ("", "Select who is joining"),
                *(
                    (str(u.user_id), f"{u.name}, {u.agency} ({role_names[u.role]})")
                    for u in candidates
                ),
            ],
            "yes_no": YES_NO,
            "engagement": dict(ENGAGEMENT),
            "attendance": dict(ATTENDANCE),
            "today": today.isoformat(),
            "failed": failed,
            "form": form or {},
            "errors": errors or [],
            "saved": SAVED.get(saved or ""),
        },
        status_code,
    )


@router.get("/plans/{plan_id}/core-group", response_class=HTMLResponse)
def core_group(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    today: TodayDep,
) -> HTMLResponse:
    return _core_group_page(request, gate, plan_id, today)


CoreGroupChange = Callable[[CoreGroup], object]


async def _change_core_group(
    request: Request,
    plan_id: UUID,
    gate: Gate,
    engine: Any,
    today: date,
    form_name: str,
    first_field: str,
    build: Callable[[dict[str, Any], CoreGroup], tuple[CoreGroupChange | None, list[FieldError]]],
    saved_as: str,
    prefix: str = "",
) -> Response:
    """Validate one of the core group page's forms, apply it to the version the person saw,
    and come back to the page."""
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    group = _core_group_of(gate.plan(plan_id, Action.MANAGE_CORE_GROUP))
    change, errors = build(data, group)
    version, stale, status = _version_check(
        data, group.version, "core group", gate.cases, group.id, first_field
    )

    def again(problems: list[FieldError], status_code: int) -> HTMLResponse:
        return _core_group_page(
            request,
            gate,
            plan_id,
            today,
            failed=form_name,
            form=data,
            errors=prefixed(problems, prefix),
            status_code=status_code,
        )

    if change is None or version is None or stale:
        return again([*stale, *errors], status)
    try:
        saved = gate.cases.change_core_group(group.id, change, version)
    except (StaleVersionError, ConcurrentChangeError):
        message = conflict_message("core group", gate.cases, group.id, version)
        return again([FieldError(first_field, message)], 409)
    except DomainError as error:
        return again([FieldError(first_field, error.detail)], domain_error_status(error))
    await _wait(engine, saved)
    return RedirectResponse(f"/plans/{plan_id}/core-group?saved={saved_as}", status_code=303)


@router.post("/plans/{plan_id}/core-group/members")
async def add_member(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    def build(
        data: dict[str, Any], group: CoreGroup
    ) -> tuple[CoreGroupChange | None, list[FieldError]]:
        chosen = {str(u.user_id): u for u in _candidates(gate.accounts, group)}
        joining = chosen.get(str(data.get("member_id", "")))
        fields = {
            "role_title": data.get("role_title", ""),
            "lead_professional": data.get("lead_professional", ""),
            "joined_on": data.get("joined_on", ""),
        }
        if joining is not None:
            fields |= {"member_id": str(joining.user_id), "name": joining.name}
            fields["agency"] = joining.agency
        body, errors = check_form(AddMember, fields, MEMBER_LABELS, ("lead_professional",))
        if joining is None:
            errors = [FieldError("member_id", "Select who is joining")] + [
                e for e in errors if e.field not in ("member_id", "name", "agency")
            ]
        if body is None or errors:
            return None, errors
        return (lambda g: g.add_member(by=gate.user.actor, **body.model_dump())), []

    return await _change_core_group(
        request,
        plan_id,
        gate,
        engine,
        today,
        "add",
        "member_id",
        build,
        "member-added",
    )


@router.post("/plans/{plan_id}/core-group/members/{member_id}/remove")
async def remove_member(
    request: Request,
    plan_id: UUID,
    member_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    def build(
        data: dict[str, Any], group: CoreGroup
    ) -> tuple[CoreGroupChange | None, list[FieldError]]:
        body, errors = check_form(RecordDeparture, data, DEPARTURE_LABELS)
        if body is None:
            return None, errors
        return (
            lambda g: g.remove_member(by=gate.user.actor, member_id=member_id, **body.model_dump())
        ), []

    return await _change_core_group(
        request,
        plan_id,
        gate,
        engine,
        today,
        f"remove-{member_id}",
        "left_on",
        build,
        "member-removed",
        prefix=f"remove-{member_id}-",
    )


@router.post("/plans/{plan_id}/core-group/meetings")
async def schedule_meeting(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
    today: TodayDep,
) -> Response:
    def build(
        data: dict[str, Any], group: CoreGroup
    ) -> tuple[CoreGroupChange | None, list[FieldError]]:
        body, errors = check_form(ScheduleMeeting, data, SCHEDULE_LABELS)
        version = version_of(data)
        if body is None or version is None:
            return None, errors
        meeting_id = _new_meeting_id(group.id, version)
        return (
            lambda g: g.schedule_meeting(
                by=gate.user.actor, meeting_id=meeting_id, **body.model_dump()
            )
        ), []

    return await _change_core_group(
        request,
        plan_id,
        gate,
        engine,
        today,
        "schedule",
        "meeting_on",
        build,
        "meeting-scheduled",
    )


def _new_meeting_id(core_group_id: UUID, version: int) -> UUID:
    """As the API derives it: from the core group version the meeting is recorded against, so
    pressing the button twice cannot add the meeting twice (the second fails on the version)."""
    return uuid5(core_group_id, f"meeting-{version}")


# --- recording a core group meeting -------------------------------------------------------------

MEETING_LABELS = {
    "held_on": "the date the meeting was held",
    "summary": "a summary of the meeting",
    "parental_engagement": "how the parents engaged",
}


def _scheduled(group: CoreGroup) -> list[tuple[date, str]]:
    """The meetings in the diary and not yet held or cancelled, soonest first."""
    return sorted(
        (m.scheduled_for, meeting_id)
        for meeting_id, m in group.meetings.items()
        if m.status is MeetingStatus.SCHEDULED and m.scheduled_for is not None
    )


def _meeting_page(
    request: Request,
    gate: Gate,
    plan_id: UUID,
    form: dict[str, Any],
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    context = open_plan(gate, plan_id, Action.MANAGE_CORE_GROUP)
    plan, group = _plan_of(context), _core_group_of(context)
    scheduled = _scheduled(group)
    return page(
        request,
        "running/meeting_record.html",
        {
            "plan": plan,
            "group": group,
            "plan_name": plan_names(gate.cases, [plan_id])[plan_id],
            "members": list(group.members.values()),
            "outcomes": _agreed_outcomes(plan),
            "meetings": [
                *(
                    (meeting_id, f"The meeting scheduled for {long_date(on)}")
                    for on, meeting_id in scheduled
                ),
                (NOT_SCHEDULED, "A meeting that was not scheduled here"),
            ],
            "engagement": ENGAGEMENT,
            "attendance": ATTENDANCE,
            "form": form,
            "errors": errors or [],
        },
        status_code,
    )


@router.get("/plans/{plan_id}/core-group/meetings/record", response_class=HTMLResponse)
def record_meeting_form(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    today: TodayDep,
) -> HTMLResponse:
    group = _core_group_of(gate.plan(plan_id, Action.MANAGE_CORE_GROUP))
    scheduled = _scheduled(group)
    form = {
        "meeting": scheduled[0][1] if scheduled else NOT_SCHEDULED,
        "held_on": (scheduled[0][0] if scheduled else today).isoformat(),
    }
    return _meeting_page(request, gate, plan_id, form)


def _attendance(
    data: dict[str, Any], group: CoreGroup
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """Every current member is recorded as attending, sending apologies or not attending."""
    known = {status for status, _ in ATTENDANCE}
    entries, errors = [], []
    for member_id, member in group.members.items():
        status = data.get(f"attendance-{member_id}", "")
        if status not in known:
            errors.append(
                FieldError(f"attendance-{member_id}", f"Select whether {member.name} attended")
            )
            continue
        entries.append(
            {"member_id": member_id, "name": member.name, "agency": member.agency, "status": status}
        )
    return entries, errors


def _ratings(
    data: dict[str, Any], plan: ChildProtectionPlan
) -> tuple[list[dict[str, Any]], list[FieldError]]:
    """A rating is optional for each agreed outcome; one given needs its evidence."""
    ratings, errors = [], []
    for number, (outcome_id, _) in enumerate(_agreed_outcomes(plan), start=1):
        score = str(data.get(f"score-{outcome_id}", "")).strip()
        evidence = str(data.get(f"evidence-{outcome_id}", "")).strip()
        if not score and not evidence:
            continue
        labels = {
            "score": f"the rating for outcome {number}",
            "evidence": f"the evidence for the rating of outcome {number}",
        }
        fields = {"outcome_id": outcome_id, "score": score, "evidence": evidence}
        rating, problems = check_form(RatingIn, fields, labels)
        errors += [FieldError(f"{e.field}-{outcome_id}", e.message) for e in problems]
        if rating is not None:
            ratings.append(rating.model_dump(mode="json"))
    return ratings, errors


@router.post("/plans/{plan_id}/core-group/meetings/record")
async def record_meeting(
    request: Request,
    plan_id: UUID,
    gate: PageGateDep,
    engine: EngineDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    context = gate.plan(plan_id, Action.MANAGE_CORE_GROUP)
    plan, group = _plan_of(context), _core_group_of(context)
    attendance, attendance_errors = _attendance(data, group)
    ratings, rating_errors = _ratings(data, plan)
    fields = {
        "held_on": data.get("held_on", ""),
        "summary": data.get("summary", ""),
        "parental_engagement": data.get("parental_engagement", ""),
        "attendance": attendance,
        "ratings": ratings,
    }
    body, errors = check_form(RecordMeetingHeld, fields, MEETING_LABELS, ("parental_engagement",))
    errors = [*errors, *attendance_errors, *rating_errors]
    version, stale, status = _version_check(
        data, group.version, "core group", gate.cases, group.id, "held_on"
    )
    choice = str(data.get("meeting", NOT_SCHEDULED))
    scheduled = choice in {meeting_id for _, meeting_id in _scheduled(group)}
    if choice != NOT_SCHEDULED and not scheduled:
        errors.append(FieldError("meeting", "Select which meeting this was"))
    if body is None or version is None or stale or errors:
        return _meeting_page(request, gate, plan_id, data, [*stale, *errors], status)
    meeting_id = UUID(choice) if scheduled else _new_meeting_id(group.id, version)
    try:
        saved = gate.cases.record_core_group_meeting(
            core_group_id=group.id,
            meeting_id=meeting_id,
            by=gate.user.actor,
            held_on=body.held_on,
            attendance=body.attendance_record(),
            summary=body.summary,
            parental_engagement=body.parental_engagement,
            ratings=body.outcome_ratings(),
            expected_version=version,
        )
    except (StaleVersionError, ConcurrentChangeError):
        message = conflict_message("core group", gate.cases, group.id, version)
        return _meeting_page(request, gate, plan_id, data, [FieldError("held_on", message)], 409)
    except DomainError as error:
        problem = [FieldError("held_on", error.detail)]
        return _meeting_page(request, gate, plan_id, data, problem, domain_error_status(error))
    await _wait(engine, saved)
    return RedirectResponse(f"/plans/{plan_id}?saved=meeting", status_code=303)


# --- children -----------------------------------------------------------------------------------

CHILD_LABELS = {
    "la_child_id": "the local authority's child id",
    "given_name": "the child's given name",
    "family_name": "the child's family name",
    "gender": "the child's gender",
    "date_of_birth": "the date of birth",
    "expected_date_of_birth": "the expected date of birth",
    "ethnicity": "the ethnicity code",
    "upn": "the unique pupil number",
}


def _child_form_page(
    request: Request,
    form: dict[str, Any],
    errors: list[FieldError] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    return page(
        request,
        "running/child_new.html",
        {"genders": GENDERS, "form": form, "errors": errors or []},
        status_code,
    )


@router.get("/children/new", response_class=HTMLResponse)
def register_child_form(
    request: Request,
    gate: PageGateDep,
) -> HTMLResponse:
    gate.allow(Action.REGISTER_CHILD)
    return _child_form_page(request, {})


@router.post("/children/new")
async def register_child(
    request: Request,
    gate: PageGateDep,
) -> Response:
    data = await posted(request)
    check_csrf(request, data.get("csrf_token"))
    gate.allow(Action.REGISTER_CHILD)
    body, errors = check_form(RegisterChild, data, CHILD_LABELS, ("gender",))
    if body is None:
        return _child_form_page(request, data, errors, 400)
    child_id = uuid4()
    try:
        gate.cases.register_child(
            child_id=child_id, by=gate.user.actor, details=ChildDetails(**body.model_dump())
        )
    except DomainError as error:
        problem = [FieldError("date_of_birth", error.detail)]
        return _child_form_page(request, data, problem, domain_error_status(error))
    if gate.user.role is Role.CONFERENCE_CHAIR:
        return RedirectResponse(f"/children/{child_id}/initial-conference", status_code=303)
    return RedirectResponse(f"/children/{child_id}", status_code=303)


@router.get("/children/{child_id}", response_class=HTMLResponse)
def read_child(
    request: Request,
    child_id: UUID,
    gate: PageGateDep,
) -> HTMLResponse:
    context = gate.child(child_id)
    child = context.child
    assert child is not None
    visible = {plan.id for plan, group in context.child_plans if gate.sees(plan, group)}
    may_start = (
        child.open_protection_plan is None
        and decide(gate.user, Action.START_PLAN, context) is Decision.ALLOW
    )
    return page(
        request,
        "running/child.html",
        {
            "child": child,
            "genders": dict(GENDERS),
            "visible": visible,
            "may_start": may_start,
        },
    )
