from datetime import date, timedelta
from uuid import uuid4

from domain.calendar import add_months
from domain.child import Child
from domain.core_group import CoreGroup
from domain.plan import ChildProtectionPlan, PlanEndReason, ReviewDecision
from domain.values import CategoryOfAbuse, ParentalEngagement
from projections.registry import READ_MODELS
from projections.timeliness import (
    DurationBand,
    Rate,
    TimelinessModel,
    duration_band,
    plan_timeliness,
    plans_ended,
    plans_open_on,
    plans_started,
)
from tests.builders import A_MONDAY, a_chair, a_conference_decision, an_actor, child_details
from tests.views import events_of, project

CHAIR = a_chair()
WORKER = an_actor()
FIFTEEN_WORKING_DAYS_BEFORE = date(2026, 2, 9)  # A_MONDAY (2 March 2026) is the 15th after it
FIRST_CORE_GROUP_DUE = date(2026, 3, 16)  # 10 working days after A_MONDAY
FIRST_REVIEW_DUE = date(2026, 6, 2)  # 3 months after A_MONDAY


class Case:
    """A child's plan with its core group, as the initial conference makes them."""

    def __init__(self, icpc_on=A_MONDAY, strategy_on=None, child=None):
        self.child = child or Child.register(child_id=uuid4(), by=WORKER, details=child_details())
        self.plan = ChildProtectionPlan.start(
            plan_id=uuid4(),
            by=CHAIR,
            child_id=self.child.id,
            icpc_on=icpc_on,
            strategy_discussion_on=strategy_on,
            category=CategoryOfAbuse.NEGLECT,
            decision=a_conference_decision(),
            lead_social_worker_id=WORKER.user_id,
            lead_social_worker_name=WORKER.name,
            team="Team 1",
        )
        self.child.open_protection_plan_on(by=CHAIR, plan_id=self.plan.id, start_on=icpc_on)
        self.core_group = CoreGroup.form(
            core_group_id=self.plan.core_group_id,
            by=CHAIR,
            plan_id=self.plan.id,
            formed_on=icpc_on,
        )

    def meet(self, on):
        self.core_group.record_meeting_held(
            by=WORKER,
            meeting_id=uuid4(),
            held_on=on,
            attendance=(),
            summary="Reviewed tasks",
            parental_engagement=ParentalEngagement.ENGAGED,
            outcomes_rated=(),
        )

    def review(self, on):
        self.plan.hold_review_conference(
            by=CHAIR,
            held_on=on,
            decision=ReviewDecision.CONTINUE,
            category=CategoryOfAbuse.NEGLECT,
            conference=a_conference_decision(),
        )

    def end(self, on):
        self.plan.end(by=CHAIR, ended_on=on, reason=PlanEndReason.MOVED_TO_ANOTHER_AUTHORITY)
        self.child.close_protection_plan(by=CHAIR, plan_id=self.plan.id, end_on=on, step_down=False)

    def events(self):
        return events_of(self.plan, self.child, self.core_group)


def test_the_timeliness_view_is_registered():
    assert TimelinessModel in READ_MODELS
    assert TimelinessModel.name == "timeliness"


def test_an_initial_conference_on_the_fifteenth_working_day_is_within_timescale():
    case = Case(strategy_on=FIFTEEN_WORKING_DAYS_BEFORE)

    view = project(TimelinessModel, case.events())

    plan = plan_timeliness(view, case.plan.id, A_MONDAY)
    assert plan.icpc_working_days == 15
    assert plan.icpc_within_timescale is True


def test_an_initial_conference_on_the_sixteenth_working_day_is_late():
    case = Case(strategy_on=FIFTEEN_WORKING_DAYS_BEFORE - timedelta(days=3))

    view = project(TimelinessModel, case.events())

    plan = plan_timeliness(view, case.plan.id, A_MONDAY)
    assert plan.icpc_working_days == 16
    assert plan.icpc_within_timescale is False


def test_without_a_strategy_discussion_date_icpc_timeliness_is_unknown_not_late():
    late = Case(strategy_on=FIFTEEN_WORKING_DAYS_BEFORE - timedelta(days=3))
    unknown = Case(strategy_on=None)

    view = project(TimelinessModel, late.events() + unknown.events())

    figures = plans_started(view, A_MONDAY, A_MONDAY)
    assert plan_timeliness(view, unknown.plan.id, A_MONDAY).icpc_within_timescale is None
    assert figures.plans_started == 2
    assert figures.icpc_within_15_working_days == Rate(0, 1)
    assert figures.strategy_discussion_not_recorded == 1


def test_a_first_core_group_on_its_tenth_working_day_is_on_time_and_the_next_day_late():
    on_time, late = Case(), Case()
    on_time.meet(FIRST_CORE_GROUP_DUE)
    late.meet(FIRST_CORE_GROUP_DUE + timedelta(days=1))

    view = project(TimelinessModel, on_time.events() + late.events())

    after = date(2026, 4, 1)
    assert plan_timeliness(view, on_time.plan.id, after).first_core_group_within_timescale is True
    assert plan_timeliness(view, late.plan.id, after).first_core_group_within_timescale is False


def test_a_first_core_group_not_held_is_pending_until_due_then_late():
    case = Case()

    view = project(TimelinessModel, case.events())

    due = plan_timeliness(view, case.plan.id, FIRST_CORE_GROUP_DUE)
    overdue = plan_timeliness(view, case.plan.id, FIRST_CORE_GROUP_DUE + timedelta(days=1))
    assert due.first_core_group_within_timescale is None
    assert overdue.first_core_group_within_timescale is False


def test_the_first_core_group_is_the_earliest_meeting_even_when_recorded_late():
    case = Case()
    case.meet(date(2026, 3, 30))
    case.meet(date(2026, 3, 12))

    view = project(TimelinessModel, case.events())

    plan = plan_timeliness(view, case.plan.id, date(2026, 4, 1))
    assert plan.first_core_group_on == date(2026, 3, 12)
    assert plan.first_core_group_within_timescale is True


def test_a_later_review_is_due_six_months_after_the_review_before_not_after_its_due_date():
    case = Case()
    case.review(date(2026, 5, 26))  # a week before the first was due
    case.review(date(2026, 11, 30))  # within 6 months of 2 June, but not of 26 May

    view = project(TimelinessModel, case.events())

    plan = plan_timeliness(view, case.plan.id, date(2026, 12, 1))
    assert [(r.due_on, r.within_timescale) for r in plan.reviews] == [
        (FIRST_REVIEW_DUE, True),
        (date(2026, 11, 26), False),
    ]
    assert plan.reviews_within_timescales is False


def test_a_late_first_review_keeps_the_plan_out_of_time_for_good():
    case = Case()
    case.review(FIRST_REVIEW_DUE + timedelta(days=1))
    case.review(date(2026, 9, 1))

    view = project(TimelinessModel, case.events())

    plan = plan_timeliness(view, case.plan.id, date(2026, 9, 2))
    assert [r.within_timescale for r in plan.reviews] == [False, True]
    assert plan.reviews_within_timescales is False


def test_open_plans_of_three_months_or_more_count_an_overdue_review_as_out_of_time():
    reviewed, overdue, young = Case(), Case(), Case(icpc_on=date(2026, 5, 5))
    reviewed.review(date(2026, 5, 29))

    view = project(TimelinessModel, reviewed.events() + overdue.events() + young.events())

    figures = plans_open_on(view, date(2026, 6, 3))
    assert figures.open_plans == 3
    assert figures.reviewed_within_timescales == Rate(1, 2)
    assert figures.reviewed_within_timescales.percent == 50.0


def test_duration_bands_include_their_lower_bound():
    start = A_MONDAY

    assert duration_band(start, add_months(start, 3) - timedelta(days=1)) is (
        DurationBand.UNDER_3_MONTHS
    )
    assert duration_band(start, add_months(start, 3)) is DurationBand.FROM_3_TO_6_MONTHS
    assert duration_band(start, add_months(start, 6)) is DurationBand.FROM_6_TO_12_MONTHS
    assert duration_band(start, add_months(start, 12)) is DurationBand.FROM_1_TO_2_YEARS
    assert duration_band(start, add_months(start, 24)) is DurationBand.TWO_YEARS_OR_MORE


def test_plans_ended_in_a_period_are_counted_by_duration_and_two_years_or_more():
    short, long_ = Case(), Case(icpc_on=date(2024, 3, 4))
    short.end(date(2026, 4, 15))
    long_.end(date(2026, 4, 20))

    view = project(TimelinessModel, short.events() + long_.events())

    figures = plans_ended(view, date(2026, 4, 1), date(2026, 4, 30))
    assert figures.plans_ended == 2
    assert figures.lasted_two_years_or_more == Rate(1, 2)
    bands = dict(figures.by_duration)
    assert bands[DurationBand.UNDER_3_MONTHS] == Rate(1, 2)
    assert bands[DurationBand.TWO_YEARS_OR_MORE] == Rate(1, 2)
    assert bands[DurationBand.FROM_3_TO_6_MONTHS] == Rate(0, 2)
    assert plan_timeliness(view, short.plan.id, date(2026, 5, 1)).duration_days == 44


def test_a_plan_ended_after_the_day_asked_about_is_still_open_on_it():
    case = Case()
    case.end(date(2026, 4, 15))

    view = project(TimelinessModel, case.events())

    assert plans_open_on(view, date(2026, 4, 14)).open_plans == 1
    assert plans_open_on(view, date(2026, 4, 15)).open_plans == 0
    assert plan_timeliness(view, case.plan.id, date(2026, 4, 14)).duration_band is None


def test_a_childs_second_plan_is_a_repeat_plan_whichever_stream_the_log_holds_first():
    first = Case(icpc_on=date(2025, 3, 3))
    first.end(date(2025, 9, 1))
    second = Case(child=first.child)
    plan_first = [*first.events(), *second.events()]
    child_first = sorted(plan_first, key=lambda e: e.originator_id != first.child.id)

    for events in (plan_first, child_first):
        view = project(TimelinessModel, events)

        assert plan_timeliness(view, first.plan.id, A_MONDAY).repeat_plan is False
        assert plan_timeliness(view, second.plan.id, A_MONDAY).repeat_plan is True
        assert plan_timeliness(view, second.plan.id, A_MONDAY).previous_plans == 1
        assert plans_started(view, A_MONDAY, A_MONDAY).repeat_plans == Rate(1, 1)
