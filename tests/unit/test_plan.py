from dataclasses import replace
from datetime import date, timedelta
from uuid import uuid4

import pytest

from domain.errors import (
    BlankFieldError,
    ConferenceOnWeekendError,
    DateBeforePlanStartError,
    OutcomeNotAgreedError,
    PlanAlreadyAgreedError,
    PlanEndBeforeReviewError,
    PlanEndedError,
    PlanEndsOnStartDateError,
    PlanEndWithoutReviewError,
    PlanWithoutOutcomesError,
    ReviewNotAfterPlanStartError,
    ReviewOutOfOrderError,
    ScoreOutOfRangeError,
    StepDownDateError,
    StepDownNotPossibleError,
    StrategyDiscussionAfterIcpcError,
    UnknownOutcomeError,
)
from domain.plan import (
    ChildProtectionPlan,
    KeyDecisionPoint,
    OutcomeStatus,
    PlanEndReason,
    RatingOccasion,
    ReviewDecision,
)
from domain.values import CategoryOfAbuse
from tests.builders import A_MONDAY, a_chair, a_conference_decision, an_actor

CHAIR = a_chair()
WORKER = an_actor()


def a_plan(icpc_on: date = A_MONDAY) -> ChildProtectionPlan:
    return ChildProtectionPlan.start(
        plan_id=uuid4(),
        by=CHAIR,
        child_id=uuid4(),
        icpc_on=icpc_on,
        strategy_discussion_on=icpc_on - timedelta(days=14),
        category=CategoryOfAbuse.NEGLECT,
        decision=a_conference_decision(),
        lead_social_worker_id=WORKER.user_id,
        lead_social_worker_name=WORKER.name,
        team="Assessment Team 1",
    )


def with_outcome(plan: ChildProtectionPlan, baseline: int = 2, target: int = 8) -> str:
    outcome_id = uuid4()
    plan.agree_outcome(
        by=WORKER,
        outcome_id=outcome_id,
        wording="Ella is taken to every health appointment",
        how_we_will_know="Health visitor confirms attendance",
        baseline=baseline,
        target=target,
    )
    return outcome_id


def review(plan: ChildProtectionPlan, held_on: date, decision: ReviewDecision) -> None:
    plan.hold_review_conference(
        by=CHAIR,
        held_on=held_on,
        decision=decision,
        category=CategoryOfAbuse.NEGLECT,
        conference=a_conference_decision(),
    )


def test_the_plan_starts_on_the_icpc_date():
    plan = a_plan(A_MONDAY)

    assert plan.icpc_on == A_MONDAY
    assert plan.initial_category is plan.latest_category is CategoryOfAbuse.NEGLECT


def test_the_first_review_is_due_three_months_after_the_icpc():
    plan = a_plan(date(2026, 3, 2))

    assert plan.next_review_due == date(2026, 6, 2)


def test_an_initial_conference_is_not_held_at_a_weekend():
    with pytest.raises(ConferenceOnWeekendError):
        a_plan(date(2026, 3, 7))


def test_an_initial_conference_needs_a_recorded_rationale():
    with pytest.raises(BlankFieldError):
        ChildProtectionPlan.start(
            plan_id=uuid4(),
            by=CHAIR,
            child_id=uuid4(),
            icpc_on=A_MONDAY,
            strategy_discussion_on=None,
            category=CategoryOfAbuse.PHYSICAL,
            decision=replace(a_conference_decision(), rationale="  "),
            lead_social_worker_id=WORKER.user_id,
            lead_social_worker_name=WORKER.name,
            team="Team",
        )


def test_a_review_conference_is_not_held_at_a_weekend():
    plan = a_plan()

    with pytest.raises(ConferenceOnWeekendError):
        review(plan, date(2026, 5, 2), ReviewDecision.CONTINUE)


def test_review_dates_fall_strictly_after_the_plan_start():
    plan = a_plan()

    with pytest.raises(ReviewNotAfterPlanStartError):
        review(plan, A_MONDAY, ReviewDecision.CONTINUE)


def test_reviews_are_recorded_in_date_order():
    plan = a_plan()
    review(plan, date(2026, 6, 1), ReviewDecision.CONTINUE)

    with pytest.raises(ReviewOutOfOrderError):
        review(plan, date(2026, 5, 4), ReviewDecision.CONTINUE)


def test_a_review_that_continues_the_plan_sets_the_next_review_six_months_on():
    plan = a_plan()

    review(plan, date(2026, 6, 1), ReviewDecision.CONTINUE)

    assert plan.next_review_due == date(2026, 12, 1)
    assert plan.last_review_on == date(2026, 6, 1)


def test_a_review_records_the_latest_category():
    plan = a_plan()

    plan.hold_review_conference(
        by=CHAIR,
        held_on=date(2026, 6, 1),
        decision=ReviewDecision.CONTINUE,
        category=CategoryOfAbuse.EMOTIONAL,
        conference=a_conference_decision(),
    )

    assert plan.initial_category is CategoryOfAbuse.NEGLECT
    assert plan.latest_category is CategoryOfAbuse.EMOTIONAL


def test_a_plan_ends_for_no_continuing_risk_only_at_a_review_conference():
    plan = a_plan()

    with pytest.raises(PlanEndWithoutReviewError):
        plan.end(
            by=CHAIR, ended_on=date(2026, 6, 1), reason=PlanEndReason.NO_LONGER_AT_CONTINUING_RISK
        )


def test_a_plan_ends_at_a_review_conference_that_decided_to_end_it():
    plan = a_plan()
    review(plan, date(2026, 6, 1), ReviewDecision.END)

    plan.end(by=CHAIR, ended_on=date(2026, 6, 1), reason=PlanEndReason.NO_LONGER_AT_CONTINUING_RISK)

    assert plan.ended_on == date(2026, 6, 1)
    assert not plan.is_open


def test_a_review_that_continued_the_plan_does_not_end_it():
    plan = a_plan()
    review(plan, date(2026, 6, 1), ReviewDecision.CONTINUE)

    with pytest.raises(PlanEndWithoutReviewError):
        plan.end(
            by=CHAIR, ended_on=date(2026, 6, 1), reason=PlanEndReason.NO_LONGER_AT_CONTINUING_RISK
        )


@pytest.mark.parametrize(
    "reason",
    [
        PlanEndReason.MOVED_TO_ANOTHER_AUTHORITY,
        PlanEndReason.TURNED_18,
        PlanEndReason.DIED,
        PlanEndReason.LEFT_THE_UK,
    ],
)
def test_a_plan_ends_administratively_without_a_review_conference(reason):
    plan = a_plan()

    plan.end(by=WORKER, ended_on=date(2026, 4, 1), reason=reason)

    assert plan.end_reason is reason


def test_a_plan_cannot_end_on_the_day_it_started():
    plan = a_plan()

    with pytest.raises(PlanEndsOnStartDateError):
        plan.end(by=WORKER, ended_on=A_MONDAY, reason=PlanEndReason.LEFT_THE_UK)


def test_a_plan_cannot_end_twice():
    plan = a_plan()
    plan.end(by=WORKER, ended_on=date(2026, 4, 1), reason=PlanEndReason.LEFT_THE_UK)

    with pytest.raises(PlanEndedError):
        plan.end(by=WORKER, ended_on=date(2026, 4, 2), reason=PlanEndReason.LEFT_THE_UK)


def test_a_step_down_child_in_need_plan_starts_on_the_end_date():
    plan = a_plan()
    review(plan, date(2026, 6, 1), ReviewDecision.END)

    with pytest.raises(StepDownDateError):
        plan.end(
            by=CHAIR,
            ended_on=date(2026, 6, 1),
            reason=PlanEndReason.NO_LONGER_AT_CONTINUING_RISK,
            child_in_need_plan_starts_on=date(2026, 6, 2),
        )


@pytest.mark.parametrize("reason", [r for r in PlanEndReason if r.is_administrative])
def test_only_a_plan_ended_for_reduced_risk_steps_down_to_a_child_in_need_plan(reason):
    plan = a_plan()

    with pytest.raises(StepDownNotPossibleError):
        plan.end(
            by=WORKER,
            ended_on=date(2026, 4, 1),
            reason=reason,
            child_in_need_plan_starts_on=date(2026, 4, 1),
        )


def test_a_plan_cannot_end_before_its_last_review_conference():
    plan = a_plan()
    review(plan, date(2026, 6, 1), ReviewDecision.CONTINUE)

    with pytest.raises(PlanEndBeforeReviewError):
        plan.end(by=WORKER, ended_on=date(2026, 5, 4), reason=PlanEndReason.LEFT_THE_UK)


def test_a_plan_is_agreed_once():
    plan = a_plan()
    with_outcome(plan)
    plan.agree(by=WORKER, agreed_on=A_MONDAY, contingency_plan="Legal planning meeting")

    with pytest.raises(PlanAlreadyAgreedError):
        plan.agree(by=WORKER, agreed_on=A_MONDAY, contingency_plan="Again")


def test_the_strategy_discussion_comes_before_the_initial_conference():
    with pytest.raises(StrategyDiscussionAfterIcpcError):
        ChildProtectionPlan.start(
            plan_id=uuid4(),
            by=CHAIR,
            child_id=uuid4(),
            icpc_on=A_MONDAY,
            strategy_discussion_on=A_MONDAY + timedelta(days=1),
            category=CategoryOfAbuse.NEGLECT,
            decision=a_conference_decision(),
            lead_social_worker_id=WORKER.user_id,
            lead_social_worker_name=WORKER.name,
            team="Team",
        )


def test_ratings_and_visits_cannot_predate_the_plan():
    plan = a_plan()
    outcome_id = with_outcome(plan)
    before = A_MONDAY - timedelta(days=1)

    with pytest.raises(DateBeforePlanStartError):
        plan.rate_outcome_progress(
            by=WORKER,
            outcome_id=outcome_id,
            score=4,
            evidence="e",
            rated_on=before,
            occasion=RatingOccasion.VISIT,
        )
    with pytest.raises(DateBeforePlanStartError):
        plan.record_visit(by=WORKER, visited_on=before, seen_alone=True, note="")


def test_an_ended_plan_refuses_new_outcomes_tasks_and_ratings():
    plan = a_plan()
    outcome_id = with_outcome(plan)
    plan.end(by=WORKER, ended_on=date(2026, 4, 1), reason=PlanEndReason.TURNED_18)

    with pytest.raises(PlanEndedError):
        with_outcome(plan)
    with pytest.raises(PlanEndedError):
        plan.set_agency_task(by=WORKER, task_id=uuid4(), outcome_id=outcome_id, agency="School")
    with pytest.raises(PlanEndedError):
        plan.rate_outcome_progress(
            by=WORKER,
            outcome_id=outcome_id,
            score=5,
            evidence="Better",
            rated_on=date(2026, 4, 2),
            occasion=RatingOccasion.VISIT,
        )


def test_only_agreed_outcomes_can_be_rated():
    plan = a_plan()
    outcome_id = with_outcome(plan)
    plan.withdraw_outcome(by=WORKER, outcome_id=outcome_id, reason="Merged into another outcome")

    with pytest.raises(OutcomeNotAgreedError):
        plan.rate_outcome_progress(
            by=WORKER,
            outcome_id=outcome_id,
            score=5,
            evidence="Some change",
            rated_on=date(2026, 3, 20),
            occasion=RatingOccasion.VISIT,
        )


def test_an_outcome_of_another_plan_cannot_be_rated():
    plan = a_plan()

    with pytest.raises(UnknownOutcomeError):
        plan.rate_outcome_progress(
            by=WORKER,
            outcome_id=uuid4(),
            score=5,
            evidence="Some change",
            rated_on=date(2026, 3, 20),
            occasion=RatingOccasion.VISIT,
        )


@pytest.mark.parametrize("score", [-1, 11, 100])
def test_scores_run_from_0_to_10(score):
    plan = a_plan()
    outcome_id = with_outcome(plan)

    with pytest.raises(ScoreOutOfRangeError):
        plan.rate_outcome_progress(
            by=WORKER,
            outcome_id=outcome_id,
            score=score,
            evidence="e",
            rated_on=date(2026, 3, 20),
            occasion=RatingOccasion.VISIT,
        )
    with pytest.raises(ScoreOutOfRangeError):
        with_outcome(plan, baseline=score)


def test_a_rating_keeps_the_latest_score_on_the_outcome():
    plan = a_plan()
    outcome_id = with_outcome(plan)

    for score in (3, 5):
        plan.rate_outcome_progress(
            by=WORKER,
            outcome_id=outcome_id,
            score=score,
            evidence="Attendance improving",
            rated_on=date(2026, 3, 20),
            occasion=RatingOccasion.CORE_GROUP_MEETING,
        )

    assert plan.outcome(outcome_id).latest_score == 5


def test_an_achieved_outcome_is_no_longer_rated():
    plan = a_plan()
    outcome_id = with_outcome(plan)
    plan.record_outcome_achieved(
        by=WORKER, outcome_id=outcome_id, achieved_on=date(2026, 5, 1), evidence="All attended"
    )

    assert plan.outcome(outcome_id).status is OutcomeStatus.ACHIEVED
    with pytest.raises(OutcomeNotAgreedError):
        plan.revise_outcome(
            by=WORKER,
            outcome_id=outcome_id,
            wording="x",
            how_we_will_know="y",
            target=9,
            reason="z",
        )


def test_a_plan_is_agreed_only_once_it_names_an_outcome_for_the_child():
    plan = a_plan()

    with pytest.raises(PlanWithoutOutcomesError):
        plan.agree(by=WORKER, agreed_on=A_MONDAY, contingency_plan="Legal planning meeting")

    with_outcome(plan)
    plan.agree(by=WORKER, agreed_on=A_MONDAY, contingency_plan="Legal planning meeting")
    assert plan.agreed_on == A_MONDAY


def test_management_oversight_of_the_ending_can_be_recorded_after_the_plan_ended():
    plan = a_plan()
    plan.end(by=WORKER, ended_on=date(2026, 4, 1), reason=PlanEndReason.MOVED_TO_ANOTHER_AUTHORITY)

    plan.record_management_oversight(
        by=an_actor(),
        decision_point=KeyDecisionPoint.PLAN_CAN_END,
        recorded_on=date(2026, 4, 2),
        agreed_and_why="Transfer-in conference held by the receiving authority",
        options_considered="Keeping the plan open until the transfer",
    )

    with pytest.raises(PlanEndedError):
        plan.record_management_oversight(
            by=an_actor(),
            decision_point=KeyDecisionPoint.PLAN_AGREED,
            recorded_on=date(2026, 4, 2),
            agreed_and_why="x",
            options_considered="y",
        )


def test_a_letter_of_concern_can_postpone_the_review():
    plan = a_plan()

    plan.send_letter_of_concern(
        by=CHAIR,
        sent_on=date(2026, 5, 20),
        concern="Parents have not attended core groups",
        review_postponed_to=date(2026, 6, 15),
    )

    assert plan.letters_of_concern == 1
    assert plan.next_review_due == date(2026, 6, 15)


def test_every_event_records_who_did_it():
    plan = a_plan()
    with_outcome(plan)

    assert [e.by for e in plan.pending_events] == [CHAIR, WORKER]  # type: ignore[attr-defined]
