from contextlib import suppress
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.persistence import JSONTranscoder
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

import domain.transcodings
from domain.core_group import Attendance, AttendanceStatus, CoreGroup, MeetingStatus
from domain.errors import DomainError
from domain.timescales import first_core_group_due
from domain.values import ParentalEngagement
from tests.builders import A_MONDAY, a_practitioner, an_actor

FORMED_ON = A_MONDAY
WORKER = an_actor()
PEOPLE = [a_practitioner(agency) for agency in ("Health Visiting", "School", "Police", "CAMHS")]
MEETINGS = [uuid4() for _ in range(4)]
CLOSE_AFTER_EVENTS = 8  # a core group closes when its plan ends, after some history

people = st.sampled_from(PEOPLE)
meetings = st.sampled_from(MEETINGS)
days = st.integers(min_value=-3, max_value=150).map(lambda n: FORMED_ON + timedelta(days=n))
texts = st.sampled_from(
    ["", " ", "Snow", "New post", "Chair ill", "Health visitor", "Home conditions improving."]
) | st.text(min_size=1, max_size=12)
attendances = st.lists(st.tuples(people, st.sampled_from(AttendanceStatus)), max_size=4).map(
    lambda pairs: tuple(
        Attendance(member_id=p.user_id, name=p.name, agency=p.agency, status=s) for p, s in pairs
    )
)


class RoundTrip(Application[UUID]):
    """Stores streams the way the service does, so what is saved is what comes back."""

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        domain.transcodings.register_all(transcoder)


def state_of(aggregate: CoreGroup) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


class CoreGroupRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.app = RoundTrip(
            env={"PERSISTENCE_MODULE": "eventsourcing.sqlite", "SQLITE_DBNAME": ":memory:"}
        )
        self.saved_events: list[Any] = []
        self.closed_version: int | None = None
        self.settled: dict[str, MeetingStatus] = {}

    def teardown(self) -> None:
        self.app.close()

    @initialize(interval=st.integers(min_value=1, max_value=12))
    def form(self, interval: int) -> None:
        self.group = CoreGroup.form(
            core_group_id=uuid4(),
            by=WORKER,
            plan_id=uuid4(),
            formed_on=FORMED_ON,
            meeting_interval_weeks=interval,
        )

    # --- commands ------------------------------------------------------------------------------

    @rule(person=people, lead=st.booleans(), joined_on=days, role_title=texts)
    def add_member(self, person: Any, lead: bool, joined_on: date, role_title: str) -> None:
        with suppress(DomainError):
            self.group.add_member(
                by=WORKER,
                member_id=person.user_id,
                name=person.name,
                agency=person.agency,
                role_title=role_title,
                lead_professional=lead,
                joined_on=joined_on,
            )

    @rule(person=people, left_on=days, reason=texts)
    def remove_member(self, person: Any, left_on: date, reason: str) -> None:
        with suppress(DomainError):
            self.group.remove_member(
                by=WORKER, member_id=person.user_id, left_on=left_on, reason=reason
            )

    @rule(meeting_id=meetings, meeting_on=days)
    def schedule_meeting(self, meeting_id: UUID, meeting_on: date) -> None:
        with suppress(DomainError):
            self.group.schedule_meeting(by=WORKER, meeting_id=meeting_id, meeting_on=meeting_on)

    @rule(
        meeting_id=meetings,
        held_on=days,
        attendance=attendances,
        summary=texts,
        engagement=st.sampled_from(ParentalEngagement),
    )
    def record_meeting_held(
        self,
        meeting_id: UUID,
        held_on: date,
        attendance: tuple[Attendance, ...],
        summary: str,
        engagement: ParentalEngagement,
    ) -> None:
        with suppress(DomainError):
            self.group.record_meeting_held(
                by=WORKER,
                meeting_id=meeting_id,
                held_on=held_on,
                attendance=attendance,
                summary=summary,
                parental_engagement=engagement,
                outcomes_rated=(uuid4(),),
            )

    @rule(meeting_id=meetings, cancelled_on=days, reason=texts)
    def cancel_meeting(self, meeting_id: UUID, cancelled_on: date, reason: str) -> None:
        with suppress(DomainError):
            self.group.cancel_meeting(
                by=WORKER, meeting_id=meeting_id, cancelled_on=cancelled_on, reason=reason
            )

    @precondition(lambda self: self.group.version >= CLOSE_AFTER_EVENTS)
    @rule(closed_on=days)
    def close(self, closed_on: date) -> None:
        with suppress(DomainError):
            self.group.close(by=WORKER, closed_on=closed_on)
        if self.group.closed_on is not None and self.closed_version is None:
            self.closed_version = self.group.version

    # --- rules of practice ---------------------------------------------------------------------

    @invariant()
    def a_person_is_a_member_once(self) -> None:
        ids = [member.member_id for member in self.group.members.values()]
        assert len(ids) == len(set(ids))
        assert all(key == str(member.member_id) for key, member in self.group.members.items())

    @invariant()
    def a_closed_core_group_never_changes(self) -> None:
        if self.closed_version is not None:
            assert self.group.version == self.closed_version
            assert not self.group.is_open

    @invariant()
    def held_and_cancelled_meetings_stay_that_way(self) -> None:
        for key, status in self.settled.items():
            assert self.group.meetings[key].status is status
        for key, meeting in self.group.meetings.items():
            if meeting.status is not MeetingStatus.SCHEDULED:
                self.settled[key] = meeting.status

    @invariant()
    def nothing_is_dated_before_the_core_group_formed(self) -> None:
        for meeting in self.group.meetings.values():
            for day in (meeting.scheduled_for, meeting.held_on, meeting.cancelled_on):
                assert day is None or day >= self.group.formed_on
        assert all(m.joined_on >= self.group.formed_on for m in self.group.members.values())

    @invariant()
    def the_next_meeting_is_due_by_the_statutory_clock(self) -> None:
        last = self.group.last_meeting_on
        if last is None:
            assert self.group.meetings_held == 0
            assert self.group.next_meeting_due == first_core_group_due(FORMED_ON)
        else:
            weeks = self.group.meeting_interval_weeks
            assert self.group.next_meeting_due == last + timedelta(weeks=weeks)

    @invariant()
    def attendance_names_only_members_of_the_day(self) -> None:
        replayed = None
        for event in [*self.saved_events, *self.group.pending_events]:
            if isinstance(event, CoreGroup.MeetingHeld):
                assert replayed is not None
                assert all(replayed.is_member(a.member_id) for a in event.attendance)
            replayed = event.mutate(replayed)

    @invariant()
    def replaying_the_events_rebuilds_the_same_state(self) -> None:
        replayed = None
        for event in [*self.saved_events, *self.group.pending_events]:
            replayed = event.mutate(replayed)

        assert replayed is not None
        assert state_of(replayed) == state_of(self.group)

    @invariant()
    def what_is_saved_is_what_comes_back(self) -> None:
        self.saved_events.extend(self.group.pending_events)

        self.app.save(self.group)

        assert self.app.repository.get(self.group.id) == self.group


CoreGroupRules.TestCase.settings = settings(
    max_examples=50,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
TestCoreGroupRules = CoreGroupRules.TestCase
