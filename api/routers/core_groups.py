"""The core group of a plan: its members, and the meetings where it monitors tasks and rates
progress on the plan's outcomes. Changes carry the core group's ETag in If-Match."""

from __future__ import annotations

from uuid import UUID, uuid5

from fastapi import Response

from api.deps import CasesDep, GateDep, IfMatchDep, etag
from api.problems import PROBLEM_RESPONSES
from api.routers.plans import accepted
from api.routing import ApiRouter
from api.schemas.common import Accepted
from api.schemas.core_groups import (
    AddMember,
    CancelMeeting,
    CoreGroupOut,
    RecordDeparture,
    RecordMeetingHeld,
    ScheduleMeeting,
)
from api.security.policy import Action
from domain.application import CaseRecord, Saved
from domain.core_group import CoreGroup
from domain.values import Actor

router = ApiRouter(prefix="/api/v1/plans", tags=["core groups"], responses=PROBLEM_RESPONSES)


@router.get("/{plan_id}/core-group", response_model=CoreGroupOut)
def read_core_group(
    plan_id: UUID, gate: GateDep, cases: CasesDep, response: Response
) -> CoreGroupOut:
    """Who sits in the core group, its meetings with attendance, and when it next must meet."""
    core_group = gate.plan(plan_id, Action.VIEW_PLAN).core_group
    assert core_group is not None
    response.headers["ETag"] = etag(core_group.version)
    return CoreGroupOut.of(core_group, _meetings_held(cases, core_group.id))


def _meetings_held(cases: CaseRecord, core_group_id: UUID) -> dict[str, CoreGroup.MeetingHeld]:
    """Attendance and the parents' engagement are kept in the record of each meeting, not in
    the core group's state, so they are read from its stream."""
    return {
        str(e.meeting_id): e
        for e in cases.repository.event_store.get(core_group_id)
        if isinstance(e, CoreGroup.MeetingHeld)
    }


@router.post("/{plan_id}/core-group/members", status_code=202, response_model=Accepted)
def add_member(
    plan_id: UUID,
    body: AddMember,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """A professional joins the core group, and from then on sees the plan."""
    context = gate.plan(plan_id, Action.MANAGE_CORE_GROUP)
    assert context.plan is not None
    return accepted(
        response,
        cases.change_core_group(
            context.plan.core_group_id,
            lambda g: g.add_member(by=gate.user.actor, **body.model_dump()),
            version,
        ),
    )


@router.post(
    "/{plan_id}/core-group/members/{member_id}/departure", status_code=202, response_model=Accepted
)
def record_departure(
    plan_id: UUID,
    member_id: UUID,
    body: RecordDeparture,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """A member leaves the core group (and loses sight of the plan); their past attendance and
    ratings stay in the record."""
    context = gate.plan(plan_id, Action.MANAGE_CORE_GROUP)
    assert context.plan is not None
    return accepted(
        response,
        cases.change_core_group(
            context.plan.core_group_id,
            lambda g: g.remove_member(by=gate.user.actor, member_id=member_id, **body.model_dump()),
            version,
        ),
    )


@router.post("/{plan_id}/core-group/meetings", status_code=202, response_model=Accepted)
def schedule_meeting(
    plan_id: UUID,
    body: ScheduleMeeting,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """Put the next core group meeting in the diary."""
    context = gate.plan(plan_id, Action.MANAGE_CORE_GROUP)
    assert context.plan is not None
    meeting_id = _located(response, plan_id, context.plan.core_group_id, version)
    return accepted(
        response,
        cases.change_core_group(
            context.plan.core_group_id,
            lambda g: g.schedule_meeting(
                by=gate.user.actor, meeting_id=meeting_id, **body.model_dump()
            ),
            version,
        ),
    )


@router.post("/{plan_id}/core-group/meetings/held", status_code=202, response_model=Accepted)
def record_unscheduled_meeting(
    plan_id: UUID,
    body: RecordMeetingHeld,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """Record a meeting that was held without being scheduled here first."""
    context = gate.plan(plan_id, Action.MANAGE_CORE_GROUP)
    assert context.plan is not None
    meeting_id = _located(response, plan_id, context.plan.core_group_id, version)
    return accepted(
        response,
        _record(cases, context.plan.core_group_id, meeting_id, gate.user.actor, body, version),
    )


@router.post(
    "/{plan_id}/core-group/meetings/{meeting_id}/record", status_code=202, response_model=Accepted
)
def record_meeting(
    plan_id: UUID,
    meeting_id: UUID,
    body: RecordMeetingHeld,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """The meeting took place: who came, how the parents engaged, and the ratings of the plan's
    outcomes taken there (saved on the plan in the same transaction)."""
    context = gate.plan(plan_id, Action.MANAGE_CORE_GROUP)
    assert context.plan is not None
    return accepted(
        response,
        _record(cases, context.plan.core_group_id, meeting_id, gate.user.actor, body, version),
    )


@router.post(
    "/{plan_id}/core-group/meetings/{meeting_id}/cancellation",
    status_code=202,
    response_model=Accepted,
)
def cancel_meeting(
    plan_id: UUID,
    meeting_id: UUID,
    body: CancelMeeting,
    gate: GateDep,
    cases: CasesDep,
    version: IfMatchDep,
    response: Response,
) -> Response:
    """A meeting still to happen will not; a held one cannot be cancelled."""
    context = gate.plan(plan_id, Action.MANAGE_CORE_GROUP)
    assert context.plan is not None
    return accepted(
        response,
        cases.change_core_group(
            context.plan.core_group_id,
            lambda g: g.cancel_meeting(
                by=gate.user.actor, meeting_id=meeting_id, **body.model_dump()
            ),
            version,
        ),
    )


def _record(
    cases: CaseRecord,
    core_group_id: UUID,
    meeting_id: UUID,
    by: Actor,
    body: RecordMeetingHeld,
    version: int,
) -> Saved:
    return cases.record_core_group_meeting(
        core_group_id=core_group_id,
        meeting_id=meeting_id,
        by=by,
        held_on=body.held_on,
        attendance=body.attendance_record(),
        summary=body.summary,
        parental_engagement=body.parental_engagement,
        ratings=body.outcome_ratings(),
        expected_version=version,
    )


def _located(response: Response, plan_id: UUID, core_group_id: UUID, version: int) -> UUID:
    """A new meeting's id, derived from the core group version it is recorded against: a
    repeated request cannot add the meeting twice (the second fails on the version)."""
    meeting_id = uuid5(core_group_id, f"meeting-{version}")
    response.headers["Location"] = f"/api/v1/plans/{plan_id}/core-group/meetings/{meeting_id}"
    return meeting_id
