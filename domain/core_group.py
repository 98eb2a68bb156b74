"""The core group: the professionals who meet between conferences to make one plan happen.

Working Together asks the core group to first meet within 10 working days of the initial
conference and then at a locally set interval, to monitor the tasks the plan gave each agency and
to rate progress on the plan's outcomes. Its own stream keeps membership and meetings apart from
the plan's decisions, so a partner recording attendance never collides with a conference chair
recording a decision. When a meeting is next due is derived from the meetings held, never stored,
so changing the interval or correcting a meeting date can never leave a stale due date behind.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import Enum
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from domain.errors import (
    AlreadyMemberError,
    BlankFieldError,
    CoreGroupClosedError,
    CoreGroupDateError,
    DuplicateAttendanceError,
    MeetingIntervalError,
    MeetingStateError,
    NotCoreGroupMemberError,
    UnknownMeetingError,
)
from domain.timescales import first_core_group_due
from domain.transcodings import stored_enum, stored_value
from domain.values import Actor, ParentalEngagement

MIN_INTERVAL_WEEKS = 1
MAX_INTERVAL_WEEKS = 12
"""Local practice sets the interval, commonly every 4 to 6 weeks; more than a quarter between
meetings would leave a plan unmonitored for longer than the first review's own clock."""


@stored_enum("AttendanceStatus")
class AttendanceStatus(Enum):
    ATTENDED = "attended"
    SENT_APOLOGIES = "sent_apologies"
    DID_NOT_ATTEND = "did_not_attend"


@stored_value("Attendance")
@dataclass(frozen=True)
class Attendance:
    """Whether one member came: agencies that send apologies or do not attend are what a chair
    looks for when a plan drifts."""

    member_id: UUID
    name: str
    agency: str
    status: AttendanceStatus


@stored_value("CoreGroupMember")
@dataclass(frozen=True)
class CoreGroupMember:
    """A professional in the core group; membership is what lets a partner see the plan and say
    its tasks are done."""

    member_id: UUID
    name: str
    agency: str
    role_title: str
    lead_professional: bool
    joined_on: date


@stored_enum("MeetingStatus")
class MeetingStatus(Enum):
    SCHEDULED = "scheduled"
    HELD = "held"
    CANCELLED = "cancelled"


@stored_value("CoreGroupMeeting")
@dataclass
class CoreGroupMeeting:
    """A meeting as it stands: planned for a day, then held (perhaps on another day) or
    cancelled."""

    status: MeetingStatus
    scheduled_for: date | None = None
    held_on: date | None = None
    cancelled_on: date | None = None


def _require(text: str, what: str) -> str:
    if not text.strip():
        raise BlankFieldError(f"{what} must be given.")
    return text.strip()


class CoreGroup(Aggregate):
    """The core group that monitors one child protection plan, from the initial conference to
    the end of the plan."""

    class Formed(Aggregate.Created):
        by: Actor
        plan_id: UUID
        formed_on: date
        meeting_interval_weeks: int

    @classmethod
    def form(
        cls,
        *,
        core_group_id: UUID,
        by: Actor,
        plan_id: UUID,
        formed_on: date,
        meeting_interval_weeks: int = 6,
    ) -> CoreGroup:
        """The initial conference that makes a plan names its core group; the first meeting
        clock starts that day."""
        if not MIN_INTERVAL_WEEKS <= meeting_interval_weeks <= MAX_INTERVAL_WEEKS:
            raise MeetingIntervalError(
                f"Core groups meet every {MIN_INTERVAL_WEEKS} to {MAX_INTERVAL_WEEKS} weeks; "
                f"got {meeting_interval_weeks}."
            )
        return cls._create(
            cls.Formed,
            id=core_group_id,
            by=by,
            plan_id=plan_id,
            formed_on=formed_on,
            meeting_interval_weeks=meeting_interval_weeks,
        )

    def __init__(self, plan_id: UUID, formed_on: date, meeting_interval_weeks: int) -> None:
        self.plan_id = plan_id
        self.formed_on = formed_on
        self.meeting_interval_weeks = meeting_interval_weeks
        self.members: dict[str, CoreGroupMember] = {}
        self.meetings: dict[str, CoreGroupMeeting] = {}
        self.closed_on: date | None = None

    # --- reading the core group ---------------------------------------------------------------

    @property
    def is_open(self) -> bool:
        return self.closed_on is None

    def is_member(self, user_id: UUID) -> bool:
        """Membership now, the test for seeing the plan and for saying a task is done."""
        return str(user_id) in self.members

    @property
    def member_agencies(self) -> tuple[str, ...]:
        """The agencies represented now, each once, in alphabetical order."""
        return tuple(sorted({member.agency for member in self.members.values()}))

    @property
    def meetings_held(self) -> int:
        return sum(1 for m in self.meetings.values() if m.status is MeetingStatus.HELD)

    @property
    def last_meeting_on(self) -> date | None:
        """The latest day the group met; meetings can be recorded late and out of order."""
        held = [m.held_on for m in self.meetings.values() if m.held_on is not None]
        return max(held) if held else None

    @property
    def next_meeting_due(self) -> date:
        """Within 10 working days of the initial conference until the group first meets, then
        the local interval after the last meeting held."""
        last = self.last_meeting_on
        if last is None:
            return first_core_group_due(self.formed_on)
        return last + timedelta(weeks=self.meeting_interval_weeks)

    def _require_open(self) -> None:
        if self.closed_on is not None:
            raise CoreGroupClosedError(f"Core group {self.id} closed on {self.closed_on}.")

    def _require_not_before_formed(self, day: date, what: str) -> None:
        if day < self.formed_on:
            raise CoreGroupDateError(
                f"{what} cannot be dated before the core group formed ({self.formed_on})."
            )

    def _require_member(self, member_id: UUID) -> CoreGroupMember:
        try:
            return self.members[str(member_id)]
        except KeyError:
            raise NotCoreGroupMemberError(
                f"{member_id} is not a member of core group {self.id}."
            ) from None

    def _require_meeting(self, meeting_id: UUID) -> CoreGroupMeeting:
        try:
            return self.meetings[str(meeting_id)]
        except KeyError:
            raise UnknownMeetingError(
                f"Meeting {meeting_id} is not a meeting of core group {self.id}."
            ) from None

    # --- membership ---------------------------------------------------------------------------

    class MemberJoined(Aggregate.Event):
        by: Actor
        member_id: UUID
        name: str
        agency: str
        role_title: str
        lead_professional: bool
        joined_on: date

    def add_member(
        self,
        *,
        by: Actor,
        member_id: UUID,
        name: str,
        agency: str,
        role_title: str,
        lead_professional: bool,
        joined_on: date,
    ) -> None:
        """A person sits in the core group once, whatever hats they wear; `member_id` is their
        user id, so membership is what grants them sight of the plan."""
        self._require_open()
        if self.is_member(member_id):
            raise AlreadyMemberError(f"{member_id} is already a member of core group {self.id}.")
        self._require_not_before_formed(joined_on, "Joining")
        self._member_joined(
            by=by,
            member_id=member_id,
            name=_require(name, "The member's name"),
            agency=_require(agency, "The member's agency"),
            role_title=_require(role_title, "The member's role"),
            lead_professional=lead_professional,
            joined_on=joined_on,
        )

    @event(MemberJoined)
    def _member_joined(
        self,
        by: Actor,
        member_id: UUID,
        name: str,
        agency: str,
        role_title: str,
        lead_professional: bool,
        joined_on: date,
    ) -> None:
        self.members[str(member_id)] = CoreGroupMember(
            member_id, name, agency, role_title, lead_professional, joined_on
        )

    class MemberLeft(Aggregate.Event):
        by: Actor
        member_id: UUID
        left_on: date
        reason: str

    def remove_member(self, *, by: Actor, member_id: UUID, left_on: date, reason: str) -> None:
        """A professional leaves (changed job, the agency's involvement ended); their past
        attendance and ratings stay in the record."""
        self._require_open()
        member = self._require_member(member_id)
        if left_on < member.joined_on:
            raise CoreGroupDateError(f"A member cannot leave before joining ({member.joined_on}).")
        self._member_left(
            by=by, member_id=member_id, left_on=left_on, reason=_require(reason, "The reason")
        )

    @event(MemberLeft)
    def _member_left(self, by: Actor, member_id: UUID, left_on: date, reason: str) -> None:
        del self.members[str(member_id)]

    # --- meetings -----------------------------------------------------------------------------

    class MeetingScheduled(Aggregate.Event):
        by: Actor
        meeting_id: UUID
        meeting_on: date

    def schedule_meeting(self, *, by: Actor, meeting_id: UUID, meeting_on: date) -> None:
        self._require_open()
        if str(meeting_id) in self.meetings:
            raise MeetingStateError(f"Meeting {meeting_id} is already recorded.")
        self._require_not_before_formed(meeting_on, "A meeting")
        self._meeting_scheduled(by=by, meeting_id=meeting_id, meeting_on=meeting_on)

    @event(MeetingScheduled)
    def _meeting_scheduled(self, by: Actor, meeting_id: UUID, meeting_on: date) -> None:
        self.meetings[str(meeting_id)] = CoreGroupMeeting(
            MeetingStatus.SCHEDULED, scheduled_for=meeting_on
        )

    class MeetingHeld(Aggregate.Event):
        by: Actor
        meeting_id: UUID
        held_on: date
        attendance: tuple[Attendance, ...]
        summary: str
        parental_engagement: ParentalEngagement
        outcomes_rated: tuple[UUID, ...]

    def record_meeting_held(
        self,
        *,
        by: Actor,
        meeting_id: UUID,
        held_on: date,
        attendance: tuple[Attendance, ...],
        summary: str,
        parental_engagement: ParentalEngagement,
        outcomes_rated: tuple[UUID, ...],
    ) -> None:
        """A meeting counts whether or not it was scheduled first. Attendance names only the
        current members, each once, so the record shows which agencies were there; parental
        engagement is recorded every time so disengagement surfaces early."""
        self._require_open()
        meeting = self.meetings.get(str(meeting_id))
        if meeting is not None and meeting.status is not MeetingStatus.SCHEDULED:
            raise MeetingStateError(f"Meeting {meeting_id} is {meeting.status.value}.")
        self._require_not_before_formed(held_on, "A meeting")
        seen: set[UUID] = set()
        for entry in attendance:
            self._require_member(entry.member_id)
            if entry.member_id in seen:
                raise DuplicateAttendanceError(
                    f"Attendance records member {entry.member_id} more than once."
                )
            seen.add(entry.member_id)
        self._meeting_held(
            by=by,
            meeting_id=meeting_id,
            held_on=held_on,
            attendance=tuple(attendance),
            summary=_require(summary, "The meeting's summary"),
            parental_engagement=parental_engagement,
            outcomes_rated=tuple(outcomes_rated),
        )

    @event(MeetingHeld)
    def _meeting_held(
        self,
        by: Actor,
        meeting_id: UUID,
        held_on: date,
        attendance: tuple[Attendance, ...],
        summary: str,
        parental_engagement: ParentalEngagement,
        outcomes_rated: tuple[UUID, ...],
    ) -> None:
        meeting = self.meetings.setdefault(
            str(meeting_id), CoreGroupMeeting(MeetingStatus.SCHEDULED)
        )
        meeting.status = MeetingStatus.HELD
        meeting.held_on = held_on

    class MeetingCancelled(Aggregate.Event):
        by: Actor
        meeting_id: UUID
        cancelled_on: date
        reason: str

    def cancel_meeting(
        self, *, by: Actor, meeting_id: UUID, cancelled_on: date, reason: str
    ) -> None:
        """Only a meeting still to happen can be cancelled; a held one is part of the record."""
        self._require_open()
        meeting = self._require_meeting(meeting_id)
        if meeting.status is not MeetingStatus.SCHEDULED:
            raise MeetingStateError(f"Meeting {meeting_id} is {meeting.status.value}.")
        self._require_not_before_formed(cancelled_on, "A cancellation")
        self._meeting_cancelled(
            by=by,
            meeting_id=meeting_id,
            cancelled_on=cancelled_on,
            reason=_require(reason, "The reason"),
        )

    @event(MeetingCancelled)
    def _meeting_cancelled(
        self, by: Actor, meeting_id: UUID, cancelled_on: date, reason: str
    ) -> None:
        meeting = self.meetings[str(meeting_id)]
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancelled_on = cancelled_on

    # --- the plan ends ------------------------------------------------------------------------

    class Closed(Aggregate.Event):
        by: Actor
        closed_on: date

    def close(self, *, by: Actor, closed_on: date) -> None:
        """The core group stands down when the plan ends; after that its record is history."""
        self._require_open()
        self._require_not_before_formed(closed_on, "Closing")
        self._closed(by=by, closed_on=closed_on)

    @event(Closed)
    def _closed(self, by: Actor, closed_on: date) -> None:
        self.closed_on = closed_on
