"""The core group: who sits in it, and the meetings where it monitors the plan."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from uuid import UUID

from pydantic import BaseModel, Field

from api.schemas.common import Command, Day, ShortText, Text
from api.schemas.plans import RatingIn
from domain.application import OutcomeRating
from domain.core_group import (
    Attendance,
    AttendanceStatus,
    CoreGroup,
    CoreGroupMeeting,
    MeetingStatus,
)
from domain.values import ParentalEngagement

# --- membership ----------------------------------------------------------------------------------


class AddMember(Command):
    """A professional joins the core group; membership is what lets them see the plan."""

    member_id: UUID = Field(description="The member's user id.")
    name: ShortText
    agency: ShortText
    role_title: ShortText = Field(description="Their job, e.g. health visitor.")
    lead_professional: bool = False
    joined_on: Day


class RecordDeparture(Command):
    left_on: Day
    reason: Text


# --- meetings ------------------------------------------------------------------------------------


class ScheduleMeeting(Command):
    meeting_on: Day


class AttendanceIn(Command):
    member_id: UUID
    name: ShortText
    agency: ShortText
    status: AttendanceStatus


class RecordMeetingHeld(Command):
    """A meeting that took place: who came, how the parents engaged, and the outcomes rated."""

    held_on: Day
    attendance: list[AttendanceIn] = Field(default_factory=list, max_length=100)
    summary: Text
    parental_engagement: ParentalEngagement
    ratings: list[RatingIn] = Field(default_factory=list, max_length=50)

    def attendance_record(self) -> tuple[Attendance, ...]:
        return tuple(Attendance(a.member_id, a.name, a.agency, a.status) for a in self.attendance)

    def outcome_ratings(self) -> list[OutcomeRating]:
        return [OutcomeRating(r.outcome_id, r.score, r.evidence) for r in self.ratings]


class CancelMeeting(Command):
    cancelled_on: Day
    reason: Text


# --- reading the core group ----------------------------------------------------------------------


class MemberOut(BaseModel):
    member_id: UUID
    name: str
    agency: str
    role_title: str
    lead_professional: bool
    joined_on: date


class AttendanceOut(BaseModel):
    member_id: UUID
    name: str
    agency: str
    status: AttendanceStatus


class MeetingOut(BaseModel):
    meeting_id: UUID
    status: MeetingStatus
    scheduled_for: date | None
    held_on: date | None
    cancelled_on: date | None
    attendance: list[AttendanceOut] = Field(description="Empty until the meeting is held.")
    parental_engagement: ParentalEngagement | None
    summary: str | None


class CoreGroupOut(BaseModel):
    id: UUID
    version: int
    plan_id: UUID
    formed_on: date
    meeting_interval_weeks: int
    members: list[MemberOut]
    member_agencies: list[str]
    meetings: list[MeetingOut]
    meetings_held: int
    last_meeting_on: date | None
    next_meeting_due: date | None = Field(description="None once the core group has closed.")
    closed: bool
    closed_on: date | None

    @classmethod
    def of(cls, core_group: CoreGroup, held: Mapping[str, CoreGroup.MeetingHeld]) -> CoreGroupOut:
        """`held` is the record of each meeting held, by meeting id: the attendance lives in the
        events, not in the core group's state."""
        return cls(
            id=core_group.id,
            version=core_group.version,
            plan_id=core_group.plan_id,
            formed_on=core_group.formed_on,
            meeting_interval_weeks=core_group.meeting_interval_weeks,
            members=[
                MemberOut(
                    member_id=m.member_id,
                    name=m.name,
                    agency=m.agency,
                    role_title=m.role_title,
                    lead_professional=m.lead_professional,
                    joined_on=m.joined_on,
                )
                for m in core_group.members.values()
            ],
            member_agencies=list(core_group.member_agencies),
            meetings=sorted(
                (
                    _meeting(UUID(meeting_id), meeting, held.get(meeting_id))
                    for meeting_id, meeting in core_group.meetings.items()
                ),
                key=lambda m: m.held_on or m.scheduled_for or m.cancelled_on or date.min,
            ),
            meetings_held=core_group.meetings_held,
            last_meeting_on=core_group.last_meeting_on,
            next_meeting_due=core_group.next_meeting_due if core_group.is_open else None,
            closed=not core_group.is_open,
            closed_on=core_group.closed_on,
        )


def _meeting(
    meeting_id: UUID, meeting: CoreGroupMeeting, held: CoreGroup.MeetingHeld | None
) -> MeetingOut:
    return MeetingOut(
        meeting_id=meeting_id,
        status=meeting.status,
        scheduled_for=meeting.scheduled_for,
        held_on=meeting.held_on,
        cancelled_on=meeting.cancelled_on,
        attendance=[
            AttendanceOut(member_id=a.member_id, name=a.name, agency=a.agency, status=a.status)
            for a in (held.attendance if held else ())
        ],
        parental_engagement=held.parental_engagement if held else None,
        summary=held.summary if held else None,
    )
