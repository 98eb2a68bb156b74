from datetime import date
from uuid import uuid4

from domain.plan import ChildProtectionPlan, RatingOccasion
from domain.values import CategoryOfAbuse
from projections.outcome_progress import OutcomeProgressModel, Trend, progress_for_plan
from tests.builders import A_MONDAY, a_chair, a_conference_decision, a_practitioner, an_actor
from tests.views import events_of, project

WORKER = an_actor()
HEALTH = a_practitioner("Health Visiting")


def a_plan() -> ChildProtectionPlan:
    return ChildProtectionPlan.start(
        plan_id=uuid4(),
        by=a_chair(),
        child_id=uuid4(),
        icpc_on=A_MONDAY,
        strategy_discussion_on=None,
        category=CategoryOfAbuse.NEGLECT,
        decision=a_conference_decision(),
        lead_social_worker_id=WORKER.user_id,
        lead_social_worker_name=WORKER.name,
        team="Team 1",
    )


def agree(plan, baseline=2, target=8):
    outcome_id = uuid4()
    plan.agree_outcome(
        by=WORKER,
        outcome_id=outcome_id,
        wording="Ella has regular meals",
        how_we_will_know="Health visitor sees food",
        baseline=baseline,
        target=target,
    )
    return outcome_id


def rate(plan, outcome_id, score, on):
    plan.rate_outcome_progress(
        by=HEALTH,
        outcome_id=outcome_id,
        score=score,
        evidence="Seen at visit",
        rated_on=on,
        occasion=RatingOccasion.CORE_GROUP_MEETING,
    )


def test_progress_shows_baseline_latest_target_and_the_change():
    plan = a_plan()
    outcome_id = agree(plan, baseline=2, target=8)
    rate(plan, outcome_id, 3, date(2026, 3, 16))
    rate(plan, outcome_id, 5, date(2026, 4, 27))

    view = project(OutcomeProgressModel, events_of(plan))

    [progress] = progress_for_plan(view, plan.id)
    assert (progress.baseline, progress.latest_score, progress.target) == (2, 5, 8)
    assert progress.change_from_baseline == 3
    assert progress.trend is Trend.IMPROVING


def test_every_rating_keeps_who_rated_when_on_what_occasion_and_why():
    plan = a_plan()
    outcome_id = agree(plan)
    rate(plan, outcome_id, 4, date(2026, 3, 16))

    view = project(OutcomeProgressModel, events_of(plan))

    [rating] = progress_for_plan(view, plan.id)[0].ratings
    assert rating.rater_name == HEALTH.name
    assert rating.rater_agency == "Health Visiting"
    assert rating.rated_on == date(2026, 3, 16)
    assert rating.occasion == "core_group_meeting"
    assert rating.evidence == "Seen at visit"


def test_a_rating_recorded_late_for_an_earlier_date_does_not_replace_the_latest_score():
    plan = a_plan()
    outcome_id = agree(plan)
    rate(plan, outcome_id, 6, date(2026, 5, 4))
    rate(plan, outcome_id, 3, date(2026, 3, 16))

    view = project(OutcomeProgressModel, events_of(plan))

    [progress] = progress_for_plan(view, plan.id)
    assert progress.latest_score == 6
    assert [r.score for r in progress.ratings] == [3, 6]


def test_three_flat_ratings_show_no_change():
    plan = a_plan()
    outcome_id = agree(plan)
    for month in (3, 4, 5):
        rate(plan, outcome_id, 4, date(2026, month, 11))

    view = project(OutcomeProgressModel, events_of(plan))

    assert progress_for_plan(view, plan.id)[0].trend is Trend.NO_CHANGE


def test_revised_achieved_and_withdrawn_outcomes_are_shown_as_such():
    plan = a_plan()
    revised, achieved, withdrawn = agree(plan), agree(plan), agree(plan)
    plan.revise_outcome(
        by=WORKER,
        outcome_id=revised,
        wording="Ella eats three meals a day",
        how_we_will_know="Food diary",
        target=9,
        reason="Clearer",
    )
    plan.record_outcome_achieved(
        by=WORKER, outcome_id=achieved, achieved_on=date(2026, 5, 1), evidence="All attended"
    )
    plan.withdraw_outcome(by=WORKER, outcome_id=withdrawn, reason="Merged")

    view = project(OutcomeProgressModel, events_of(plan))

    by_id = {p.outcome_id: p for p in progress_for_plan(view, plan.id)}
    assert by_id[revised].wording == "Ella eats three meals a day"
    assert by_id[revised].target == 9
    assert by_id[achieved].achieved
    assert by_id[withdrawn].withdrawn


def test_a_plans_outcomes_are_not_mixed_with_another_plans():
    first, second = a_plan(), a_plan()
    agree(first)
    agree(second)

    view = project(OutcomeProgressModel, events_of(first, second))

    assert len(progress_for_plan(view, first.id)) == 1
