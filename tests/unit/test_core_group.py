from collections.abc import Callable
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest

from domain.core_group import (
    Attendance,
    AttendanceStatus,
    CoreGroup,
    CoreGroupMember,
    MeetingStatus,
)
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
from domain.values import Actor, ParentalEngagement
from tests.builders import A_MONDAY, a_practitioner, an_actor

WORKER = an_actor()
HEALTH_VISITOR = a_practitioner("Health Visiting")
TEACHER = a_practitioner("School")

# Good Friday (3 April 2026) and Easter Monday (6 April 2026) fall inside the first 10 working
# days after this Monday.
BEFORE_EASTER = date(2026, 3, 23)


def a_core_group(formed_on: date = A_MONDAY, meeting_interval_weeks: int = 6) -> CoreGroup:
    return CoreGroup.form(
        core_group_id=uuid4(),
        by=WORKER,
        plan_id=uuid4(),
        formed_on=formed_on,
        meeting_interval_weeks=meeting_interval_weeks,
    )


def join(group: CoreGroup, person: Actor, joined_on: date = A_MONDAY) -> None:
    group.add_member(
        by=WORKER,
        member_id=person.user_id,
        name=person.name,
        agency=person.agency,
        role_title="Health visitor",
        lead_professional=False,
        joined_on=joined_on,
    )


def present(person: Actor, status: AttendanceStatus = AttendanceStatus.ATTENDED) -> Attendance:
    return Attendance(
        member_id=person.user_id, name=person.name, agency=person.agency, status=status
    )


def hold(
    group: CoreGroup,
    held_on: date,
    meeting_id: UUID | None = None,
    attendance: tuple[Attendance, ...] = (),
    summary: str = "Home conditions improving; two health appointments kept.",
) -> UUID:
    meeting_id = meeting_id or uuid4()
    group.record_meeting_held(
        by=WORKER,
        meeting_id=meeting_id,
        held_on=held_on,
        attendance=attendance,
        summary=summary,
        parental_engagement=ParentalEngagement.PARTIALLY_ENGAGED,
        outcomes_rated=(uuid4(),),
    )
    return meeting_id


def scheduled(group: CoreGroup, meeting_on: date) -> UUID:
    meeting_id = uuid4()
    group.schedule_meeting(by=WORKER, meeting_id=meeting_id, meeting_on=meeting_on)
    return meeting_id


# --- forming the core group ----------------------------------------------------------------------


def test_a_core_group_is_formed_for_one_plan_on_the_icpc_date():
    plan_id = uuid4()

    group = CoreGroup.form(core_group_id=uuid4(), by=WORKER, plan_id=plan_id, formed_on=A_MONDAY)

    assert group.plan_id == plan_id
    assert group.formed_on == A_MONDAY
    assert group.meeting_interval_weeks == 6
    assert group.is_open
    assert group.members == {}


@pytest.mark.parametrize("weeks", [0, 13, -1])
def test_the_meeting_interval_runs_from_1_to_12_weeks(weeks: int):
    with pytest.raises(MeetingIntervalError):
        a_core_group(meeting_interval_weeks=weeks)


@pytest.mark.parametrize("weeks", [1, 12])
def test_the_meeting_interval_may_be_anything_from_1_to_12_weeks(weeks: int):
    group = a_core_group(meeting_interval_weeks=weeks)

    assert group.meeting_interval_weeks == weeks


# --- when meetings are due -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("icpc_on", "due_on"),
    [
        pytest.param(A_MONDAY, date(2026, 3, 16), id="two-ordinary-weeks"),
        pytest.param(BEFORE_EASTER, date(2026, 4, 8), id="over-good-friday-and-easter-monday"),
        pytest.param(date(2026, 12, 21), date(2027, 1, 7), id="over-christmas-and-new-year"),
    ],
)
def test_first_core_group_is_due_within_10_working_days_of_the_icpc(icpc_on: date, due_on: date):
    group = a_core_group(formed_on=icpc_on)

    assert group.next_meeting_due == due_on


def test_scheduling_a_meeting_does_not_move_the_first_due_date():
    group = a_core_group()

    scheduled(group, A_MONDAY + timedelta(days=30))

    assert group.next_meeting_due == date(2026, 3, 16)


def test_later_meetings_are_due_the_interval_after_the_last_meeting_held():
    group = a_core_group(meeting_interval_weeks=4)

    hold(group, date(2026, 3, 12))

    assert group.next_meeting_due == date(2026, 4, 9)


def test_the_next_meeting_follows_the_latest_meeting_even_when_recorded_out_of_order():
    group = a_core_group(meeting_interval_weeks=6)
    hold(group, date(2026, 4, 20))

    hold(group, date(2026, 3, 12))

    assert group.last_meeting_on == date(2026, 4, 20)
    assert group.next_meeting_due == date(2026, 6, 1)


def test_the_next_meeting_due_date_is_derived_never_recorded():
    group = a_core_group()
    hold(group, date(2026, 3, 12))

    recorded = [vars(e) for e in group.pending_events] + [vars(group)]

    assert not any("next_meeting_due" in fields for fields in recorded)


def test_meetings_held_counts_only_meetings_that_took_place():
    group = a_core_group()
    hold(group, date(2026, 3, 12))
    cancelled = scheduled(group, date(2026, 4, 23))
    scheduled(group, date(2026, 6, 4))

    group.cancel_meeting(
        by=WORKER, meeting_id=cancelled, cancelled_on=date(2026, 4, 20), reason="Chair ill"
    )

    assert group.meetings_held == 1
    assert group.last_meeting_on == date(2026, 3, 12)


def test_a_core_group_that_has_not_met_has_no_last_meeting():
    group = a_core_group()

    scheduled(group, date(2026, 3, 12))

    assert group.meetings_held == 0
    assert group.last_meeting_on is None


# --- membership ------------------------------------------------------------------------------


def test_a_professional_joins_the_core_group_by_their_user_id():
    group = a_core_group()

    join(group, HEALTH_VISITOR)

    assert group.is_member(HEALTH_VISITOR.user_id)
    assert group.members[str(HEALTH_VISITOR.user_id)] == CoreGroupMember(
        member_id=HEALTH_VISITOR.user_id,
        name=HEALTH_VISITOR.name,
        agency="Health Visiting",
        role_title="Health visitor",
        lead_professional=False,
        joined_on=A_MONDAY,
    )


def test_a_person_is_a_member_only_once():
    group = a_core_group()
    join(group, HEALTH_VISITOR)

    with pytest.raises(AlreadyMemberError):
        join(group, HEALTH_VISITOR)


def test_a_member_who_leaves_is_no_longer_a_member():
    group = a_core_group()
    join(group, HEALTH_VISITOR)

    group.remove_member(
        by=WORKER, member_id=HEALTH_VISITOR.user_id, left_on=date(2026, 4, 1), reason="New post"
    )

    assert not group.is_member(HEALTH_VISITOR.user_id)
    assert group.members == {}


def test_a_member_who_left_can_join_again():
    group = a_core_group()
    join(group, HEALTH_VISITOR)
    group.remove_member(
        by=WORKER, member_id=HEALTH_VISITOR.user_id, left_on=date(2026, 4, 1), reason="Leave"
    )

    join(group, HEALTH_VISITOR, joined_on=date(2026, 6, 1))

    assert group.members[str(HEALTH_VISITOR.user_id)].joined_on == date(2026, 6, 1)


def test_removing_someone_who_is_not_a_member_is_refused():
    group = a_core_group()

    with pytest.raises(NotCoreGroupMemberError):
        group.remove_member(
            by=WORKER, member_id=TEACHER.user_id, left_on=date(2026, 4, 1), reason="Left"
        )


def test_a_member_cannot_leave_before_joining():
    group = a_core_group()
    join(group, HEALTH_VISITOR, joined_on=date(2026, 3, 10))

    with pytest.raises(CoreGroupDateError):
        group.remove_member(
            by=WORKER, member_id=HEALTH_VISITOR.user_id, left_on=date(2026, 3, 9), reason="Left"
        )


def test_a_member_leaving_needs_a_reason():
    group = a_core_group()
    join(group, HEALTH_VISITOR)

    with pytest.raises(BlankFieldError):
        group.remove_member(
            by=WORKER, member_id=HEALTH_VISITOR.user_id, left_on=date(2026, 4, 1), reason=" "
        )


def test_nobody_joins_before_the_core_group_formed():
    group = a_core_group()

    with pytest.raises(CoreGroupDateError):
        join(group, HEALTH_VISITOR, joined_on=A_MONDAY - timedelta(days=1))


@pytest.mark.parametrize("blank", ["name", "agency", "role_title"])
def test_a_member_is_recorded_with_a_name_an_agency_and_a_role(blank: str):
    group = a_core_group()
    details = {"name": "Test member", "agency": "School", "role_title": "Designated teacher"}
    details[blank] = "  "

    with pytest.raises(BlankFieldError):
        group.add_member(
            by=WORKER,
            member_id=uuid4(),
            lead_professional=False,
            joined_on=A_MONDAY,
            **details,
        )


def test_member_agencies_lists_each_agency_represented_once():
    group = a_core_group()
    join(group, HEALTH_VISITOR)
    join(group, a_practitioner("Health Visiting"))

    join(group, TEACHER)

    assert group.member_agencies == ("Health Visiting", "School")


# --- meetings --------------------------------------------------------------------------------


def test_a_scheduled_meeting_is_marked_held_when_it_happens():
    group = a_core_group()
    meeting_id = scheduled(group, date(2026, 3, 12))

    hold(group, date(2026, 3, 13), meeting_id=meeting_id)

    meeting = group.meetings[str(meeting_id)]
    assert meeting.status is MeetingStatus.HELD
    assert meeting.scheduled_for == date(2026, 3, 12)
    assert meeting.held_on == date(2026, 3, 13)


def test_a_meeting_may_be_held_without_having_been_scheduled():
    group = a_core_group()

    meeting_id = hold(group, date(2026, 3, 12))

    assert group.meetings[str(meeting_id)].status is MeetingStatus.HELD
    assert group.meetings_held == 1


def test_a_cancelled_meeting_cannot_be_held():
    group = a_core_group()
    meeting_id = scheduled(group, date(2026, 3, 12))
    group.cancel_meeting(
        by=WORKER, meeting_id=meeting_id, cancelled_on=date(2026, 3, 11), reason="Snow"
    )

    with pytest.raises(MeetingStateError):
        hold(group, date(2026, 3, 12), meeting_id=meeting_id)


def test_a_meeting_cannot_be_held_twice():
    group = a_core_group()
    meeting_id = hold(group, date(2026, 3, 12))

    with pytest.raises(MeetingStateError):
        hold(group, date(2026, 3, 13), meeting_id=meeting_id)


def test_a_held_meeting_cannot_be_cancelled():
    group = a_core_group()
    meeting_id = hold(group, date(2026, 3, 12))

    with pytest.raises(MeetingStateError):
        group.cancel_meeting(
            by=WORKER, meeting_id=meeting_id, cancelled_on=date(2026, 3, 13), reason="Mistake"
        )


def test_a_cancelled_meeting_cannot_be_cancelled_again():
    group = a_core_group()
    meeting_id = scheduled(group, date(2026, 3, 12))
    group.cancel_meeting(
        by=WORKER, meeting_id=meeting_id, cancelled_on=date(2026, 3, 11), reason="Snow"
    )

    with pytest.raises(MeetingStateError):
        group.cancel_meeting(
            by=WORKER, meeting_id=meeting_id, cancelled_on=date(2026, 3, 11), reason="Snow"
        )


def test_a_meeting_is_scheduled_once():
    group = a_core_group()
    meeting_id = scheduled(group, date(2026, 3, 12))

    with pytest.raises(MeetingStateError):
        group.schedule_meeting(by=WORKER, meeting_id=meeting_id, meeting_on=date(2026, 3, 13))


def test_only_a_meeting_of_this_core_group_can_be_cancelled():
    group = a_core_group()

    with pytest.raises(UnknownMeetingError):
        group.cancel_meeting(
            by=WORKER, meeting_id=uuid4(), cancelled_on=date(2026, 3, 11), reason="Snow"
        )


def test_a_cancellation_needs_a_reason():
    group = a_core_group()
    meeting_id = scheduled(group, date(2026, 3, 12))

    with pytest.raises(BlankFieldError):
        group.cancel_meeting(
            by=WORKER, meeting_id=meeting_id, cancelled_on=date(2026, 3, 11), reason=""
        )


def test_a_meeting_needs_a_summary():
    group = a_core_group()

    with pytest.raises(BlankFieldError):
        hold(group, date(2026, 3, 12), summary="   ")


@pytest.mark.parametrize(
    "record",
    [
        pytest.param(lambda g, d: scheduled(g, d), id="scheduled"),
        pytest.param(lambda g, d: hold(g, d), id="held"),
    ],
)
def test_meetings_are_not_dated_before_the_core_group_formed(
    record: Callable[[CoreGroup, date], UUID],
):
    group = a_core_group()

    with pytest.raises(CoreGroupDateError):
        record(group, A_MONDAY - timedelta(days=1))


def test_a_meeting_may_be_held_on_the_day_the_core_group_formed():
    group = a_core_group()

    hold(group, A_MONDAY)

    assert group.last_meeting_on == A_MONDAY


def test_attendance_names_only_current_members():
    group = a_core_group()
    join(group, HEALTH_VISITOR)

    with pytest.raises(NotCoreGroupMemberError):
        hold(group, date(2026, 3, 12), attendance=(present(HEALTH_VISITOR), present(TEACHER)))


def test_a_former_member_cannot_be_named_in_attendance():
    group = a_core_group()
    join(group, TEACHER)
    group.remove_member(by=WORKER, member_id=TEACHER.user_id, left_on=A_MONDAY, reason="Moved")

    with pytest.raises(NotCoreGroupMemberError):
        hold(group, date(2026, 3, 12), attendance=(present(TEACHER),))


def test_attendance_records_each_member_once():
    group = a_core_group()
    join(group, TEACHER)

    with pytest.raises(DuplicateAttendanceError):
        hold(
            group,
            date(2026, 3, 12),
            attendance=(present(TEACHER), present(TEACHER, AttendanceStatus.SENT_APOLOGIES)),
        )


def test_attendance_records_apologies_and_absence_as_well_as_presence():
    group = a_core_group()
    join(group, HEALTH_VISITOR)
    join(group, TEACHER)
    attendance = (
        present(HEALTH_VISITOR),
        present(TEACHER, AttendanceStatus.DID_NOT_ATTEND),
    )

    hold(group, date(2026, 3, 12), attendance=attendance)

    held = group.pending_events[-1]
    assert isinstance(held, CoreGroup.MeetingHeld)
    assert held.attendance == attendance


# --- closing -----------------------------------------------------------------------------------

PLANNED_MEETING = uuid4()

CHANGES: dict[str, Callable[[CoreGroup], object]] = {
    "add a member": lambda g: join(g, TEACHER, joined_on=date(2026, 9, 1)),
    "remove a member": lambda g: g.remove_member(
        by=WORKER, member_id=HEALTH_VISITOR.user_id, left_on=date(2026, 9, 1), reason="Left"
    ),
    "schedule a meeting": lambda g: scheduled(g, date(2026, 9, 1)),
    "hold a meeting": lambda g: hold(g, date(2026, 9, 1)),
    "cancel a meeting": lambda g: g.cancel_meeting(
        by=WORKER,
        meeting_id=PLANNED_MEETING,
        cancelled_on=date(2026, 9, 1),
        reason="Plan ended",
    ),
    "close again": lambda g: g.close(by=WORKER, closed_on=date(2026, 9, 1)),
}


@pytest.mark.parametrize("change", CHANGES.values(), ids=CHANGES.keys())
def test_a_closed_core_group_refuses_every_further_change(change: Callable[[CoreGroup], object]):
    group = a_core_group()
    join(group, HEALTH_VISITOR)
    group.schedule_meeting(by=WORKER, meeting_id=PLANNED_MEETING, meeting_on=date(2026, 9, 10))
    group.close(by=WORKER, closed_on=date(2026, 8, 31))
    version = group.version

    with pytest.raises(CoreGroupClosedError):
        change(group)

    assert group.version == version
    assert not group.is_open


def test_a_core_group_cannot_close_before_it_formed():
    group = a_core_group()

    with pytest.raises(CoreGroupDateError):
        group.close(by=WORKER, closed_on=A_MONDAY - timedelta(days=1))


# --- what errors say ---------------------------------------------------------------------------


def test_errors_name_ids_and_rules_never_people_or_what_they_wrote():
    group = a_core_group()
    join(group, HEALTH_VISITOR)

    with pytest.raises(AlreadyMemberError) as already:
        join(group, HEALTH_VISITOR)
    with pytest.raises(NotCoreGroupMemberError) as stranger:
        hold(group, date(2026, 3, 12), attendance=(present(TEACHER),))

    for error in (already.value, stranger.value):
        assert HEALTH_VISITOR.name not in error.detail
        assert TEACHER.name not in error.detail
        assert "Health Visiting" not in error.detail
