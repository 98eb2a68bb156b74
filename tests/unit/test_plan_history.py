import inspect
import time
from dataclasses import dataclass
from datetime import date, timedelta
from uuid import UUID, uuid4

import pytest
from eventsourcing.persistence import IntegrityError, Tracking
from eventsourcing.utils import get_topic

from domain.agency_task import AgencyTask
from domain.child import Child
from domain.core_group import Attendance, AttendanceStatus, CoreGroup
from domain.escalation import AgreedAction, Escalation, EscalationKind, EscalationSubject
from domain.escalation_policy import LONDON
from domain.plan import (
    ChildProtectionPlan,
    ConferenceDecision,
    KeyDecisionPoint,
    PlanEndReason,
    RatingOccasion,
    ReviewDecision,
)
from domain.values import Actor, CategoryOfAbuse, Dissent, ParentalEngagement, Role
from projections.base import UPSTREAM, Changes
from projections.plan_history import (
    ENTRIES,
    KINDS,
    PlanHistoryModel,
    changes_since_last_conference,
    fallback_sentence,
    history,
    last_conference,
    plan_version_on,
)
from tests.builders import A_MONDAY, a_conference_decision, child_details
from tests.views import events_of, memory_view, project

CHAIR = Actor(uuid4(), "Margaret Quinn", Role.CONFERENCE_CHAIR, "Safeguarding Unit")
WORKER = Actor(uuid4(), "Sam Okafor", Role.SOCIAL_WORKER, "Children's Social Care")
MANAGER = Actor(uuid4(), "Priya Shah", Role.TEAM_MANAGER, "Children's Social Care")
HEALTH = Actor(uuid4(), "Laura Bennett", Role.AGENCY_PRACTITIONER, "Northfield Health Visiting")
SCHOOL = Actor(uuid4(), "Tom Reid", Role.AGENCY_PRACTITIONER, "Riverside Primary School")
POLICE = Actor(uuid4(), "Dan Hughes", Role.AGENCY_PRACTITIONER, "Police")

REVIEW_ON = date(2026, 6, 1)
ENDED_ON = date(2026, 11, 2)


def on(day: int, month: int = 3) -> date:
    return date(2026, month, day)


def a_plan(icpc_on: date = A_MONDAY) -> ChildProtectionPlan:
    return ChildProtectionPlan.start(
        plan_id=uuid4(),
        by=CHAIR,
        child_id=uuid4(),
        icpc_on=icpc_on,
        strategy_discussion_on=None,
        category=CategoryOfAbuse.NEGLECT,
        decision=a_conference_decision(),
        lead_social_worker_id=WORKER.user_id,
        lead_social_worker_name=WORKER.name,
        team="Assessment Team 1",
    )


def agree(plan: ChildProtectionPlan, wording: str = "Ella has regular meals") -> UUID:
    outcome_id = uuid4()
    plan.agree_outcome(
        by=WORKER,
        outcome_id=outcome_id,
        wording=wording,
        how_we_will_know="The health visitor sees food in the house",
        baseline=2,
        target=8,
    )
    return outcome_id


def rate(plan: ChildProtectionPlan, outcome_id: UUID, score: int, rated_on: date) -> None:
    plan.rate_outcome_progress(
        by=HEALTH,
        outcome_id=outcome_id,
        score=score,
        evidence="Seen at visit",
        rated_on=rated_on,
        occasion=RatingOccasion.CORE_GROUP_MEETING,
    )


def visit(plan: ChildProtectionPlan, visited_on: date, note: str = "Room tidy") -> None:
    plan.record_visit(by=WORKER, visited_on=visited_on, seen_alone=True, note=note)


def review(plan: ChildProtectionPlan, held_on: date, decision=ReviewDecision.CONTINUE) -> None:
    plan.hold_review_conference(
        by=CHAIR,
        held_on=held_on,
        decision=decision,
        category=CategoryOfAbuse.NEGLECT,
        conference=a_conference_decision(),
    )


def a_core_group(plan: ChildProtectionPlan) -> CoreGroup:
    group = CoreGroup.form(core_group_id=uuid4(), by=CHAIR, plan_id=plan.id, formed_on=plan.icpc_on)
    for member in (HEALTH, SCHOOL, POLICE):
        group.add_member(
            by=WORKER,
            member_id=member.user_id,
            name=member.name,
            agency=member.agency,
            role_title="Practitioner",
            lead_professional=member is HEALTH,
            joined_on=plan.icpc_on,
        )
    return group


def a_task(
    plan: ChildProtectionPlan, outcome_id: UUID, description: str = "Weigh Ella fortnightly"
) -> AgencyTask:
    task = AgencyTask.assign(
        task_id=uuid4(),
        by=WORKER,
        plan_id=plan.id,
        outcome_id=outcome_id,
        agency=HEALTH.agency,
        assignee_id=HEALTH.user_id,
        assignee_name=HEALTH.name,
        description=description,
        due_on=on(30, 4),
        assigned_on=on(3),
    )
    plan.set_agency_task(by=WORKER, task_id=task.id, outcome_id=outcome_id, agency=HEALTH.agency)
    return task


def an_escalation(plan: ChildProtectionPlan) -> Escalation:
    return Escalation.raise_disagreement(
        escalation_id=uuid4(),
        by=SCHOOL,
        plan_id=plan.id,
        raised_on=on(2, 4),
        kind=EscalationKind.PROFESSIONAL_DISAGREEMENT,
        concerning_agency=HEALTH.agency,
        concerning_conference_decision=False,
        subject=EscalationSubject.TASK_NOT_DONE,
        description="Weighing is not happening",
        policy=LONDON,
    )


@dataclass
class Story:
    plan: ChildProtectionPlan
    child: Child
    core_group: CoreGroup
    tasks: tuple[AgencyTask, ...]
    escalations: tuple[Escalation, ...]
    events: list


def a_whole_history() -> Story:
    """Every command of the plan, its core group, its tasks and escalations, at least once."""
    child = Child.register(child_id=uuid4(), by=WORKER, details=child_details())
    plan = a_plan()
    child.open_protection_plan_on(by=CHAIR, plan_id=plan.id, start_on=plan.icpc_on)
    group = a_core_group(plan)
    kept, dropped, done = agree(plan), agree(plan, "Old wording"), agree(plan, "School daily")
    plan.revise_outcome(
        by=WORKER,
        outcome_id=kept,
        wording="Ella eats three meals a day",
        how_we_will_know="Food diary",
        target=9,
        reason="Clearer measure",
    )
    plan.withdraw_outcome(by=WORKER, outcome_id=dropped, reason="Merged with another")
    plan.agree(by=WORKER, agreed_on=on(4), contingency_plan="Legal planning meeting")
    plan.record_management_oversight(
        by=MANAGER,
        decision_point=KeyDecisionPoint.PLAN_AGREED,
        recorded_on=on(5),
        agreed_and_why="Outcomes are specific",
        options_considered="Child in need plan",
        learning="Engage father early",
    )
    plan.allocate_lead_social_worker(
        by=MANAGER, social_worker_id=uuid4(), social_worker_name="Ana Lopez", team="Team 2"
    )
    visit(plan, on(10))
    plan.record_childs_views(
        by=WORKER, recorded_on=on(10), views="Likes school", how_gathered="Drawing"
    )
    plan.record_parental_engagement(
        by=WORKER,
        recorded_on=on(10),
        engagement=ParentalEngagement.NOT_ENGAGED,
        occasion=RatingOccasion.VISIT,
        note="Door not answered",
    )
    plan.send_letter_of_concern(
        by=CHAIR,
        sent_on=on(1, 4),
        concern="Parents missed two meetings",
        review_postponed_to=REVIEW_ON,
    )
    rate(plan, kept, 4, on(12))
    plan.record_outcome_achieved(
        by=WORKER, outcome_id=done, achieved_on=on(1, 5), evidence="Full attendance"
    )

    meeting, cancelled = uuid4(), uuid4()
    group.schedule_meeting(by=WORKER, meeting_id=meeting, meeting_on=on(14))
    group.schedule_meeting(by=WORKER, meeting_id=cancelled, meeting_on=on(25, 4))
    group.cancel_meeting(by=WORKER, meeting_id=cancelled, cancelled_on=on(20, 4), reason="Clash")
    group.record_meeting_held(
        by=WORKER,
        meeting_id=meeting,
        held_on=on(14),
        attendance=(
            Attendance(HEALTH.user_id, HEALTH.name, HEALTH.agency, AttendanceStatus.ATTENDED),
            Attendance(SCHOOL.user_id, SCHOOL.name, SCHOOL.agency, AttendanceStatus.SENT_APOLOGIES),
            Attendance(POLICE.user_id, POLICE.name, POLICE.agency, AttendanceStatus.DID_NOT_ATTEND),
        ),
        summary="Meals improving",
        parental_engagement=ParentalEngagement.PARTIALLY_ENGAGED,
        outcomes_rated=(kept,),
    )
    group.remove_member(by=WORKER, member_id=POLICE.user_id, left_on=on(20), reason="Case closed")

    weigh, visits = a_task(plan, kept), a_task(plan, kept, "Home visits weekly")
    weigh.start(by=HEALTH, started_on=on(5))
    weigh.note_progress(by=HEALTH, noted_on=on(19), note="Weight up")
    weigh.block(by=HEALTH, blocked_on=on(26), reason="No access to the home")
    weigh.unblock(by=WORKER, unblocked_on=on(28), note="Seen at clinic")
    weigh.complete(
        by=HEALTH, completed_on=on(9, 4), evidence="Six weighings recorded", core_group=group
    )
    visits.change_due_date(by=WORKER, due_on=on(30, 5), reason="Holiday")
    visits.reassign(
        by=WORKER,
        agency="Family Support",
        assignee_id=None,
        assignee_name="Family support worker",
        reason="Health cannot do home visits",
    )
    visits.cancel(by=WORKER, cancelled_on=on(1, 6), reason="Duplicate task")

    resolved, withdrawn = an_escalation(plan), an_escalation(plan)
    resolved.record_contact(
        by=SCHOOL,
        contacted_on=on(3, 4),
        contact_name="HV lead",
        contact_agency=HEALTH.agency,
        summary="Phoned",
    )
    resolved.agree_actions(
        by=SCHOOL,
        agreed_on=on(3, 4),
        actions=(AgreedAction("Weigh on Friday", HEALTH.agency, on(4, 4)),),
    )
    resolved.move_to_next_stage(by=MANAGER, moved_on=on(10, 4), reason="No change")
    resolved.resolve(
        by=MANAGER,
        resolved_on=on(14, 4),
        outcome="Weighing resumed",
        learning="Agree cover for leave",
    )
    withdrawn.withdraw(by=SCHOOL, withdrawn_on=on(3, 4), reason="Raised twice")

    review(plan, REVIEW_ON)
    plan.hold_review_conference(
        by=CHAIR,
        held_on=ENDED_ON,
        decision=ReviewDecision.END,
        category=CategoryOfAbuse.NEGLECT,
        conference=ConferenceDecision(
            rationale="Sustained change",
            options_considered="Continue",
            attending_agencies=(HEALTH.agency,),
            dissent=(Dissent("Tom Reid", SCHOOL.agency, "Too soon"),),
        ),
    )
    plan.end(
        by=CHAIR,
        ended_on=ENDED_ON,
        reason=PlanEndReason.NO_LONGER_AT_CONTINUING_RISK,
        child_in_need_plan_starts_on=ENDED_ON,
    )
    child.close_protection_plan(by=CHAIR, plan_id=plan.id, end_on=ENDED_ON, step_down=True)
    group.close(by=CHAIR, closed_on=ENDED_ON)

    aggregates = (plan, child, group, weigh, visits, resolved, withdrawn)
    return Story(plan, child, group, (weigh, visits), (resolved, withdrawn), events_of(*aggregates))


def event_classes() -> dict[str, type]:
    """Every event class of the plan, core group, task and escalation streams."""
    found = {}
    for stream in (ChildProtectionPlan, CoreGroup, AgencyTask, Escalation):
        for name, value in vars(stream).items():
            is_event = inspect.isclass(value) and issubclass(value, stream.Event)
            # `Event` and `Created` are the library's bases, redefined on every aggregate.
            if is_event and name not in {"Event", "Created"}:
                found[f"{stream.__name__}.{name}"] = value
    return found


def by_type(entries):
    return {e.event_type: e for e in entries}


# --- what the history reads ----------------------------------------------------------------------


def test_the_history_reads_every_event_of_the_four_aggregates_and_the_childs_plan_events():
    expected = set(event_classes().values()) | {
        Child.ProtectionPlanOpened,
        Child.ProtectionPlanClosed,
    }

    topics = set(PlanHistoryModel.topics)

    assert topics == {get_topic(cls) for cls in expected}
    assert get_topic(Child.Registered) not in topics


def test_every_event_type_gets_a_sentence_of_its_own_that_names_who_did_it():
    story = a_whole_history()

    view = project(PlanHistoryModel, story.events)

    entries = history(view, story.plan.id)
    seen = {e.event_type for e in entries}
    assert set(event_classes()) <= seen
    events = {(e.originator_id, e.originator_version): e for e in story.events}
    for entry in entries:
        event = events[(entry.stream_id, entry.stream_version)]
        assert entry.sentence != fallback_sentence(event), entry.event_type
        assert event.by.name in entry.sentence, entry.sentence
        assert "recorded ChildProtectionPlan" not in entry.sentence


def test_the_sentences_read_the_way_a_chair_would_say_them():
    story = a_whole_history()

    view = project(PlanHistoryModel, story.events)

    entries = history(view, story.plan.id)
    sentences = [e.sentence for e in entries]
    assert (
        "Laura Bennett (Northfield Health Visiting) completed the task “Weigh Ella fortnightly”: "
        "Six weighings recorded." in sentences
    )
    assert (
        "Margaret Quinn chaired a review conference: the plan continues; latest category "
        "neglect. Next review due 1 December 2026." in sentences
    )
    assert (
        "Margaret Quinn chaired a review conference: the plan ends; latest category neglect. "
        "Dissent recorded from Riverside Primary School." in sentences
    )
    assert (
        "Sam Okafor revised the outcome “Ella has regular meals” to “Ella eats three meals a "
        "day” (target 9/10): Clearer measure." in sentences
    )
    assert (
        "Laura Bennett (Northfield Health Visiting) rated the outcome “Ella eats three meals a "
        "day” 4/10 at a core group meeting: Seen at visit." in sentences
    )
    assert (
        "Sam Okafor reassigned the task “Home visits weekly” from Laura Bennett (Northfield "
        "Health Visiting) to Family support worker (Family Support): Health cannot do home "
        "visits." in sentences
    )
    assert "Sam Okafor recorded that Dan Hughes (Police) left the core group: Case closed." in (
        sentences
    )
    assert (
        "Priya Shah moved the disagreement to stage 2 (Line manager to line manager), due "
        "17 April 2026: No change." in sentences
    )


def test_a_core_group_meeting_says_who_came_and_which_agencies_did_not():
    story = a_whole_history()

    view = project(PlanHistoryModel, story.events)

    [meeting] = history(view, story.plan.id, kinds=["meetings"], before=on(15))[-1:]
    assert meeting.event_type == "CoreGroup.MeetingHeld"
    assert meeting.sentence == (
        "Sam Okafor recorded a core group meeting (1 attended, apologies from Riverside Primary "
        "School, did not attend: Police; parents partially engaged; 1 outcome rated): Meals "
        "improving."
    )


def test_long_free_text_is_quoted_briefly_with_an_ellipsis_and_on_one_line():
    plan = a_plan()
    visit(plan, on(10), note="Kitchen\nclean. " + "The fridge had food in it today. " * 20)

    view = project(PlanHistoryModel, events_of(plan))

    [entry] = history(view, plan.id, kinds=["child"])
    assert entry.sentence.endswith("…")
    assert "\n" not in entry.sentence
    assert len(entry.sentence) < 220


def test_dates_are_written_out_and_categories_named():
    plan = a_plan()
    plan.hold_review_conference(
        by=CHAIR,
        held_on=REVIEW_ON,
        decision=ReviewDecision.CONTINUE,
        category=CategoryOfAbuse.EMOTIONAL,
        conference=a_conference_decision(),
    )

    view = project(PlanHistoryModel, events_of(plan))

    started, reviewed = history(view, plan.id, kinds=["decisions"])
    assert "category neglect" in started.sentence
    assert "latest category emotional abuse. Next review due 1 December 2026." in (
        reviewed.sentence
    )


def test_each_entry_keeps_who_did_it_and_when_it_happened_and_was_recorded():
    plan = a_plan()
    outcome_id = agree(plan)
    rate(plan, outcome_id, 5, on(16))

    view = project(PlanHistoryModel, events_of(plan))

    entries = by_type(history(view, plan.id))
    rating = entries["ChildProtectionPlan.OutcomeProgressRated"]
    assert (rating.actor_name, rating.actor_role, rating.actor_agency) == (
        HEALTH.name,
        "agency_practitioner",
        HEALTH.agency,
    )
    assert (rating.kind, rating.stream, rating.stream_version) == ("ratings", "plan", 3)
    assert rating.occurred_on == on(16)
    agreed = entries["ChildProtectionPlan.OutcomeAgreed"]
    assert agreed.occurred_on == agreed.recorded_at.date()


def test_the_view_holds_no_child_identity():
    story = a_whole_history()

    view = project(PlanHistoryModel, story.events)

    stored = repr(view.all_rows())
    details = child_details()
    assert details.given_name not in stored
    assert details.family_name not in stored
    assert details.la_child_id not in stored
    assert "2018-06-01" not in stored


# --- the history query ---------------------------------------------------------------------------


def test_the_history_is_in_practice_date_order_whatever_order_it_was_recorded_in():
    plan = a_plan()
    visit(plan, on(20), "Later visit")
    visit(plan, on(10), "Earlier visit recorded late")

    view = project(PlanHistoryModel, events_of(plan))

    visits = history(view, plan.id, kinds=["child"])
    assert [v.occurred_on for v in visits] == [on(10), on(20)]
    assert "recorded late" in visits[0].sentence


def test_the_kinds_filter_keeps_only_the_kinds_asked_for():
    story = a_whole_history()
    view = project(PlanHistoryModel, story.events)

    tasks_and_escalations = history(view, story.plan.id, kinds={"tasks", "escalations"})
    nothing = history(view, story.plan.id, kinds=[])

    assert {e.kind for e in tasks_and_escalations} == {"tasks", "escalations"}
    assert len(tasks_and_escalations) == 2 + 6 + 4 + 5 + 2  # set twice, two tasks, two escalations
    assert nothing == []
    assert {e.kind for e in history(view, story.plan.id)} == set(KINDS)


def test_an_unknown_kind_is_refused_rather_than_silently_matching_nothing():
    view = memory_view(PlanHistoryModel)

    with pytest.raises(ValueError, match="kinds"):
        history(view, uuid4(), kinds=["visits"])


def test_before_and_limit_give_the_latest_entries_before_a_day_in_time_order():
    plan = a_plan()
    for day in (9, 10, 11, 12, 13):
        visit(plan, on(day))

    view = project(PlanHistoryModel, events_of(plan))

    page = history(view, plan.id, kinds=["child"], before=on(13), limit=2)
    assert [e.occurred_on for e in page] == [on(11), on(12)]
    assert [e.occurred_on for e in history(view, plan.id, kinds=["child"], limit=1)] == [on(13)]


# --- the plan as it stood ------------------------------------------------------------------------


def test_the_plan_as_it_stood_on_the_review_date_excludes_a_rating_made_after():
    plan = a_plan()
    outcome_id = agree(plan)
    review(plan, REVIEW_ON)
    rate(plan, outcome_id, 7, REVIEW_ON + timedelta(days=7))
    events = events_of(plan)
    view = project(PlanHistoryModel, events)

    version = plan_version_on(view, plan.id, REVIEW_ON)

    assert version == 3
    as_it_stood = None
    for event in events[:version]:
        as_it_stood = event.mutate(as_it_stood)
    assert as_it_stood.last_review_on == REVIEW_ON
    assert as_it_stood.outcome(outcome_id).latest_score is None
    assert plan_version_on(view, plan.id, REVIEW_ON + timedelta(days=7)) == 4


def test_there_is_no_plan_to_load_before_its_initial_conference():
    plan = a_plan()
    view = project(PlanHistoryModel, events_of(plan))

    assert plan_version_on(view, plan.id, A_MONDAY - timedelta(days=1)) is None
    assert plan_version_on(view, plan.id, A_MONDAY) == 1
    assert plan_version_on(view, uuid4(), A_MONDAY) is None


def test_the_version_counts_only_the_plans_own_stream():
    plan = a_plan()
    group = a_core_group(plan)
    group.schedule_meeting(by=WORKER, meeting_id=uuid4(), meeting_on=on(14))

    view = project(PlanHistoryModel, events_of(plan, group))

    assert plan_version_on(view, plan.id, date(2099, 1, 1)) == 1


# --- since the last conference -------------------------------------------------------------------


def test_since_the_last_conference_shows_what_happened_after_it_by_kind():
    plan = a_plan()
    outcome_id = agree(plan)
    visit(plan, on(20, 5), "Before the review")
    review(plan, REVIEW_ON)
    rate(plan, outcome_id, 6, REVIEW_ON)
    visit(plan, on(8, 6), "After the review")
    task = a_task(plan, outcome_id)
    group = a_core_group(plan)
    task.complete(by=HEALTH, completed_on=on(9, 6), evidence="Done", core_group=group)

    view = project(PlanHistoryModel, events_of(plan, group, task))

    since = changes_since_last_conference(view, plan.id)
    assert (since.conference.held_on, since.conference.kind) == (REVIEW_ON, "review")
    assert [e.sentence for e in since.by_kind["child"]] == [
        "Sam Okafor visited the child, seen alone: After the review."
    ]
    assert since.counts["ratings"] == 1  # same day as the review, later in the log
    assert "AgencyTask.Completed" in {e.event_type for e in since.by_kind["tasks"]}
    assert all(e.occurred_on >= REVIEW_ON for e in since.entries)
    assert list(since.by_kind) == [k for k in KINDS if k in since.by_kind]


def test_the_last_conference_before_a_day_is_the_one_held_before_it():
    plan = a_plan()
    review(plan, REVIEW_ON)
    view = project(PlanHistoryModel, events_of(plan))

    latest = last_conference(view, plan.id)
    earlier = last_conference(view, plan.id, before=REVIEW_ON)

    assert (latest.held_on, latest.kind) == (REVIEW_ON, "review")
    assert (earlier.held_on, earlier.kind) == (A_MONDAY, "initial")
    assert last_conference(view, plan.id, before=A_MONDAY) is None


def test_before_any_review_the_last_conference_is_the_initial_one():
    plan = a_plan()
    visit(plan, on(10))

    view = project(PlanHistoryModel, events_of(plan))

    since = changes_since_last_conference(view, plan.id)
    assert since.conference.kind == "initial"
    assert [e.event_type for e in since.entries] == ["ChildProtectionPlan.ChildVisited"]


def test_a_plan_the_view_has_never_seen_has_no_conference_and_nothing_since():
    view = memory_view(PlanHistoryModel)

    since = changes_since_last_conference(view, uuid4())

    assert since.conference is None
    assert since.entries == ()
    assert since.counts == {}


# --- entries from other streams ------------------------------------------------------------------


def test_core_group_task_and_escalation_entries_land_on_their_own_plan():
    first, second = a_plan(), a_plan()
    streams = {}
    for plan in (first, second):
        group = a_core_group(plan)
        task = a_task(plan, agree(plan))
        task.start(by=HEALTH, started_on=on(5))
        escalation = an_escalation(plan)
        escalation.withdraw(by=SCHOOL, withdrawn_on=on(3, 4), reason="Sorted")
        streams[plan.id] = (group, task, escalation)

    view = project(
        PlanHistoryModel, events_of(first, second, *streams[first.id], *streams[second.id])
    )

    for plan in (first, second):
        group, task, escalation = streams[plan.id]
        entries = history(view, plan.id)
        assert {e.stream_id for e in entries} == {plan.id, group.id, task.id, escalation.id}
        by_stream = {e.stream_id: e.stream for e in entries}
        assert by_stream[group.id] == "core_group"
        assert by_stream[task.id] == "task"
        assert by_stream[escalation.id] == "escalation"
        assert len([e for e in entries if e.stream_id == task.id]) == 2


def test_an_event_on_a_stream_whose_first_event_was_never_seen_is_left_out():
    plan = a_plan()
    task = a_task(plan, agree(plan))
    task.start(by=HEALTH, started_on=on(5))
    started = task.collect_events()[-1]

    view = project(PlanHistoryModel, [started])

    assert view.all_rows()["entries"] == []


def test_a_whole_batch_in_one_unit_of_work_gives_the_same_rows_as_one_event_at_a_time():
    story = a_whole_history()
    one_at_a_time = project(PlanHistoryModel, story.events)
    batched = memory_view(PlanHistoryModel)
    changes = Changes(batched)

    for position, event in enumerate(story.events, start=1):
        PlanHistoryModel.handle(event, changes, position)
    batched.apply(changes, Tracking(UPSTREAM, len(story.events)))

    assert batched.all_rows() == one_at_a_time.all_rows()


def test_projecting_the_same_events_twice_is_refused_and_changes_nothing():
    story = a_whole_history()
    view = project(PlanHistoryModel, story.events)
    before = view.all_rows()

    for position, event in enumerate(story.events, start=1):
        changes = Changes(view)
        PlanHistoryModel.handle(event, changes, position)
        with pytest.raises(IntegrityError):
            view.apply(changes, Tracking(UPSTREAM, position))

    assert view.all_rows() == before


# --- performance ---------------------------------------------------------------------------------


def test_the_history_of_a_plan_with_two_thousand_events_is_read_from_the_index_quickly():
    busy, other = a_plan(), a_plan()
    for number in range(1999):
        visit(busy, A_MONDAY + timedelta(days=number % 300), f"Visit {number}")
    for number in range(200):
        visit(other, A_MONDAY + timedelta(days=number), f"Visit {number}")
    view = project(PlanHistoryModel, events_of(busy, other))

    started = time.perf_counter()
    entries = history(view, busy.id)
    elapsed = time.perf_counter() - started

    assert len(entries) == 2000
    assert elapsed < 0.5
    plan = view.query(
        "EXPLAIN QUERY PLAN SELECT * FROM {entries} WHERE plan_id = %(p)s "
        "ORDER BY occurred_on, position",
        {"p": busy.id},
    )
    details = " ".join(str(row["detail"]) for row in plan)
    assert "entries_ix0" in details
    assert "TEMP B-TREE" not in details
    assert ENTRIES.indexes == (("plan_id", "occurred_on", "position"),)
