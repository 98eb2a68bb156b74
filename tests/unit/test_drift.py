from datetime import date
from uuid import uuid4

from domain.agency_task import AgencyTask
from domain.calendar import add_months
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan, PlanEndReason, RatingOccasion, ReviewDecision
from domain.values import CategoryOfAbuse, ParentalEngagement, Role
from projections.drift import (
    CORE_GROUP_OVERDUE,
    OUTCOMES_STALLED,
    PARENTS_NOT_ENGAGING,
    REVIEW_OVERDUE,
    TASKS_OVERDUE,
    DriftModel,
    caseloads,
    drift_for_plan,
    drift_list,
    is_stalled,
)
from tests.builders import A_MONDAY, a_chair, a_conference_decision, a_practitioner, an_actor
from tests.views import events_of, project

CHAIR = a_chair()
WORKER = an_actor()
MANAGER = an_actor(Role.TEAM_MANAGER)
HEALTH = a_practitioner("Health Visiting")
EASTER_ICPC = date(2026, 3, 23)  # ten working days from here run over Good Friday and Easter Monday


class Case:
    """A plan with its core group, as the initial conference makes them."""

    def __init__(self, icpc_on=A_MONDAY, strategy_on=None, team="Team 1", worker=WORKER):
        self.plan = ChildProtectionPlan.start(
            plan_id=uuid4(),
            by=CHAIR,
            child_id=uuid4(),
            icpc_on=icpc_on,
            strategy_discussion_on=strategy_on,
            category=CategoryOfAbuse.NEGLECT,
            decision=a_conference_decision(),
            lead_social_worker_id=worker.user_id,
            lead_social_worker_name=worker.name,
            team=team,
        )
        self.core_group = CoreGroup.form(
            core_group_id=uuid4(),
            by=CHAIR,
            plan_id=self.plan.id,
            formed_on=icpc_on,
            meeting_interval_weeks=6,
        )
        self.core_group.add_member(
            by=WORKER,
            member_id=HEALTH.user_id,
            name=HEALTH.name,
            agency=HEALTH.agency,
            role_title="Health visitor",
            lead_professional=False,
            joined_on=icpc_on,
        )
        self.tasks = []

    @property
    def id(self):
        return self.plan.id

    def meet(self, on, engagement=ParentalEngagement.ENGAGED, meeting_id=None):
        """As the application records a meeting: on the core group and, in the same save, the
        parents' engagement on the plan."""
        meeting_id = meeting_id or uuid4()
        self.core_group.record_meeting_held(
            by=WORKER,
            meeting_id=meeting_id,
            held_on=on,
            attendance=(),
            summary="Reviewed tasks",
            parental_engagement=engagement,
            outcomes_rated=(),
        )
        self.plan.record_parental_engagement(
            by=WORKER,
            recorded_on=on,
            engagement=engagement,
            occasion=RatingOccasion.CORE_GROUP_MEETING,
            occasion_id=meeting_id,
        )

    def agree_outcome(self):
        outcome_id = uuid4()
        self.plan.agree_outcome(
            by=WORKER,
            outcome_id=outcome_id,
            wording="Ella has regular meals",
            how_we_will_know="Health visitor sees food",
            baseline=2,
            target=8,
        )
        return outcome_id

    def rate(self, outcome_id, *scores_on):
        for score, on in scores_on:
            self.plan.rate_outcome_progress(
                by=HEALTH,
                outcome_id=outcome_id,
                score=score,
                evidence="Seen at visit",
                rated_on=on,
                occasion=RatingOccasion.VISIT,
            )

    def task(self, due_on, agency="Health Visiting"):
        task = AgencyTask.assign(
            task_id=uuid4(),
            by=WORKER,
            plan_id=self.plan.id,
            outcome_id=uuid4(),
            agency=agency,
            assignee_id=HEALTH.user_id,
            assignee_name=HEALTH.name,
            description="Weekly home visit",
            due_on=due_on,
            assigned_on=self.plan.icpc_on,
        )
        self.tasks.append(task)
        return task

    def events(self):
        return events_of(self.plan, self.core_group, *self.tasks)


def view_of(*cases):
    return project(DriftModel, [e for case in cases for e in case.events()])


def test_a_new_plan_is_due_its_first_core_group_within_10_working_days_of_the_conference():
    case = Case()

    view = view_of(case)

    drift = drift_for_plan(view, case.id, date(2026, 3, 16))
    assert drift.first_core_group_due == date(2026, 3, 16)
    assert drift.next_core_group_due == date(2026, 3, 16)
    assert not drift.core_group_overdue
    assert drift.first_core_group_timely is None


def test_the_first_core_group_clock_skips_bank_holidays():
    case = Case(icpc_on=EASTER_ICPC)

    view = view_of(case)

    on_the_last_day = drift_for_plan(view, case.id, date(2026, 4, 8))
    the_day_after = drift_for_plan(view, case.id, date(2026, 4, 9))
    assert on_the_last_day.next_core_group_due == date(2026, 4, 8)
    assert not on_the_last_day.core_group_overdue
    assert the_day_after.core_group_overdue
    assert the_day_after.first_core_group_timely is False
    assert CORE_GROUP_OVERDUE in the_day_after.flags


def test_after_the_first_meeting_the_next_is_due_at_the_local_interval_after_the_latest():
    case = Case()
    case.meet(date(2026, 4, 20))
    case.meet(date(2026, 3, 12))  # recorded late

    view = view_of(case)

    drift = drift_for_plan(view, case.id, date(2026, 6, 1))
    assert drift.first_core_group_on == date(2026, 3, 12)
    assert drift.first_core_group_timely is True
    assert drift.last_core_group_on == date(2026, 4, 20)
    assert drift.next_core_group_due == date(2026, 6, 1)
    assert not drift.core_group_overdue
    assert drift_for_plan(view, case.id, date(2026, 6, 2)).core_group_overdue


def test_a_first_meeting_held_after_10_working_days_was_not_timely():
    case = Case()
    case.meet(date(2026, 3, 17))

    view = view_of(case)

    assert drift_for_plan(view, case.id, date(2026, 3, 18)).first_core_group_timely is False


def test_the_next_scheduled_meeting_shows_until_it_is_held_or_cancelled():
    case = Case()
    held, cancelled, pending = uuid4(), uuid4(), uuid4()
    case.core_group.schedule_meeting(by=WORKER, meeting_id=held, meeting_on=date(2026, 3, 10))
    case.core_group.schedule_meeting(by=WORKER, meeting_id=cancelled, meeting_on=date(2026, 4, 7))
    case.core_group.schedule_meeting(by=WORKER, meeting_id=pending, meeting_on=date(2026, 4, 21))
    case.meet(date(2026, 3, 11), meeting_id=held)
    case.core_group.cancel_meeting(
        by=WORKER, meeting_id=cancelled, cancelled_on=date(2026, 4, 1), reason="Chair ill"
    )

    view = view_of(case)

    assert drift_for_plan(view, case.id, date(2026, 4, 2)).next_scheduled_meeting_on == date(
        2026, 4, 21
    )


def test_a_closed_core_group_is_no_longer_due_to_meet():
    case = Case()
    case.core_group.close(by=WORKER, closed_on=date(2026, 3, 9))

    view = view_of(case)

    drift = drift_for_plan(view, case.id, date(2026, 5, 1))
    assert drift.next_core_group_due is None
    assert not drift.core_group_overdue


def test_icpc_timeliness_counts_working_days_from_the_strategy_discussion_over_bank_holidays():
    on_time = Case(strategy_on=EASTER_ICPC, icpc_on=date(2026, 4, 15))
    late = Case(strategy_on=EASTER_ICPC, icpc_on=date(2026, 4, 16))
    later = Case(strategy_on=EASTER_ICPC, icpc_on=date(2026, 4, 20))
    unknown = Case(strategy_on=None)

    view = view_of(on_time, late, later, unknown)

    today = date(2026, 4, 21)
    assert drift_for_plan(view, on_time.id, today).icpc_timeliness == "within 15 working days"
    assert drift_for_plan(view, late.id, today).icpc_timeliness == "late by 1 working day"
    assert drift_for_plan(view, later.id, today).icpc_timeliness == "late by 3 working days"
    assert drift_for_plan(view, unknown.id, today).icpc_timeliness == "unknown"


def test_the_first_review_is_due_in_3_months_and_later_ones_6_months_after_each_review():
    case = Case()
    view = view_of(case)
    first_due = drift_for_plan(view, case.id, date(2026, 3, 3)).next_review_due

    case.plan.hold_review_conference(
        by=CHAIR,
        held_on=date(2026, 5, 26),
        decision=ReviewDecision.CONTINUE,
        category=CategoryOfAbuse.NEGLECT,
        conference=a_conference_decision(),
    )
    project(DriftModel, case.events(), view=view)

    assert first_due == date(2026, 6, 2)
    drift = drift_for_plan(view, case.id, date(2026, 11, 27))
    assert drift.reviews == 1
    assert drift.last_review_on == date(2026, 5, 26)
    assert drift.next_review_due == date(2026, 11, 26)
    assert drift.review_overdue
    assert REVIEW_OVERDUE in drift.flags


def test_a_review_is_overdue_the_day_after_3_months_from_the_conference():
    case = Case()

    view = view_of(case)

    assert drift_for_plan(view, case.id, date(2026, 6, 2)).next_review_due == date(2026, 6, 2)
    assert not drift_for_plan(view, case.id, date(2026, 6, 2)).review_overdue
    assert drift_for_plan(view, case.id, date(2026, 6, 3)).review_overdue


def test_a_letter_of_concern_that_postpones_the_review_moves_its_due_date():
    case = Case()
    case.plan.send_letter_of_concern(
        by=CHAIR,
        sent_on=date(2026, 5, 20),
        concern="Parents missed three core groups",
        review_postponed_to=date(2026, 6, 16),
    )

    view = view_of(case)

    drift = drift_for_plan(view, case.id, date(2026, 6, 10))
    assert drift.letters_of_concern == 1
    assert drift.next_review_due == date(2026, 6, 16)
    assert not drift.review_overdue


def test_only_open_tasks_past_their_due_date_are_overdue_with_the_agencies_holding_them():
    case = Case()
    case.task(date(2026, 3, 20))
    done = case.task(date(2026, 3, 20))
    dropped = case.task(date(2026, 3, 20))
    moved_on = case.task(date(2026, 3, 20))
    handed_over = case.task(date(2026, 3, 20))
    case.task(date(2026, 4, 30))
    done.complete(
        by=HEALTH,
        completed_on=date(2026, 3, 25),
        evidence="Visits done",
        core_group=case.core_group,
    )
    dropped.cancel(by=WORKER, cancelled_on=date(2026, 3, 25), reason="Merged")
    moved_on.change_due_date(by=WORKER, due_on=date(2026, 5, 1), reason="Waiting list")
    handed_over.reassign(
        by=WORKER, agency="School", assignee_id=None, assignee_name="Head", reason="Term time"
    )

    view = view_of(case)

    drift = drift_for_plan(view, case.id, date(2026, 4, 1))
    assert drift.overdue_tasks == 2
    assert drift.overdue_task_agencies == ("Health Visiting", "School")
    assert TASKS_OVERDUE in drift.flags


def test_three_ratings_without_improvement_stall_an_outcome_and_an_improving_one_does_not():
    case = Case()
    stuck, improving = case.agree_outcome(), case.agree_outcome()
    case.rate(stuck, (4, date(2026, 3, 16)), (5, date(2026, 4, 13)), (4, date(2026, 5, 11)))
    case.rate(improving, (3, date(2026, 3, 16)), (3, date(2026, 4, 13)), (5, date(2026, 5, 11)))

    view = view_of(case)

    drift = drift_for_plan(view, case.id, date(2026, 5, 12))
    assert drift.stalled_outcomes == (stuck,)
    assert OUTCOMES_STALLED in drift.flags


def test_no_improvement_over_3_months_stalls_an_outcome_and_an_improvement_does_not():
    case = Case()
    flat, better = case.agree_outcome(), case.agree_outcome()
    case.rate(flat, (5, date(2026, 3, 16)), (5, date(2026, 7, 1)))
    case.rate(better, (5, date(2026, 3, 16)), (6, date(2026, 7, 1)))

    view = view_of(case)

    drift = drift_for_plan(view, case.id, date(2026, 7, 10))
    assert drift.stalled_outcomes == (flat,)


def test_an_outcome_never_rated_in_the_3_months_since_it_was_agreed_is_stalled():
    case = Case()
    unrated = case.agree_outcome()
    events = case.events()
    agreed = next(e for e in events if isinstance(e, ChildProtectionPlan.OutcomeAgreed))
    agreed_on = agreed.timestamp.date()  # the event carries no practice date

    view = project(DriftModel, events)

    assert drift_for_plan(view, case.id, agreed_on).stalled_outcomes == ()
    three_months_on = add_months(agreed_on, 3)
    assert drift_for_plan(view, case.id, three_months_on).stalled_outcomes == (unrated,)


def test_achieved_and_withdrawn_outcomes_are_never_stalled():
    case = Case()
    achieved, withdrawn = case.agree_outcome(), case.agree_outcome()
    for outcome_id in (achieved, withdrawn):
        case.rate(
            outcome_id, (4, date(2026, 3, 16)), (4, date(2026, 4, 13)), (4, date(2026, 5, 11))
        )
    case.plan.record_outcome_achieved(
        by=WORKER, outcome_id=achieved, achieved_on=date(2026, 5, 12), evidence="Meals seen"
    )
    case.plan.withdraw_outcome(by=WORKER, outcome_id=withdrawn, reason="Merged")

    view = view_of(case)

    assert drift_for_plan(view, case.id, date(2026, 5, 13)).stalled_outcomes == ()


def test_stalling_needs_three_ratings_or_three_months_to_judge_by():
    two_ratings = [(date(2026, 3, 16), 4), (date(2026, 4, 13), 4)]
    assert not is_stalled(date(2026, 3, 2), two_ratings, date(2026, 4, 14))
    assert is_stalled(
        date(2026, 3, 2),
        [(date(2026, 3, 16), 4), (date(2026, 4, 13), 6), (date(2026, 5, 11), 4)],
        date(2026, 5, 12),
    )
    assert not is_stalled(
        date(2026, 3, 2),
        [(date(2026, 3, 16), 4), (date(2026, 4, 13), 3), (date(2026, 5, 11), 6)],
        date(2026, 5, 12),
    )


def test_parents_not_engaging_at_the_latest_meeting_or_twice_over_are_flagged():
    latest_not = Case()
    latest_not.meet(date(2026, 3, 12), ParentalEngagement.ENGAGED)
    latest_not.meet(date(2026, 4, 20), ParentalEngagement.NOT_ENGAGED)
    twice = Case()
    twice.meet(date(2026, 3, 12), ParentalEngagement.NOT_ENGAGED)
    twice.meet(date(2026, 4, 20), ParentalEngagement.NOT_ENGAGED)
    twice.meet(date(2026, 5, 28), ParentalEngagement.ENGAGED)
    once = Case()
    once.meet(date(2026, 3, 12), ParentalEngagement.NOT_ENGAGED)
    once.plan.record_parental_engagement(
        by=WORKER,
        recorded_on=date(2026, 3, 20),
        engagement=ParentalEngagement.PARTIALLY_ENGAGED,
        occasion=RatingOccasion.VISIT,
    )

    view = view_of(latest_not, twice, once)

    today = date(2026, 6, 1)
    assert drift_for_plan(view, latest_not.id, today).parental_non_engagement
    assert PARENTS_NOT_ENGAGING in drift_for_plan(view, twice.id, today).flags
    assert drift_for_plan(view, twice.id, today).latest_engagement == "engaged"
    assert not drift_for_plan(view, once.id, today).parental_non_engagement


def test_the_drift_list_shows_open_drifting_plans_of_a_team_most_drift_first():
    some = Case()
    some.task(date(2026, 3, 20))
    some.meet(date(2026, 3, 12))
    more = Case()
    more.task(date(2026, 3, 20))
    more.meet(date(2026, 3, 12), ParentalEngagement.NOT_ENGAGED)
    on_track = Case()
    on_track.meet(date(2026, 3, 12))
    ended = Case()
    ended.task(date(2026, 3, 20))
    ended.plan.end(
        by=WORKER, ended_on=date(2026, 3, 25), reason=PlanEndReason.MOVED_TO_ANOTHER_AUTHORITY
    )
    elsewhere = Case(team="Team 2")

    view = view_of(some, more, on_track, ended, elsewhere)

    today = date(2026, 4, 1)
    assert [d.plan_id for d in drift_list(view, today, team="Team 1")] == [more.id, some.id]
    assert ended.id not in [d.plan_id for d in drift_list(view, today)]
    assert [d.plan_id for d in drift_list(view, today, team="Team 2")] == [elsewhere.id]
    assert drift_for_plan(view, ended.id, today).ended_on == date(2026, 3, 25)
    assert not drift_for_plan(view, ended.id, today).core_group_overdue


def test_caseloads_count_each_workers_open_and_drifting_plans_following_reallocation():
    other = an_actor()
    drifting, fine, ended, moved = Case(), Case(), Case(), Case()
    drifting.task(date(2026, 3, 10))
    fine.meet(date(2026, 3, 12))
    ended.plan.end(by=WORKER, ended_on=date(2026, 3, 25), reason=PlanEndReason.LEFT_THE_UK)
    moved.plan.allocate_lead_social_worker(
        by=MANAGER, social_worker_id=other.user_id, social_worker_name="B Worker", team="Team 1"
    )
    moved.meet(date(2026, 3, 12))

    view = view_of(drifting, fine, ended, moved)

    loads = caseloads(view, date(2026, 3, 20), team="Team 1")
    assert [(c.lead_worker_name, c.open_plans, c.drifting_plans) for c in loads] == [
        ("B Worker", 1, 0),
        (WORKER.name, 2, 1),
    ]
    assert loads[0].lead_worker_id == other.user_id
    assert caseloads(view, date(2026, 3, 20), team="Team 2") == []


def test_a_plan_the_view_does_not_know_has_no_drift():
    view = project(DriftModel, [])

    assert drift_for_plan(view, uuid4(), A_MONDAY) is None
